"""The bundle's install.sh (scripts/bundle-install.sh) and the desktop entry script it shares
with `make install-desktop` (scripts/install-desktop), run on a stand-in bundle folder laid
out as `make dist` lays it: the real bundle is installed by `scripts/check-bundle`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="the Linux bundle's shell scripts and desktop entry"
)
ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str | Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run(
        [str(a) for a in args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _stand_in_tarball_folder(tmp_path: Path) -> Path:
    """billing-admin-VERSION-linux-x86_64/ as unpacked: install.sh, install-desktop and the
    PyInstaller folder (its executable here a script that answers --version)."""
    folder = tmp_path / "unpacked" / "billing-admin-9.9-linux-x86_64"
    internal = folder / "billing-admin" / "_internal"
    shutil.copytree(ROOT / "resources", internal / "resources")
    program = folder / "billing-admin" / "billing-admin"
    program.write_text('#!/bin/sh\necho "billing-admin 9.9"\n')
    program.chmod(0o755)
    shutil.copy(ROOT / "scripts" / "bundle-install.sh", folder / "install.sh")
    shutil.copy(ROOT / "scripts" / "install-desktop", folder / "install-desktop")
    return folder


def test_install_sh_installs_for_the_user_and_uninstall_removes_it_all(tmp_path: Path) -> None:
    folder = _stand_in_tarball_folder(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    dest = home / ".local/opt/billing-admin"
    entry = home / ".local/share/applications/billing-admin.desktop"
    icon = home / ".local/share/icons/hicolor/scalable/apps/billing-admin.svg"

    done = _run(folder / "install.sh", "--user", home=home)
    assert done.returncode == 0, done.stderr
    assert f"Installed billing-admin 9.9 in {dest}." in done.stdout
    assert os.readlink(home / ".local/bin/billing-admin") == str(dest / "billing-admin")
    assert f"Exec={dest / 'billing-admin'}" in entry.read_text().splitlines()
    assert icon.read_bytes() == (ROOT / "resources" / "billing-admin.svg").read_bytes()
    assert (dest / "_internal" / "resources" / "style.qss").is_file()
    # Installing again (an update) replaces the folder and leaves no half-copied one behind.
    assert _run(folder / "install.sh", "--user", home=home).returncode == 0
    assert sorted(p.name for p in dest.parent.iterdir()) == ["billing-admin"]

    gone = _run(dest / "install.sh", "--user", "--uninstall", home=home)
    assert gone.returncode == 0, gone.stderr
    for path in (dest, home / ".local/bin/billing-admin", entry, icon):
        assert not path.exists() and not path.is_symlink(), path


def test_install_sh_refuses_what_it_does_not_know(tmp_path: Path) -> None:
    folder = _stand_in_tarball_folder(tmp_path)
    done = _run(folder / "install.sh", "--user", "--prefix=/x", home=tmp_path)
    assert done.returncode == 2
    assert "error: unknown argument '--prefix=/x'" in done.stderr


def test_install_desktop_from_a_checkout_points_the_entry_at_the_program_given(
    tmp_path: Path,
) -> None:
    data = tmp_path / "share"
    program = tmp_path / "my apps" / "billing-admin"
    done = _run(
        ROOT / "scripts" / "install-desktop", "--exec", program, "--data", data, home=tmp_path
    )
    assert done.returncode == 0, done.stderr
    lines = (data / "applications" / "billing-admin.desktop").read_text().splitlines()
    assert f'Exec="{program}"' in lines  # quoted: the path has a space
    assert "Icon=billing-admin" in lines
    assert (data / "icons/hicolor/scalable/apps/billing-admin.svg").is_file()
    script = ROOT / "scripts" / "install-desktop"
    removed = _run(script, "--uninstall", "--data", data, home=tmp_path)
    assert removed.returncode == 0
    assert not (data / "applications" / "billing-admin.desktop").exists()


def test_install_sh_takes_its_options_in_any_order(tmp_path: Path) -> None:
    # As root, `--uninstall --user` once removed the system-wide install (only a first
    # `--user` counted): it must remove this user's install, whoever runs it.
    folder = _stand_in_tarball_folder(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    dest = home / ".local/opt/billing-admin"
    assert _run(folder / "install.sh", "--user", home=home).returncode == 0
    gone = _run(dest / "install.sh", "--uninstall", "--user", home=home)
    assert gone.returncode == 0, gone.stderr
    assert not dest.exists()
    assert not (home / ".local/bin/billing-admin").is_symlink()


def test_the_menu_entry_s_tryexec_is_a_plain_path_glib_accepts(tmp_path: Path) -> None:
    folder = _stand_in_tarball_folder(tmp_path)
    home = tmp_path / "my home"
    home.mkdir()
    assert _run(folder / "install.sh", "--user", home=home).returncode == 0
    program = home / ".local/opt/billing-admin/billing-admin"
    lines = (home / ".local/share/applications/billing-admin.desktop").read_text().splitlines()
    assert f'Exec="{program}"' in lines  # a command line: quoted
    assert f"TryExec={program}" in lines  # a path, looked up as written: not quoted


def test_install_sh_leaves_a_command_it_did_not_make_alone(tmp_path: Path) -> None:
    folder = _stand_in_tarball_folder(tmp_path)
    home = tmp_path / "home"
    theirs = home / ".local/bin/billing-admin"
    theirs.parent.mkdir(parents=True)
    theirs.write_text("#!/bin/sh\necho someone else's\n")
    done = _run(folder / "install.sh", "--user", home=home)
    assert done.returncode == 0, done.stderr
    assert "Left " + str(theirs) + " alone" in done.stdout.replace("\n", " ")
    assert theirs.read_text() == "#!/bin/sh\necho someone else's\n"
    gone = _run(home / ".local/opt/billing-admin/install.sh", "--uninstall", "--user", home=home)
    assert gone.returncode == 0, gone.stderr
    assert theirs.is_file() and "alone" in gone.stdout


def test_uninstall_says_how_to_forget_the_secrets_and_forget_secrets_does(
    tmp_path: Path,
) -> None:
    folder = _stand_in_tarball_folder(tmp_path)
    calls = tmp_path / "calls.log"
    (folder / "billing-admin" / "billing-admin").write_text(
        f'#!/bin/sh\n[ "$1" = --version ] && echo "billing-admin 9.9" && exit 0\n'
        f'echo "$*" >> "{calls}"\n'
    )
    home = tmp_path / "home"
    for profile in ("default", "demo"):
        (home / ".local/share/billing-admin/profiles" / profile).mkdir(parents=True)
    dest = home / ".local/opt/billing-admin"
    # --user everywhere: the tests may run as root, whose default is the system-wide install.
    assert _run(folder / "install.sh", "--user", home=home).returncode == 0
    kept = _run(dest / "install.sh", "--uninstall", "--user", home=home)
    assert "billing-admin key delete" in kept.stdout
    assert "billing-admin database-password delete" in kept.stdout
    assert not calls.exists()

    assert _run(folder / "install.sh", "--user", home=home).returncode == 0
    forgot = _run(dest / "install.sh", "--forget-secrets", "--uninstall", "--user", home=home)
    assert forgot.returncode == 0, forgot.stderr
    assert calls.read_text().splitlines() == [
        "--profile default key delete",
        "--profile default database-password delete",
        "--profile demo key delete",
        "--profile demo database-password delete",
    ]
    assert not dest.exists()
    assert (home / ".local/share/billing-admin/profiles/demo").is_dir()  # data stays


def test_install_sh_checks_the_tarball_against_sha256sums_when_present(tmp_path: Path) -> None:
    folder = _stand_in_tarball_folder(tmp_path)
    tarball = folder.parent / f"{folder.name}.tar.gz"
    tarball.write_bytes(b"the tarball")
    sums = folder.parent / "SHA256SUMS"
    home = tmp_path / "home"
    home.mkdir()
    sums.write_text(f"{'0' * 64}  {tarball.name}\n")
    bad = _run(folder / "install.sh", "--user", home=home)
    assert bad.returncode == 1
    assert "does not match its SHA256SUMS" in bad.stderr
    assert not (home / ".local/opt/billing-admin").exists()

    digest = subprocess.run(
        ["sha256sum", tarball.name], cwd=tarball.parent, capture_output=True, text=True
    ).stdout
    sums.write_text(digest)
    good = _run(folder / "install.sh", "--user", home=home)
    assert good.returncode == 0, good.stderr
    assert f"Checked {tarball.name} against SHA256SUMS: ok." in good.stdout
