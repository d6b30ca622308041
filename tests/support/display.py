"""A virtual X display of its own for each pytest-xdist worker: windows of two workers on
one display would take each other's focus (the keyboard tests type into the active window)."""

from __future__ import annotations

import os
import shutil
import signal
import socket


def own_display() -> int | None:
    """Under an xdist worker with Xvfb installed, start an Xvfb and point DISPLAY at it;
    return its process id, or None when there is nothing to do.

    Xvfb runs with -terminate: it ends by itself once its last client has gone, so it never
    has to be killed under Qt (which would report a broken display). This worker holds a
    client connection of its own until it exits (`_hold`): otherwise a test's short-lived X
    client (a window in a subprocess, xdotool) that ran before this worker's Qt would end
    the display, and Qt would abort when it then tried to open it. It is spawned without a
    Popen object, which would warn about a child still running at exit."""
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
    _hold(int(number))
    return pid


_HELD: list[socket.socket] = []


def _hold(number: int) -> None:
    """Open a plain X11 connection (the 12-byte setup request, no authorisation: Xvfb on a
    local socket asks none) and keep it until the process ends."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(10)
    client.connect(f"/tmp/.X11-unix/X{number}")
    client.sendall(b"l\x00\x0b\x00\x00\x00\x00\x00\x00\x00\x00\x00")
    if client.recv(1) != b"\x01":  # 1: Success
        client.close()
        raise RuntimeError(f"Xvfb :{number} refused a connection")
    _HELD.append(client)


def end_display(pid: int) -> None:
    """End an Xvfb that no client uses (one with a client ends when the client goes)."""
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)
