"""Provides Kubernetes `Status` error bodies and `ApiError`, the exception that carries one to the client.

Every error the double answers goes through here, so the shapes and messages match a real kube-apiserver:
kind Status, apiVersion v1, status Failure, message, reason, code, and details where the real one has them.
A Status with `details.retryAfterSeconds` is sent with a `Retry-After` header, as the apiserver does.
"""

from __future__ import annotations

from .resources import Resource

REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}

CONTINUE_EXPIRED = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new "
    "list without the continue parameter, or use the continue token in this response to retrieve the "
    "remainder of the results. Continuing with the provided token results in an inconsistent list - objects "
    "that were created, modified, or deleted between the time the first chunk was returned and now may show "
    "up in the list."
)
LIST_RV_EXPIRED = "The resourceVersion for the provided list is too old."
NOT_FOUND_PATH = "the server could not find the requested resource"


def status_body(
    code: int,
    message: str,
    reason: str | None = None,
    details: dict | None = None,
    metadata: dict | None = None,
) -> dict:
    """A complete `Status` object for an error response or an in-band ERROR event."""
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": metadata or {},
        "status": "Failure",
        "message": message,
        "reason": reason if reason is not None else REASONS.get(code, ""),
    }
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


class ApiError(Exception):
    """An HTTP error answered with a Status body; `headers` are extra response headers."""

    def __init__(
        self,
        code: int,
        message: str,
        reason: str | None = None,
        details: dict | None = None,
        metadata: dict | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.body = status_body(code, message, reason, details, metadata)

    @property
    def headers(self) -> dict[str, str]:
        """`Retry-After` when the Status carries `retryAfterSeconds`."""
        retry = (self.body.get("details") or {}).get("retryAfterSeconds")
        return {"Retry-After": str(retry)} if retry else {}


def _kind_details(res: Resource, name: str | None) -> dict:
    details = {"kind": res.plural}
    if res.group:
        details["group"] = res.group
    if name:
        details["name"] = name
    return details


def not_found(res: Resource, name: str) -> ApiError:
    """`pipelineruns.tekton.dev "x" not found`."""
    return ApiError(404, f'{res.group_resource} "{name}" not found', details=_kind_details(res, name))


def path_not_found() -> ApiError:
    """The 404 for a path no resource is served at (unknown group, version or resource)."""
    return ApiError(404, NOT_FOUND_PATH, details={})


def unauthorized() -> ApiError:
    """The 401 for a missing or rejected credential."""
    return ApiError(401, "Unauthorized")


def forbidden(
    user: str,
    verb: str,
    res: Resource,
    namespace: str | None,
    name: str | None = None,
    subresource: str | None = None,
) -> ApiError:
    """The RBAC 403 with the real message, at the cluster scope or in one namespace."""
    target = f'{res.group_resource} "{name}"' if name else res.group_resource
    resource = f"{res.plural}/{subresource}" if subresource else res.plural
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    message = (
        f'{target} is forbidden: User "{user}" cannot {verb} resource "{resource}" '
        f'in API group "{res.group}" {scope}'
    )
    return ApiError(403, message, details=_kind_details(res, name))


def bad_request(message: str) -> ApiError:
    """A 400 BadRequest (unknown field selector, malformed selector, continue with a resourceVersion)."""
    return ApiError(400, message)


def invalid_list_options(field: str, detail: str, cause: str = "FieldValueForbidden") -> ApiError:
    """The 422 the apiserver gives for invalid ListOptions (resourceVersionMatch, sendInitialEvents)."""
    kind_word = "Forbidden" if cause == "FieldValueForbidden" else "Unsupported value"
    message = f'ListOptions.meta.k8s.io "" is invalid: {field}: {kind_word}: {detail}'
    causes = [{"reason": cause, "message": f"{kind_word}: {detail}", "field": field}]
    return ApiError(422, message, details={"group": "meta.k8s.io", "kind": "ListOptions", "causes": causes})


def send_initial_events_forbidden() -> ApiError:
    """The 422 of a server without the WatchList feature for `sendInitialEvents`."""
    return invalid_list_options(
        "sendInitialEvents",
        "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
    )


def too_large_rv(requested: int, current: int) -> ApiError:
    """The 504 for a resourceVersion the server has not reached yet, with `retryAfterSeconds`."""
    cause = {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
    return ApiError(
        504,
        f"Timeout: Too large resource version: {requested}, current: {current}",
        details={"causes": [cause], "retryAfterSeconds": 1},
    )


def expired(message: str, continue_token: str | None = None) -> ApiError:
    """A 410 Expired; an expired continue carries a new (inconsistent) token in `metadata.continue`."""
    return ApiError(410, message, metadata={"continue": continue_token} if continue_token else None)


def too_old_watch(requested: int, oldest: int, reason: str = "Expired") -> dict:
    """The Status of the in-band ERROR event a watch from a compacted resourceVersion receives."""
    return status_body(410, f"too old resource version: {requested} ({oldest})", reason)


def method_not_allowed() -> ApiError:
    """The 405 for writes: the double is read-only over HTTP (tests mutate through Python)."""
    return ApiError(405, "the server does not allow this method on the requested resource")


def retryable(code: int, retry_after: int | None = None, message: str | None = None) -> ApiError:
    """A 429/5xx as API Priority and Fairness, an overloaded server or a proxy would answer it."""
    defaults = {
        429: "Too many requests, please try again later.",
        500: "Internal error occurred: injected fault",
        503: "the server is currently unable to handle the request",
        504: "Timeout: request did not complete within requested timeout - context deadline exceeded",
    }
    details = {"retryAfterSeconds": retry_after} if retry_after else None
    return ApiError(code, message or defaults.get(code, f"injected error {code}"), details=details)
