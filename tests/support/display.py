"""A virtual X display of its own for each pytest-xdist worker: windows of two workers on
one display would take each other's focus (the keyboard tests type into the active window)."""

from __future__ import annotations

import os
import shutil
import signal


def own_display() -> int | None:
    """Under an xdist worker with Xvfb installed, start an Xvfb and point DISPLAY at it;
    return its process id, or None when there is nothing to do.

    Xvfb runs with -terminate: it ends by itself once its last client (this worker's Qt) has
    gone, so it never has to be killed under Qt (which would report a broken display). It is
    spawned without a Popen object, which would warn about a child still running at exit."""
    if not os.environ.get("PYTEST_XDIST_WORKER") or shutil.which("Xvfb") is None:
        return None
    read, write = os.pipe()
    os.set_inheritable(write, True)
    quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]
    argv = ["Xvfb", "-displayfd", str(write), "-terminate", "-nolisten", "tcp"]
    pid = os.posix_spawnp(
        "Xvfb", [*argv, "-screen", "0", "1600x1000x24"], os.environ, file_actions=quiet
    )
    os.close(write)
    with os.fdopen(read) as answer:
        number = answer.readline().strip()
    if not number:
        end_display(pid)
        raise RuntimeError("Xvfb did not start for this test worker")
    os.environ["DISPLAY"] = f":{number}"
    os.environ.pop("WAYLAND_DISPLAY", None)
    return pid


def end_display(pid: int) -> None:
    """End an Xvfb that no client uses (one with a client ends when the client goes)."""
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)
