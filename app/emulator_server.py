"""Run localstripe on a free loopback port, keeping its state in memory only.

Started as a child process by `app.emulator`. localstripe would pickle its whole store
(card numbers included) to /tmp after every write; here nothing it holds touches a disk.
Prints `LISTENING <port>` on stdout once it accepts connections.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys


def main() -> None:
    parser = argparse.ArgumentParser(prog="billing-admin-emulator")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    from localstripe import resources, server

    resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    resources.Store.try_load_from_disk = lambda self: None  # type: ignore[method-assign]
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    port = sock.getsockname()[1]

    async def announce(_app: object) -> None:
        print(f"LISTENING {port}", flush=True)

    server.app.on_startup.append(announce)
    asyncio.set_event_loop(asyncio.new_event_loop())
    server.web.run_app(server.app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main()
