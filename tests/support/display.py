"""A virtual X display of its own for each pytest-xdist worker: windows of two workers on
one display would take each other's focus (the keyboard tests type into the active window)."""

from __future__ import annotations

import os
import shutil
import subprocess


def own_display() -> subprocess.Popen[bytes] | None:
    """Under an xdist worker with Xvfb installed, start an Xvfb and point DISPLAY at it;
    return it (to be terminated at the end), or None when there is nothing to do."""
    if not os.environ.get("PYTEST_XDIST_WORKER") or shutil.which("Xvfb") is None:
        return None
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as answer:
        number = answer.readline().strip()
    if not number:
        server.kill()
        server.wait()
        raise RuntimeError("Xvfb did not start for this test worker")
    os.environ["DISPLAY"] = f":{number}"
    os.environ.pop("WAYLAND_DISPLAY", None)
    return server
