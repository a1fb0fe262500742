"""Provides kubeconfig files for the double and the TLS material of its HTTPS mode.

`generate_tls()` makes a throw-away CA, a server certificate for 127.0.0.1/localhost and a client
certificate (CN = the user name), with `cryptography` and EC P-256 keys (fast to generate, accepted by
both OpenSSL and Go). `write_kubeconfig()` writes a kubeconfig with token and/or client-certificate
credentials, CA data or insecure-skip-tls-verify, and several contexts with their namespaces.
Never touches the user's real kubeconfig.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_CONTEXTS = (("test", "default"), ("other", "other"))


@dataclass(frozen=True)
class TLSMaterial:
    """PEM bytes of a CA, the server's certificate and key, and one client certificate and key."""

    ca_cert: bytes
    server_cert: bytes
    server_key: bytes
    client_cert: bytes
    client_key: bytes
    client_user: str

    def write(self, directory: Path) -> dict[str, Path]:
        """Write every PEM into `directory`; returns their paths by name."""
        directory.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name in ("ca_cert", "server_cert", "server_key", "client_cert", "client_key"):
            paths[name] = directory / f"{name}.pem"
            paths[name].write_bytes(getattr(self, name))
        return paths


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
    usage: x509.ObjectIdentifier | None = None,
    organization: str | None = None,
) -> x509.Certificate:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, subject)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    name = x509.Name(attributes)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        ).add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if usage == ExtendedKeyUsageOID.SERVER_AUTH:
        sans = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def generate_tls(client_user: str = "cert-user", client_groups: str = "system:authenticated") -> TLSMaterial:
    """Fresh CA, server certificate (SANs 127.0.0.1, localhost) and client certificate for `client_user`."""
    ca_key, server_key, client_key = _key(), _key(), _key()
    ca = _certificate("kubeapi-double-ca", ca_key, None, ca_key, ca=True)
    server = _certificate(
        "kubeapi-double", server_key, ca.subject, ca_key, usage=ExtendedKeyUsageOID.SERVER_AUTH
    )
    client = _certificate(
        client_user,
        client_key,
        ca.subject,
        ca_key,
        usage=ExtendedKeyUsageOID.CLIENT_AUTH,
        organization=client_groups,
    )
    pem = serialization.Encoding.PEM
    return TLSMaterial(
        ca.public_bytes(pem),
        server.public_bytes(pem),
        _key_pem(server_key),
        client.public_bytes(pem),
        _key_pem(client_key),
        client_user,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def write_kubeconfig(
    path: Path,
    server: str,
    *,
    token: str | None = None,
    ca_cert: bytes | None = None,
    client_cert: bytes | None = None,
    client_key: bytes | None = None,
    insecure: bool = False,
    contexts: Sequence[tuple[str, str]] = DEFAULT_CONTEXTS,
    current: str | None = None,
    cluster: str = "kubeapi",
    user: str = "test-user",
) -> Path:
    """Write a kubeconfig for `server`: one cluster, one user with the given credentials, and one context
    per (name, namespace) pair; `current` defaults to the first context. Returns `path`."""
    cluster_entry: dict = {"server": server}
    if ca_cert is not None:
        cluster_entry["certificate-authority-data"] = _b64(ca_cert)
    if insecure:
        cluster_entry["insecure-skip-tls-verify"] = True
    user_entry: dict = {}
    if token is not None:
        user_entry["token"] = token
    if client_cert is not None and client_key is not None:
        user_entry["client-certificate-data"] = _b64(client_cert)
        user_entry["client-key-data"] = _b64(client_key)
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": cluster, "cluster": cluster_entry}],
        "users": [{"name": user, "user": user_entry}],
        "contexts": [
            {"name": name, "context": {"cluster": cluster, "user": user, "namespace": namespace}}
            for name, namespace in contexts
        ],
        "current-context": current or contexts[0][0],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
