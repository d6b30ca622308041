"""What a command or the window needs, made on first use: profile, settings, cache, key,
gateway. Reading the cache never needs the key or the network."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from app import credentials
from app.cache.db import OpenedCache, open_cache
from app.credentials import SecretKey
from app.gateway import Gateway
from app.operations import Operations
from app.settings import Profile, Settings
from app.sync import SyncEngine


@dataclass
class Context:
    profile: Profile
    #: Set by the demo: the emulator's key and API base, used instead of keyring and settings.
    key_override: SecretKey | None = None
    api_base_override: str | None = None
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
        if self._cache is None:
            self._cache = open_cache(self.profile.cache_file)
        return self._cache

    def key(self) -> SecretKey:
        return self.key_override or credentials.require_key(self.profile.name)

    def find_key(self) -> SecretKey | None:
        return self.key_override or credentials.find_key(self.profile.name)

    def gateway(self) -> Gateway:
        return Gateway(self.key(), self.settings)

    def sync_engine(self) -> SyncEngine:
        return SyncEngine(self.gateway(), self.cache().db)

    def operations(self) -> Operations:
        return Operations(self.gateway(), self.cache().db, self.profile.name)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
