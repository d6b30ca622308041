"""The bundle's self-check of the add-card page (`ui/add_card/self_check.py`), run from the checkout
the way `scripts/check-bundle` runs it inside the bundle: in its own process, offscreen, on
an emulator it starts itself, in a throwaway data folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

# The self-check starts its own emulator and a Qt window, in a child process.
pytestmark = [pytest.mark.ui, pytest.mark.emulator]

ROOT = Path(__file__).resolve().parents[2]


def test_the_self_check_sees_the_page_load_and_its_bridge_answer(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BILLING_ADMIN_HOME": str(tmp_path)}
    env.pop("STRIPE_API_KEY", None)
    done = subprocess.run(
        [sys.executable, "-m", "ui.add_card.self_check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.fullmatch(
        r"self-check ok: the add-card page loaded, its bridge reported seti_\w+, and the "
        r"emulator confirmed card •••• 4242\.\n",
        done.stdout,
    )
    # Its own data folder is thrown away: nothing lands in the one it was given.
    assert list(tmp_path.iterdir()) == []
