"""The checks that ask Stripe: reachable, the clock, the key accepted, a restricted key's
permissions, the billing portal. Every request goes through the gateway (its deadline, its
rate limit, and its rule that a live key goes to Stripe's own API only) and changes nothing.

Without an answer from Stripe the later checks are listed as not checked (a warning each),
so that the report always has the same lines and the one failure says what to do.
"""

from __future__ import annotations

import logging
from typing import Any

from app.context import Context
from app.doctor import Check, Status
from app.doctor.local import KEY_FIX
from app.doctor.permissions import NO_CUSTOMER, PERMISSIONS, Permission, to_grant
from app.errors import KnownError
from app.gateway import Gateway, trust
from app.gateway.probe import Answer, send
from app.gateway.transport import ConnectionProblem
from app.settings import Settings
from app.settings.credentials import Mode, SecretKey

log = logging.getLogger(__name__)
OK, WARNING, FAILED = Status.OK, Status.WARNING, Status.FAILED
NAMES = ("stripe", "clock", "key accepted", "permissions", "billing portal")
#: How far this computer's clock may be from Stripe's (the Date header counts whole seconds).
CLOCK_SLACK = 60.0
#: What Stripe says when a portal session is asked for and no portal was ever configured.
NO_DEFAULT_PORTAL = ("default configuration has not been created", "No configuration provided")


def checks(ctx: Context, key: SecretKey | None, settings: Settings | None) -> list[Check]:
    if settings is None:
        return _not_checked(NAMES, "the profile's settings cannot be read")
    if key is None:
        return _not_checked(NAMES, "there is no secret key to ask Stripe with")
    try:
        # Short deadlines and no network retries: a doctor should answer within seconds (and
        # a window closing waits for it).
        gateway = Gateway(key, settings, max_network_retries=0, timeout=10.0, deadline=10.0)
        first = send(gateway, "get", "/v1/customers", {"limit": 1}, "list customers")
    except KnownError as exc:
        fix = (
            "Check the network connection, any proxy (HTTPS_PROXY) or firewall, and the "
            "api_base setting ('billing-admin config unset api_base' for Stripe's own)."
        )
        cause = exc.__cause__
        if isinstance(cause, ConnectionProblem):  # trust, TLS or a proxy: say which setting
            fix = (
                f"{cause.fix[0].upper()}{cause.fix[1:]}; certificates are checked against "
                f"{_trust(settings)}."
            )
        return [
            Check("stripe", FAILED, str(exc), fix),
            *_not_checked(NAMES[1:], "Stripe could not be reached"),
        ]
    if not first.from_stripe:
        detail = f"{settings.api_base} answered HTTP {first.status}, which is not Stripe's answer."
        fix = "Check the api_base setting ('billing-admin config unset api_base') and any proxy."
        return [
            Check("stripe", FAILED, detail, fix),
            *_not_checked(NAMES[1:], "Stripe could not be reached"),
        ]
    reached = Check(
        "stripe",
        OK,
        f"Stripe answers at {settings.api_base}"
        + (f"; certificates checked against {_trust(settings)}." if _tls(settings) else "."),
    )
    accepted = _accepted(first, key)
    if accepted.status is FAILED:
        rest = _not_checked(NAMES[3:], "Stripe did not accept the key")
        return [reached, _clock(first), accepted, *rest]
    return [
        reached,
        _clock(first),
        accepted,
        _permissions(gateway, key, first),
        _portal_or_why_not(gateway, settings, key, ctx.profile.name),
    ]


def _tls(settings: Settings) -> bool:
    return settings.api_base.startswith("https:")


def _trust(settings: Settings) -> str:
    """The CA sources in force, as words."""
    return " and ".join(trust.sources(settings.ca_file).describe())


def _not_checked(names: tuple[str, ...], why: str) -> list[Check]:
    return [Check(name, WARNING, f"Not checked: {why}.", "") for name in names]


def _clock(answer: Answer) -> Check:
    if answer.server_time is None:
        return Check("clock", WARNING, "Stripe's answer carried no Date header to compare.", "")
    skew = answer.local_time - answer.server_time
    if abs(skew) <= CLOCK_SLACK + 1:  # the header's second is truncated
        return Check("clock", OK, f"Within {abs(skew):.0f} s of Stripe's clock.")
    way = "ahead of" if skew > 0 else "behind"
    return Check(
        "clock",
        FAILED,
        f"This computer's clock is {_duration(abs(skew))} {way} Stripe's: expiry dates and "
        "sync times would be judged wrongly.",
        "Turn on automatic time (NTP), for example 'timedatectl set-ntp true'.",
    )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} seconds"
    if seconds < 7200:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"


def _accepted(answer: Answer, key: SecretKey) -> Check:
    mode = f"{key.mode.value} mode"
    if answer.status == 401:
        return Check(
            "key accepted",
            FAILED,
            f"Stripe rejected the key {key.masked} (revoked, rolled or mistyped)"
            f"{answer.reference}.",
            KEY_FIX,
        )
    if answer.status == 403 and not key.restricted:
        return Check(
            "key accepted",
            FAILED,
            f"Stripe refused the key: {answer.message or 'HTTP 403'}{answer.reference}",
            "Check the key's IP restrictions in Stripe's Dashboard (Developers → API keys).",
        )
    if answer.status < 300 or answer.status == 403:  # a restricted key: permissions below
        return Check("key accepted", OK, f"Stripe accepts the key ({mode}).")
    return Check(
        "key accepted",
        WARNING,
        f"Could not tell: Stripe answered HTTP {answer.status} ({answer.message or 'no reason'})"
        f"{answer.reference}.",
        "Run 'billing-admin doctor' again in a minute.",
    )


