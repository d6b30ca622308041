"""The desktop bundle's seams, from a checkout: where `resources/` is found, how the app starts
its own emulator (as `python -m` here, as the bundle's executable with a hidden argument in
the bundle), and that a wheel or sdist is refused with a sentence pointing at `make dist`.

The bundle itself is built and run by `scripts/check-bundle` (`make dist-check`, in CI).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__, bundle
from app.demo.emulator import start_emulator

ROOT = Path(__file__).resolve().parents[2]
#: Every file under resources/ that the app reads at run time.
READ_AT_RUN_TIME = [
    ("style.qss",),
    ("billing-admin.svg",),
    ("brands", "visa.svg"),
    ("brands", "card.svg"),
    ("add_card", "add_card.html"),
    ("add_card", "add_card.css"),
    ("add_card", "add_card.js"),
    ("emulator", "stripe-js-fixes.js"),
]


def test_a_checkout_finds_its_resources_beside_the_packages() -> None:
    assert not bundle.frozen()
    assert bundle.resource_dir() == ROOT / "resources"
    for parts in READ_AT_RUN_TIME:
        assert bundle.resource(*parts).is_file(), parts


def test_the_bundle_finds_resources_in_its_internal_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "_internal"), raising=False)
    assert bundle.frozen()
    assert bundle.resource("add_card", "add_card.js") == (
        tmp_path / "_internal" / "resources" / "add_card" / "add_card.js"
    )


def test_module_commands_run_python_from_a_checkout_and_the_executable_in_the_bundle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert bundle.module_command("app.demo.emulator_server", "--with-portal") == [
        sys.executable,
        "-m",
        "app.demo.emulator_server",
        "--with-portal",
    ]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert bundle.module_command("ui.add_card.self_check") == [
        sys.executable,
        "--bundle-module",
        "ui.add_card.self_check",
    ]
    with pytest.raises(ValueError, match="not one of the modules"):
        bundle.module_command("os")


@pytest.mark.emulator
def test_the_demo_emulator_starts_through_the_bundles_hidden_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the bundle sys.executable is billing-admin itself: a stand-in executable that runs
    the bundle's entry point (`app.bundle.main`) receives `--bundle-module
    app.demo.emulator_server`, and the emulator must come up from it."""
    stand_in = tmp_path / "billing-admin"
    stand_in.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m app.bundle "$@"\n')
    stand_in.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(stand_in))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    emulator = start_emulator()
    try:
        assert emulator.process.args[:3] == [  # type: ignore[index]
            str(stand_in),
            "--bundle-module",
            "app.demo.emulator_server",
        ]
        import stripe

        client = stripe.StripeClient(emulator.key, base_addresses={"api": emulator.api_base})
        assert client.v1.customers.list().data == []
    finally:
        emulator.stop()


def test_the_bundles_entry_point_is_the_command_line_unless_asked_for_a_module(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bundle.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"billing-admin {__version__}"
    assert bundle.main(["--bundle-module", "os"]) == 2
    assert "--bundle-module takes one of app.demo.emulator_server, ui.add_card.self_check" in (
        capsys.readouterr().err
    )


def test_pip_wheel_is_refused_with_a_sentence_pointing_at_make_dist(tmp_path: Path) -> None:
    """No wheel on purpose: `app` and `ui` would collide in site-packages (README)."""
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"),
            *("--no-index", "--quiet", "-w", str(tmp_path), str(ROOT)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    output = " ".join((result.stdout + result.stderr).split())
    assert "billing-admin is not published as a wheel or sdist" in output
    assert "build the desktop bundle with 'make dist'" in output
    assert list(tmp_path.iterdir()) == []


def test_the_build_backend_keeps_setuptools_editable_install_and_refuses_the_rest() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import no_wheel_backend as backend  # type: ignore[import-not-found]
        from setuptools import build_meta
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    assert backend.build_editable is build_meta.build_editable
    for hook in (backend.build_wheel, backend.build_sdist, backend.get_requires_for_build_wheel):
        with pytest.raises(SystemExit, match="make dist"):
            hook("unused")
