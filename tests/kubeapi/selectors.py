"""Provides label and field selectors: parsing with the apiserver's error messages, and matching.

Label selectors follow the full Kubernetes grammar: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`,
`k` (exists), `!k` (does not exist), `k>1`, `k<1`, comma = AND. `!=` and `notin` also match objects
without the label. Field selectors support `=`, `==`, `!=` on the fields a resource declares selectable;
any other field is a `SelectorError` whose message is the real one (different for CRDs and core types).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .resources import Resource

_LEX = re.compile(r"\s*(?:(==|!=|=|!|<|>|\(|\)|,)|([^\s,()=!<>]+))")
_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


class SelectorError(ValueError):
    """A selector the apiserver would reject with 400 BadRequest; str() is the message."""


@dataclass(frozen=True)
class Requirement:
    """One label requirement: `op` is one of = != in notin exists !exists gt lt."""

    key: str
    op: str
    values: tuple[str, ...] = ()

    def matches(self, labels: dict) -> bool:
        """Whether a label map satisfies this requirement."""
        present, value = self.key in labels, labels.get(self.key)
        if self.op == "exists":
            return present
        if self.op == "!exists":
            return not present
        if self.op in ("=", "in"):
            return present and value in self.values
        if self.op in ("!=", "notin"):
            return not present or value not in self.values
        return present and _compare(value, self.op, int(self.values[0]))


def _compare(value: str, op: str, bound: int) -> bool:
    try:
        number = int(value)
    except ValueError:
        return False
    return number > bound if op == "gt" else number < bound


def _tokens(text: str) -> list[tuple[str, str]]:
    """Split a label selector into ("op", symbol) and ("word", text) tokens."""
    tokens, pos, text = [], 0, text.strip()
    while pos < len(text):
        match = _LEX.match(text, pos)
        if not match or match.end() == pos:
            raise SelectorError(f"unable to parse requirement: unexpected character at {text[pos:]!r}")
        tokens.append(("op", match.group(1)) if match.group(1) else ("word", match.group(2)))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive-descent parser over the token list; one instance per selector string."""

    def __init__(self, text: str) -> None:
        self.tokens, self.i = _tokens(text), 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str) -> str:
        tok = self.peek()
        if (
            tok is None
            or (expected == "word") != (tok[0] == "word")
            or (tok[0] == "op" and tok[1] != expected)
        ):
            found = tok[1] if tok else ""
            raise SelectorError(
                f"found '{found}', expected: {'identifier' if expected == 'word' else expected}"
            )
        self.i += 1
        return tok[1]

    def selector(self) -> tuple[Requirement, ...]:
        reqs = []
        while self.peek() is not None:
            reqs.append(self.requirement())
            if self.peek() is not None:
                self.take(",")
        return tuple(reqs)

    def requirement(self) -> Requirement:
        if self.peek() == ("op", "!"):
            self.i += 1
            return Requirement(_valid_key(self.take("word")), "!exists")
        key = _valid_key(self.take("word"))
        tok = self.peek()
        if tok is None or tok == ("op", ","):
            return Requirement(key, "exists")
        if tok in (("word", "in"), ("word", "notin")):
            self.i += 1
            return Requirement(key, tok[1], self.value_set())
        if tok[0] == "op" and tok[1] in ("=", "==", "!="):
            self.i += 1
            value = self.take("word") if (self.peek() or ("", ""))[0] == "word" else ""
            return Requirement(key, "!=" if tok[1] == "!=" else "=", (_valid_value(value),))
        if tok[0] == "op" and tok[1] in ("<", ">"):
            self.i += 1
            bound = self.take("word")
            if not re.fullmatch(r"-?\d+", bound):
                raise SelectorError(
                    "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer: "
                    f"{bound}"
                )
            return Requirement(key, "gt" if tok[1] == ">" else "lt", (bound,))
        raise SelectorError(f"found '{tok[1]}', expected: in, notin, =, ==, !=, gt, lt")

    def value_set(self) -> tuple[str, ...]:
        self.take("(")
        values = [_valid_value(self.take("word"))]
        while self.peek() == ("op", ","):
            self.i += 1
            values.append(_valid_value(self.take("word")))
        self.take(")")
        return tuple(values)


def _valid_key(key: str) -> str:
    prefix, _, name = key.rpartition("/")
    if not name or len(name) > 63 or not _NAME.match(name) or (prefix and not _PREFIX.match(prefix)):
        raise SelectorError(
            f'unable to parse requirement: key: Invalid value: "{key}": '
            "name part must consist of alphanumeric "
            "characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        )
    return key


def _valid_value(value: str) -> str:
    if len(value) > 63 or not _NAME.match(value):
        raise SelectorError(
            f'unable to parse requirement: values[0]: Invalid value: "{value}": '
            "a valid label must be an empty "
            "string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character"
        )
    return value


@dataclass(frozen=True)
class LabelSelector:
    """A parsed label selector; the empty selector matches everything."""

    requirements: tuple[Requirement, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> LabelSelector:
        """Parse `text` (None or "" = everything); SelectorError with the reason otherwise."""
        return cls(_Parser(text).selector()) if text and text.strip() else cls()

    def matches(self, obj: dict) -> bool:
        """Whether an object's `metadata.labels` satisfy every requirement."""
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(req.matches(labels) for req in self.requirements)


def field_value(obj: dict, path: str) -> str:
    """The string value of a selectable field (`source` is `source.component`, booleans lower-case)."""
    if path == "source":
        path = "source.component"
    value: object = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@dataclass(frozen=True)
class FieldSelector:
    """A parsed field selector: terms of (field, "=" or "!=", value), all of which must hold."""

    terms: tuple[tuple[str, str, str], ...] = ()

    @classmethod
    def parse(cls, text: str | None, res: Resource) -> FieldSelector:
        """Parse and check against `res`'s selectable fields; SelectorError with the real message."""
        terms = []
        for part in (text or "").split(","):
            if part.strip():
                terms.append(_field_term(part.strip()))
        for name, _, _ in terms:
            if name not in res.fields:
                raise SelectorError(_unknown_field_message(name, res))
        return cls(tuple(terms))

    def matches(self, obj: dict) -> bool:
        """Whether the object satisfies every term."""
        return all((field_value(obj, f) == v) == (op == "=") for f, op, v in self.terms)


def _field_term(term: str) -> tuple[str, str, str]:
    for op in ("!=", "==", "="):
        name, sep, value = term.partition(op)
        if sep:
            return name.strip(), "!=" if op == "!=" else "=", value.strip()
    raise SelectorError(f"invalid selector: '{term}'; can't understand '{term}'")


def _unknown_field_message(name: str, res: Resource) -> str:
    if res.is_crd:
        allowed = ", ".join(f'"{f}"' for f in res.fields)
        return f'"{name}" is not a known field selector: only {allowed}'
    return f"field label not supported: {name}"
