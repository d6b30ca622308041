"""Errors an operator can understand, each with the exit status the CLI contract gives it.

"The world failed" (a declined card, a revoked key, no network) is a `KnownError`: one plain
sentence, no traceback. Anything else is a bug and is logged with its traceback.
"""

from __future__ import annotations


class KnownError(Exception):
    """A failure outside our code, told to the operator in one sentence."""

    exit_status = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(KnownError):
    """Bad input from the operator: a malformed id, key or option."""

    exit_status = 2


class NotFoundError(KnownError):
    """The customer or card does not exist (in the cache or on Stripe)."""

    exit_status = 3


class StripeUnreachableError(KnownError):
    """No answer from Stripe: no network, a wrong API base, or Stripe itself failing."""

    exit_status = 4


class KeyProblemError(KnownError):
    """The secret key is missing, malformed, rejected or lacks permission."""

    exit_status = 5


class StripeRefusedError(KnownError):
    """Stripe answered and said no: a declined card, an invalid request."""

    exit_status = 6


class DeclinedError(StripeRefusedError):
    """The card was declined (Stripe's `card_error`): a payment was attempted, and failed."""


class CacheError(KnownError):
    """The local cache cannot be opened or written (locked, read-only, corrupt)."""

    exit_status = 1


class ChangeNotRecordedError(CacheError):
    """Stripe made the change, but the cache (and its audit log) could not record it."""


class UnreadableAnswerError(ChangeNotRecordedError):
    """Stripe made the change, but its answer was not in Stripe's shape: the intent stays
    open for the next sync to settle from Stripe's events and objects."""


class AuditDisagreement(KnownError):
    """The audit log is not what was written: its chain breaks, its protection is not the
    project's own, or Stripe's events disagree with it."""

    exit_status = 8
