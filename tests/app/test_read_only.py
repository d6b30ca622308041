"""A data folder on a read-only file system (a locked-down image, a full disk remounted
read-only): the cache is read as it is, changes are refused in one sentence, no traceback.
The folder is made read-only with a bind mount, which needs root's mount permission: where
the test cannot mount, it is skipped and says so."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.account import Account

pytestmark = [pytest.mark.emulator, pytest.mark.sqlite_only, pytest.mark.posix_only]
VISA = ("4242424242424242", 12, 2030)


@pytest.fixture
def read_only(home: Path) -> Iterator[Any]:
    """Call it to remount `home` read-only; it is mounted back and released after the test."""
    mounted: list[Path] = []

    def remount() -> None:
        for args in (["--bind", str(home), str(home)], ["-o", "remount,ro,bind", str(home)]):
            done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
            if done.returncode != 0:
                if mounted:
                    subprocess.run(["umount", str(home)], check=False)
                pytest.skip(f"cannot make a read-only mount here: {done.stderr.strip()}")
            mounted.append(home)

    yield remount
    if mounted:
        subprocess.run(["umount", str(home)], check=True)


def test_a_read_only_data_folder_reads_and_refuses_changes(
    account: Account, cli: Any, read_only: Any
) -> None:
    ada, (visa,) = account.customer("Ada Lovelace", cards=[VISA])
    assert cli("sync").code == 0
    read_only()

    listed = cli("customers", "--json")
    assert listed.code == 0
    assert [c["id"] for c in json.loads(listed.out)["customers"]] == [ada]
    assert "read-only file system: it can be read, not changed" in listed.err
    assert cli("cards", ada).code == 0 and cli("audit").code == 0

    for change in (["set-default", ada, visa, "--yes"], ["sync"]):
        ran = cli(*change)
        assert ran.code == 1, change
        assert "read-only file system" in ran.err and "nothing was changed" in ran.err
        assert "a bug" not in ran.err
    ran = cli("config", "set", "history_months", "3")
    assert ran.code == 2 and "cannot be written (Read-only file system)" in ran.err
