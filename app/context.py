"""What a command or the window needs, made on first use: profile, settings, cache, key,
gateway. Reading the cache never needs the key or the network.

Each part's modules are imported when it is first made: a command that reads the cache
never imports the gateway (stripe, aiohttp), and `--version` not even the cache (peewee)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from app.errors import CacheError
from app.settings import Profile, Settings, credentials
from app.settings.credentials import SecretKey

if TYPE_CHECKING:
    from app.cache.db import OpenedCache
    from app.gateway import Gateway
    from app.operations import Operations
    from app.sync.engine import SyncEngine


@dataclass
class Context:
    profile: Profile
    #: Set by the demo: the emulator's key and API base, used instead of keyring and settings.
    key_override: SecretKey | None = None
    api_base_override: str | None = None
    #: The demo keeps its cache in its own SQLite file even where a shared one is configured.
    local_cache_only: bool = False
    #: Set by `billing-admin migrate`: a shared cache's tables may be updated.
    may_migrate: bool = False
    _settings: Settings | None = field(default=None, repr=False)
    _cache: OpenedCache | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            loaded = self.profile.load_settings()
            if self.api_base_override:
                loaded = replace(loaded, api_base=self.api_base_override)
            self._settings = loaded
        return self._settings

    def cache(self) -> OpenedCache:
        """The profile's cache: its SQLite file, or the team's PostgreSQL database."""
        if self._cache is None:
            from app.cache.db import open_cache, open_shared_cache

            url = None if self.local_cache_only else self.settings.database_url
            if url:
                self._cache = open_shared_cache(
                    url, credentials.database_password(url), may_migrate=self.may_migrate
                )
            else:
                self._cache = open_cache(self.profile.cache_file)
        return self._cache

    def recover_cache(self, error: Exception) -> str | None:
        """After a database error: the sentence saying a damaged SQLite cache was moved aside
        and rebuilt, or None (a shared cache, or a sound file: then the error is a bug)."""
        from app.cache.db import is_sqlite, recover

        if self._cache is not None and not is_sqlite(self._cache.db):
            return None
        if self._cache is None and not self.local_cache_only and self.settings.database_url:
            return None
        self._cache = None
        return recover(self.profile.cache_file, error)

    def key(self) -> SecretKey:
        return self.key_override or credentials.require_key(self.profile.name)

    def find_key(self) -> SecretKey | None:
        return self.key_override or credentials.find_key(self.profile.name)

    def gateway(self) -> Gateway:
        from app.gateway import Gateway

        return Gateway(self.key(), self.settings)

    def writable_cache(self) -> OpenedCache:
        """The cache, for a command that changes it (or Stripe, which the cache records)."""
        from app.cache.db import read_only_sentence

        opened = self.cache()
        if opened.read_only:
            raise CacheError(read_only_sentence(opened.location))
        return opened

    def sync_engine(self) -> SyncEngine:
        from app.sync.engine import SyncEngine

        opened = self.writable_cache()
        return SyncEngine(self.gateway(), opened.db, still_in_place=opened.still_in_place)

    def operations(self) -> Operations:
        from app.operations import Operations

        return Operations(self.gateway(), self.writable_cache().db, self.profile.name)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
