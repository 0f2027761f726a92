"""A local certificate authority and a server certificate for serving the mocks over https.

``ensure_tls(dir)`` makes, once, in ``dir`` (mode 0700):

- ``ca.pem``: a self-signed CA, to give clients as ``REQUESTS_CA_BUNDLE`` / ``SSL_CERT_FILE``
  (msal, azure-identity, msgraph-sdk and requests all take it that way);
- ``ca.key``: the CA's key (needed only to issue a new server certificate);
- ``server.pem`` and ``server.key``: the certificate for ``127.0.0.1``, ``::1`` and
  ``localhost``, issued by that CA.

Every file is mode 0600 and kept: a restart serves with the same CA, so clients that trust it
keep working. A server certificate about to expire is issued again from the same CA.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
SERVER_DAYS = 397  # what browsers accept for a server certificate
RENEW_BEFORE = dt.timedelta(days=30)
HOSTS = ("localhost",)
ADDRESSES = ("127.0.0.1", "::1")


class TlsError(Exception):
    """The TLS folder cannot be written or holds unreadable files (named, never shown)."""


@dataclass(frozen=True)
class TlsFiles:
    """The paths of a served certificate: CA, server certificate (chain) and server key."""

    ca: Path
    cert: Path
    key: Path


def _write(path: Path, data: bytes) -> None:
    # created 0600 from the start (a chmod afterwards would leave a window), then moved in
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    tmp.replace(path)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "renkei mocks"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _make_ca(now: dt.datetime) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = _name("renkei local CA")
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _make_server(ca_key: rsa.RSAPrivateKey, ca: x509.Certificate, now: dt.datetime
                 ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    names: list[x509.GeneralName] = [x509.DNSName(h) for h in HOSTS]
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ADDRESSES]
    cert = (x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=True,
                                         key_cert_sign=False, crl_sign=False,
                                         content_commitment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def _load(folder: Path) -> tuple[rsa.RSAPrivateKey, x509.Certificate] | None:
    if not ((folder / "ca.pem").exists() and (folder / "ca.key").exists()):
        return None
    try:
        ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
        key = serialization.load_pem_private_key((folder / "ca.key").read_bytes(), None)
    except (OSError, ValueError) as exc:
        raise TlsError(f"the CA in {folder} is unreadable ({type(exc).__name__}); remove "
                       "the folder to make a new one") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TlsError(f"{folder / 'ca.key'} is not an RSA key")
    return key, ca


def _server_fresh(folder: Path, now: dt.datetime) -> bool:
    try:
        cert = x509.load_pem_x509_certificate((folder / "server.pem").read_bytes())
    except (OSError, ValueError):
        return False
    return (folder / "server.key").exists() and cert.not_valid_after_utc - now > RENEW_BEFORE


def ensure_tls(folder: str | os.PathLike[str]) -> TlsFiles:
    """The CA and server certificate in ``folder``, made (or renewed) when needed."""
    path = Path(folder)
    now = dt.datetime.now(dt.UTC)
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        loaded = _load(path)
        if loaded is None:
            ca_key, ca = _make_ca(now)
            _write(path / "ca.key", _key_pem(ca_key))
            _write(path / "ca.pem", ca.public_bytes(serialization.Encoding.PEM))
            (path / "server.pem").unlink(missing_ok=True)
        else:
            ca_key, ca = loaded
        if not _server_fresh(path, now):
            key, cert = _make_server(ca_key, ca, now)
            _write(path / "server.key", _key_pem(key))
            _write(path / "server.pem", cert.public_bytes(serialization.Encoding.PEM))
    except OSError as exc:
        raise TlsError(f"cannot write the TLS files in {path}: {exc.strerror or exc}") from None
    return TlsFiles(ca=path / "ca.pem", cert=path / "server.pem", key=path / "server.key")


__all__ = ["TlsError", "TlsFiles", "ensure_tls"]
