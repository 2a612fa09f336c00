"""``celesta.viz.display``: write a view and, with ``serve=True``, serve it on localhost.

``export_html(graph, path, serve=True)`` writes the page, then serves that one file from a
small HTTP server bound to 127.0.0.1 on a free port (or ``port``), in a daemon thread. The
server answers only the page's own URL, stops by itself after ``timeout`` seconds without a
request (default one hour), and is stopped by :func:`stop_servers`. :func:`served_urls` lists
the URLs being served.
"""

from __future__ import annotations

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from . import _views

__all__ = ["export_html", "stop_servers", "served_urls"]

_servers: list = []
_lock = threading.Lock()


class _PageServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, page: Path, port: int, timeout: float):
        self.page = page
        self.route = "/" + quote(page.name)
        self.idle_limit = timeout
        self.last_request = time.monotonic()
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{self.route}"

    def service_actions(self):
        if time.monotonic() - self.last_request > self.idle_limit:
            threading.Thread(target=_stop, args=(self,), daemon=True).start()


class _Handler(BaseHTTPRequestHandler):
    server: _PageServer

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.last_request = time.monotonic()
        path = unquote(urlsplit(self.path).path)
        if path not in (self.server.route, unquote(self.server.route), "/"):
            self.send_error(404, "only the page is served here")
            return
        try:
            body = self.server.page.read_bytes()
        except OSError:
            self.send_error(404, "the page is gone")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # quiet
        pass


def _stop(server: _PageServer) -> None:
    with _lock:
        if server not in _servers:
            return
        _servers.remove(server)
    server.shutdown()
    server.server_close()


def _serve(page: Path, port: int, timeout: float) -> _PageServer:
    server = _PageServer(page, port, timeout)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.25}, daemon=True,
                     name=f"celesta.viz server {server.url}").start()
    with _lock:
        _servers.append(server)
    return server


def export_html(graph, path, title: str = "celesta.viz", serve: bool = False, port: int = 0, *,
                timeout: float = 3600.0, talon_compatible: bool | None = None) -> Path:
    """Writes the graph view to ``path`` (see :func:`celesta.viz.export_html`) and returns the
    path. With ``serve=True`` the page is also served at ``http://127.0.0.1:PORT/NAME`` (printed,
    and listed by :func:`served_urls`) until :func:`stop_servers` or ``timeout`` seconds without a
    request."""
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an int in 0..65535, got {port!r}")
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    out = _views.export_html(graph, path, title, talon_compatible=talon_compatible)
    if serve:
        server = _serve(Path(os.path.abspath(out)), port, float(timeout))
        print(f"Serving visualization at: {server.url}")
        print("Call celesta.viz.display.stop_servers() to stop.")
    return out


def served_urls() -> list[str]:
    """The URLs of the pages being served."""
    with _lock:
        return [s.url for s in _servers]


def stop_servers() -> int:
    """Stops every server started by ``export_html(..., serve=True)``; returns how many."""
    with _lock:
        servers = list(_servers)
    for s in servers:
        _stop(s)
    return len(servers)
