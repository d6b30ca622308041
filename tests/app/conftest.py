"""The core suite runs on both cache backends: every test here that uses the `backend` fixture
(through `home`, `account`, `ctx`, ...) runs on SQLite and on the test PostgreSQL server, except
the tests of SQLite's own behaviour (marked `sqlite_only`) and of the shared PostgreSQL cache
(marked `postgresql_only`). The window's tests (tests/ui) run on SQLite."""

from __future__ import annotations

import pytest

BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marked = metafunc.definition.get_closest_marker
    if "backend" not in metafunc.fixturenames:
        return
    if marked("postgresql_only"):
        metafunc.parametrize("backend", ["postgresql"], indirect=True)
    elif not marked("sqlite_only"):
        metafunc.parametrize("backend", BACKENDS, indirect=True)
