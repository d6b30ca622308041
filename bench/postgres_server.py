"""A PostgreSQL server for `make bench-large`, its data kept in the bench's cache folder so that
the big shared cache is built once and reused.

`BILLING_ADMIN_BENCH_POSTGRES` (a server URL, as `postgresql://user:password@host:port/postgres`)
points the bench at a server of yours instead; then nothing is started here. Otherwise the
server is PostgreSQL's own `initdb`/`pg_ctl` from /usr/lib/postgresql (the package
`make setup` installs), run as the `postgres` user when we are root (initdb refuses root),
listening on a free loopback port only, with its default settings.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

USER = "bench"
PASSWORD = "billing-bench"  # a loopback-only throwaway server's password, not a secret


def _bin() -> Path | None:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()],
    )
    return found[-1] if found and (found[-1] / "initdb").exists() else None


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(folder: Path) -> Iterator[str | None]:
    """The URL of a PostgreSQL server's `postgres` database, or None when none can be had
    (no PostgreSQL installed): the bench then measures SQLite alone and says so."""
    given = os.environ.get("BILLING_ADMIN_BENCH_POSTGRES")
    if given:
        yield given
        return
    pg_bin = _bin()
    if pg_bin is None:
        yield None
        return
    data = folder / "data"
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    if not (data / "PG_VERSION").exists():
        password_file = folder / "pw"
        password_file.write_text(PASSWORD + "\n")
        if os.geteuid() == 0:
            shutil.chown(password_file, "postgres")
        subprocess.run(
            _as_server_user(
                [
                    str(pg_bin / "initdb"),
                    "-D",
                    str(data),
                    "-A",
                    "scram-sha-256",
                    f"--pwfile={password_file}",
                    "-U",
                    USER,
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        password_file.unlink()
    port = _free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={folder}"
    ctl = str(pg_bin / "pg_ctl")
    subprocess.run(
        _as_server_user(
            [ctl, "-D", str(data), "-w", "-l", str(folder / "server.log"), "-o", options, "start"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([ctl, "-D", str(data), "-m", "fast", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
        )


def database(server_url: str, name: str, *, fresh: bool) -> str:
    """The URL of database `name` on the server, made if missing (dropped first if `fresh`)."""
    with psycopg.connect(server_url, autocommit=True) as admin:
        if fresh:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def exists(server_url: str, name: str) -> bool:
    with psycopg.connect(server_url, autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return found is not None


def database_mb(server_url: str, name: str) -> float:
    with psycopg.connect(server_url, autocommit=True) as admin:
        row = admin.execute("SELECT pg_database_size(%s)", (name,)).fetchone()
    return round(int(row[0]) / 1024 / 1024, 1) if row else 0.0
