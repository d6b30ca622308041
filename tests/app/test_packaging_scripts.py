"""The Debian package's helper scripts, on small stand-ins: the glibc floor
(scripts/check-glibc-floor) and the package's site files. The real bundle and .deb are
checked by `make dist-check` (scripts/check-deb)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _floor(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / "check-glibc-floor"), str(folder), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_glibc_floor_names_a_file_that_needs_a_newer_glibc(tmp_path: Path) -> None:
    # /bin/ls imports versioned glibc symbols (GLIBC_2.2.5 and later).
    shutil.copy("/bin/ls", tmp_path / "ls")
    (tmp_path / "notes.txt").write_text("not an ELF file")
    passed = _floor(tmp_path, "--glibc", "99.0")
    assert passed.returncode == 0, passed.stderr
    assert "1 ELF files, none needs glibc newer than 99.0" in passed.stdout
    failed = _floor(tmp_path, "--glibc", "2.0")
    assert failed.returncode == 1
    assert "FAILED: ls needs GLIBC_2." in failed.stderr
    assert "(newer than 2.0)" in failed.stderr


def test_the_site_defaults_are_json_and_a_conffile() -> None:
    deb = ROOT / "packaging" / "deb"
    assert json.loads((deb / "settings.json").read_text()) == {}
    assert (deb / "conffiles").read_text().split() == ["/etc/xdg/billing-admin/settings.json"]
    for script in ("postinst", "prerm", "postrm"):
        done = subprocess.run(["sh", "-n", str(deb / script)], check=False)
        assert done.returncode == 0, script
    assert "billing-admin key delete" in (deb / "prerm").read_text()