def _permissions(gateway: Gateway, key: SecretKey, first: Answer) -> Check:
    if not key.restricted:
        return Check("permissions", OK, "A secret key may do everything billing-admin does.")
    missing: list[Permission] = []
    unclear: list[str] = []
    for permission in PERMISSIONS:
        try:
            answer = first if permission.path == "/v1/customers" else _probe(gateway, permission)
        except KnownError as exc:  # the network went away: the rest would wait as long
            unclear.append(f"{permission.label} and the rest ({exc})")
            break
        if answer.status == 403:
            log.info(
                "restricted key lacks %s: %s%s", permission.name, answer.message, answer.reference
            )
            missing.append(permission)
        elif not answer.from_stripe or answer.status in (401, 429) or answer.status >= 500:
            unclear.append(f"{permission.label} (HTTP {answer.status}{answer.reference})")
    if missing:
        grant = to_grant(missing)
        rows = ", ".join(f"{p.label} ({p.name})" for p in grant)
        steps = ", ".join(f"{p.resource} → {p.level}" for p in grant)
        return Check(
            "permissions",
            FAILED,
            f"The restricted key lacks {rows}.",
            f"In Stripe's Dashboard (Developers → API keys), edit this restricted key: {steps}; "
            "then run 'billing-admin doctor' again.",
        )
    if unclear:
        return Check(
            "permissions",
            WARNING,
            f"Could not tell for {', '.join(unclear)}.",
            "Run 'billing-admin doctor' again in a minute.",
        )
    rows = ", ".join(dict.fromkeys(p.label.split(":")[0] for p in PERMISSIONS))
    return Check("permissions", OK, f"The restricted key has every permission needed ({rows}).")


def _probe(gateway: Gateway, permission: Permission) -> Answer:
    what = f"check the permission {permission.label}"
    return send(gateway, permission.method, permission.path, dict(permission.params), what)


def _portal_or_why_not(gateway: Gateway, settings: Settings, key: SecretKey, profile: str) -> Check:
    try:
        return _portal(gateway, settings, key, profile)
    except KnownError as exc:  # the network went away since the first request
        return Check("billing portal", WARNING, f"Could not tell: {exc}", "")


def _portal(gateway: Gateway, settings: Settings, key: SecretKey, profile: str) -> Check:
    """A portal configuration Stripe can make sessions with: the profile's own
    (`portal_configuration`) or the account's default, saved once in the Dashboard."""
    where = "test/" if key.mode is Mode.TEST else ""
    dashboard = f"https://dashboard.stripe.com/{where}settings/billing/portal"

    def missing(why: str, *, certain: bool = True) -> Check:
        return _no_portal(settings, profile, why, dashboard, certain=certain)

    chosen = settings.portal_configuration
    if chosen:
        answer = _get(gateway, f"/v1/billing_portal/configurations/{chosen}", {})
        if answer.status == 200 and (answer.body or {}).get("active"):
            return Check("billing portal", OK, f"The configuration {chosen} is active.")
        if answer.status == 200:
            return missing(f"the configuration {chosen} is not active")
        if answer.from_stripe and answer.status == 404:
            return missing(f"Stripe has no configuration {chosen}")
        return _unclear(answer)
    answer = _get(gateway, "/v1/billing_portal/configurations", {"is_default": "true", "limit": 1})
    found = (answer.body or {}).get("data") if answer.status == 200 else None
    if isinstance(found, list) and found and found[0].get("active"):
        return Check("billing portal", OK, f"The default configuration {found[0]['id']} is active.")
    if isinstance(found, list):
        return missing(
            "the default configuration is not active"
            if found
            else ("no default configuration was ever saved")
        )
    # The configurations could not be read: what is said of a session tells.
    session = _session(gateway, settings)
    if any(sign in session.message for sign in NO_DEFAULT_PORTAL):
        return missing(f"Stripe says: {session.message}")
    if answer.from_stripe or answer.status != 404:
        return _unclear(answer)
    if not session.from_stripe:  # neither route: an emulator without a portal
        return missing(f"{settings.api_base} offers no billing portal", certain=False)
    # The demo's stand-in portal: sessions, and no configurations to read.
    return Check("billing portal", OK, f"{settings.api_base} makes portal sessions.")


def _unclear(answer: Answer) -> Check:
    return Check(
        "billing portal",
        WARNING,
        f"Could not tell: Stripe answered HTTP {answer.status} ({answer.message or 'no reason'})"
        f"{answer.reference}.",
        "Run 'billing-admin doctor' again in a minute.",
    )


def _get(gateway: Gateway, path: str, params: dict[str, Any]) -> Answer:
    return send(gateway, "get", path, params, "read the billing portal's configuration")


def _session(gateway: Gateway, settings: Settings) -> Answer:
    params = {"customer": NO_CUSTOMER, "return_url": settings.portal_return_url}
    return send(gateway, "post", "/v1/billing_portal/sessions", params, "try a portal session")


def _no_portal(
    settings: Settings, profile: str, why: str, dashboard: str, *, certain: bool = True
) -> Check:
    save = f"Save the customer portal settings in Stripe's Dashboard ({dashboard})"
    if settings.portal_login_link:
        return Check(
            "billing portal",
            WARNING if certain else OK,
            f"No portal sessions: {why}; the portal_login_link is offered instead.",
            f"{save} to open the portal on one customer." if certain else "",
        )
    return Check(
        "billing portal",
        FAILED if certain else WARNING,
        f"No portal sessions: {why}, so 'Open billing portal' cannot work.",
        f"{save}, or set the portal's login link: billing-admin --profile {profile} config set "
        "portal_login_link https://billing.stripe.com/p/login/...",
    )
