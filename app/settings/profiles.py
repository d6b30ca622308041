"""Which profiles exist: a profile is its settings, its cache, or both. `default` always
exists; another comes to exist when something is stored for it (a key, a setting, a cache).
"""

from __future__ import annotations

from app.settings import DEFAULT_PROFILE, places


def existing() -> list[str]:
    """The profiles of this user, `default` first, then by name."""
    names = {DEFAULT_PROFILE}
    for root in (places.config_home(), places.data_home()):
        folder = root / "profiles"
        if folder.is_dir():
            names |= {p.name for p in folder.iterdir() if p.is_dir()}
    return [DEFAULT_PROFILE, *sorted(names - {DEFAULT_PROFILE})]


def exists(name: str) -> bool:
    return name in existing()


def create(name: str) -> None:
    """Make `name` an existing profile (its settings folder), listed from now on."""
    (places.config_home() / "profiles" / name).mkdir(parents=True, exist_ok=True)
