"""Look through every file the app wrote for secrets and card numbers."""

from __future__ import annotations

import re
from pathlib import Path

_DIGITS = re.compile(rb"(?<!\d)\d{13,19}(?!\d)")
#: A SHA-256 in hex (the audit chain's): about one in ten holds a 13-digit run, and a tenth of
#: those pass the Luhn check, so they are not searched for card numbers.
_DIGESTS = re.compile(rb"[0-9a-f]{64,}")


def luhn_ok(number: bytes) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ch - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def findings(folder: Path, secrets: list[str]) -> list[str]:
    """What should never be on disk, file by file: the secrets given, client secrets, and any
    13-19 digit run that passes the Luhn check (a card number would)."""
    found = []
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files, f"nothing was written under {folder}"
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            if secret.encode() in data:
                found.append(f"{path}: the secret {secret[:8]}…")
        if re.search(rb"_secret_[A-Za-z0-9]{8,}", data):
            found.append(f"{path}: a client secret")
        for match in _DIGITS.finditer(_DIGESTS.sub(b"-", data)):
            if luhn_ok(match.group()):
                found.append(f"{path}: card-like number {match.group()[:4].decode()}…")
    return found
