"""Which certificates a TLS connection to Stripe is checked against.

By default, two sources of trust anchors: Stripe's own CA file (shipped with stripe-python,
so the bundle carries it) and the operating system's store (through `truststore`: that is
where a company's IT installs the root of its TLS-inspecting proxy). `SSL_CERT_FILE` and
`REQUESTS_CA_BUNDLE` are honoured as OpenSSL and requests honour them: the file they name
replaces those defaults. The `ca_file` setting adds one PEM file to whichever applies.

Nothing here reads a file until the first request needs a connection (`context()`), so a
command that never calls Stripe pays nothing for it.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import stripe

#: Environment variables naming the one CA file (or folder) to trust, in the order requests
#: reads its own; OpenSSL's comes last.
ENV_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
_PEM_BEGIN = b"-----BEGIN CERTIFICATE-----"


class TrustSetupError(Exception):
    """A CA file that should be used cannot be: one sentence naming the file and why."""


@dataclass(frozen=True)
class CaFile:
    path: Path
    #: Who named the file: "stripe-python", "SSL_CERT_FILE", "the ca_file setting".
    origin: str

    def describe(self) -> str:
        return f"{self.path} ({self.origin})"


@dataclass(frozen=True)
class TrustSources:
    """The trust anchors of one profile: CA files, and whether the OS store is among them."""

    files: tuple[CaFile, ...]
    os_store: bool

    def describe(self) -> list[str]:
        """One line per source, for `doctor` and the log."""
        lines = [f"the CA file {f.describe()}" for f in self.files]
        if self.os_store:
            lines.append("the operating system's certificate store")
        return lines

    def context(self) -> ssl.SSLContext:
        """A client context that verifies against these sources (TLS 1.2 at least).

        Raises:
            TrustSetupError: a CA file is missing, unreadable or holds no certificate.
        """
        context: ssl.SSLContext
        if self.os_store:
            import truststore  # only here: it is imported when Stripe is first called

            context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        else:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        for ca in self.files:
            _load(context, ca)
        return context


def sources(ca_file: str | None, environ: Mapping[str, str] | None = None) -> TrustSources:
    """The sources in force for a profile whose `ca_file` setting is `ca_file`."""
    env = os.environ if environ is None else environ
    named = next(((name, env[name]) for name in ENV_VARIABLES if env.get(name)), None)
    if named is not None:
        files = [CaFile(Path(named[1]), named[0])]
        os_store = False
    else:
        files = [CaFile(Path(stripe.ca_bundle_path), "stripe-python's, Stripe's own")]
        os_store = True
    if ca_file:
        files.append(CaFile(Path(ca_file), "the ca_file setting"))
    return TrustSources(tuple(files), os_store)


def check_pem_file(path: str | Path, origin: str) -> Path:
    """`path` as an absolute path if it is a readable file holding at least one PEM
    certificate; otherwise TrustSetupError with the reason."""
    file = Path(path).expanduser()
    _load(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), CaFile(file, origin))
    return file.resolve()


def _load(context: ssl.SSLContext, ca: CaFile) -> None:
    where = ca.describe()
    if ca.path.is_dir():  # requests and OpenSSL both accept a folder of hashed certificates
        try:
            context.load_verify_locations(capath=str(ca.path))
        except (OSError, ssl.SSLError) as exc:
            raise TrustSetupError(f"the CA folder {where} cannot be used: {_reason(exc)}") from exc
        return
    try:
        data = ca.path.read_bytes()
    except OSError as exc:
        raise TrustSetupError(f"the CA file {where} cannot be read: {_reason(exc)}") from exc
    if _PEM_BEGIN not in data:
        raise TrustSetupError(f"the CA file {where} holds no PEM certificate")
    try:
        context.load_verify_locations(cafile=str(ca.path))
    except (OSError, ssl.SSLError) as exc:
        raise TrustSetupError(
            f"the CA file {where} holds a certificate that cannot be read: {_reason(exc)}"
        ) from exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(getattr(exc, "reason", None) or exc)
