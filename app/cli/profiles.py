"""A command on a profile that does not exist: read commands say so and name the existing
ones (a typo'd `--profile` must not look like an empty account); the commands that store
something for a profile make it."""

from __future__ import annotations

import argparse

from app.context import Context
from app.errors import KnownError, NotFoundError
from app.settings import profiles

#: Commands (and their actions) that create the profile they are given.
CREATING = {
    ("key", "set"),
    ("config", "set"),
    ("config", "unset"),
    ("demo", None),
}
#: Commands that work on any profile name: the window (its welcome screen makes the profile
#: when a key is entered), the keyring's entries (which may outlive a profile's folders).
ANY = {"window", "key", "database-password"}


def check_exists(ctx: Context, command: str, args: argparse.Namespace) -> None:
    """Raise NotFoundError (exit 3) when `command` needs an existing profile and this is not
    one; a sync creates one when it has a key to sync with (a scheduled job's case)."""
    name = ctx.profile.name
    action = getattr(args, "action", None)
    creating = (command, action) in CREATING or (command, None) in CREATING
    if creating or (command == "sync" and _has_key(ctx)):
        profiles.create(name)
    if creating or command in ANY or profiles.exists(name):
        return
    names = ", ".join(profiles.existing())
    raise NotFoundError(
        f"There is no profile {name!r} (profiles: {names}): check --profile, or create it "
        f"with 'billing-admin --profile {name} key set'."
    )


def _has_key(ctx: Context) -> bool:
    try:
        return ctx.find_key() is not None
    except KnownError:  # no keyring at all: no key from it either
        return False
