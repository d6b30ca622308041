"""`billing-admin doctor` and the window's Help → Check setup: is this profile ready for its
Stripe account? One `Check` a line, each ok, warning or failed, with what to do.

`local` checks what this machine holds (the keyring, the key, the settings, the cache);
`remote` asks Stripe (reachable, clock, key accepted, the restricted key's permissions, the
billing portal). The secret key never appears in a check: only its masked form.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from app.context import Context
from app.untrusted import for_terminal


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"
    FAILED = "failed"


@dataclass(frozen=True)
class Check:
    """One line of the report: `detail` says what was found, `fix` what to do ("" if ok)."""

    name: str
    status: Status
    detail: str
    fix: str = ""


def run_checks(ctx: Context) -> list[Check]:
    """Every check, in the order an operator reads them. Sends a dozen harmless requests to
    Stripe at most; writes nothing, locally or on Stripe."""
    from app.doctor import local, remote

    settings_check, settings = local.settings_check(ctx)
    key_check, key = local.key_check(ctx)
    return [
        local.keyring_check(ctx),
        key_check,
        settings_check,
        local.publishable_check(ctx, settings, key),
        local.cache_check(ctx, settings),
        local.skipped_check(ctx, settings),
        *remote.checks(ctx, key, settings),
    ]


def succeeded(checks: list[Check]) -> bool:
    return all(check.status is not Status.FAILED for check in checks)


def as_json(checks: list[Check]) -> dict[str, Any]:
    return {"success": succeeded(checks), "checks": [asdict(check) for check in checks]}


def as_text(checks: list[Check], profile: str) -> str:
    """The report for a terminal or the clipboard: status, name and detail aligned on one
    line, the fix indented below it; every stranger's word made safe."""
    width = max((len(check.name) for check in checks), default=0)
    lines = [f"billing-admin doctor, profile {profile!r}:"]
    for check in checks:
        status = check.status.value.upper() if check.status is Status.FAILED else check.status
        lines.append(f"  {status:<7}  {check.name:<{width}}  {for_terminal(check.detail)}")
        if check.fix:
            lines.append(f"  {'':<7}  {'':<{width}}  fix: {for_terminal(check.fix)}")
    counted = summary(checks)
    lines.append(counted if counted.endswith(".") else f"{counted}: see the fixes above.")
    return "\n".join(lines)


def summary(checks: list[Check]) -> str:
    """'Everything is ready.' or how many failed and warned ("1 failed and 2 warnings")."""
    failed = sum(check.status is Status.FAILED for check in checks)
    warned = sum(check.status is Status.WARNING for check in checks)
    if not failed and not warned:
        return "Everything is ready."
    parts = [f"{failed} failed"] if failed else []
    if warned:
        parts.append(f"{warned} warning{'s' if warned != 1 else ''}")
    return " and ".join(parts)
