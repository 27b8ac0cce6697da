"""Keys and certificates made up for the FHIR tests: client keys with their JWKS, a private CA."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from fhir_bridge.sandbox_server import SandboxClient


def public_jwk(key, alg: str, kid: str) -> dict:
    """The public half of ``key`` as a JWK, as a hospital registers it."""
    algorithm = jwt.algorithms.RSAAlgorithm if alg == "RS384" else jwt.algorithms.ECAlgorithm
    jwk = algorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


def new_client_key(kind: str = "rsa"):
    """A fresh RSA-2048 or EC P-384 private key."""
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP384R1())


def sandbox_client(client_id: str, key, alg: str, kid: str) -> SandboxClient:
    return SandboxClient(client_id, {"keys": [public_jwk(key, alg, kid)]})


def write_private_key(key, path: Path) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def certificate(subject: str, issuer: str, public_key, signing_key, *, ca: bool):
    """A certificate for 127.0.0.1 (or a CA's own), valid from five minutes ago for a day."""
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
        builder = builder.add_extension(san, critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def private_ca_files(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate it signed: (server cert, server key, CA cert)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate("Sandbox Test CA", "Sandbox Test CA", ca_key.public_key(), ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    cert = certificate("127.0.0.1", "Sandbox Test CA", server_key.public_key(), ca_key, ca=False)
    cert_path, ca_path = folder / "server.pem", folder / "ca.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return cert_path, write_private_key(server_key, folder / "server.key"), ca_path
