"""Debian's Chromium as the tests, the diagrams and the benchmark drive it, and a loopback server for a built site.

Playwright's own browser download does not work on the machines this project is built on, so everything that
needs a browser launches /usr/bin/chromium (installed by `make browser` and by .ci/run) with these flags.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class LoopbackServer(http.server.ThreadingHTTPServer):
    """A static server for a built site. The default listen backlog of 5 refuses some of a browser's parallel
    connections on a busy machine, and a script that fails to load makes a page fail for the wrong reason."""

    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request, client_address):  # a browser closing a connection early is not news
        pass


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, without a log line per request."""

    def log_message(self, *args):
        pass


def serve(folder: Path, handler: type[http.server.SimpleHTTPRequestHandler] = QuietHandler) -> tuple[LoopbackServer, str]:
    """Serve a folder on a free loopback port from a background thread; returns the server and its URL.
    Stop it with server.shutdown() and server.server_close()."""
    server = LoopbackServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
