"""Running `billing-admin doctor --json` in a test and reading its checks by name."""

from __future__ import annotations

import json
from typing import Any


def run_doctor(cli: Any, *args: str) -> tuple[int, dict[str, dict[str, str]], str]:
    """Exit status, each check by name, and everything printed (to look for the key in)."""
    ran = cli(*args, "doctor", "--json")
    report = json.loads(ran.out)
    assert report["success"] is (ran.code == 0)
    assert all(set(c) == {"name", "status", "detail", "fix"} for c in report["checks"])
    return ran.code, {c["name"]: c for c in report["checks"]}, ran.out + ran.err
