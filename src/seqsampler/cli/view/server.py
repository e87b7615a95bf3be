"""`seqsampler view --serve`: the run folder's page and the files it links, on 127.0.0.1 only.

What is served is an allow-list parsed from `view.html` when the server starts (its relative
`src` / `href` links, and the page itself), nothing else: no folder listing, no other file of the
folder, no path through a symbolic link that leads outside it (checked per request on the real
path, and the file opened with O_NOFOLLOW). A request whose `Host` is not `127.0.0.1:PORT` or
`localhost:PORT` gets 421, so a page of another site that rebinds its name to 127.0.0.1 (DNS
rebinding) cannot read the run. GET and HEAD only; every answer has `nosniff` and the page a
Content-Security-Policy that allows its own images, video and inline style only.
"""

from __future__ import annotations

import logging
import os
import posixpath
import stat
import sys
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ...files import NOFOLLOW
from ..spec.fields import short_repr
from .folder import VIEW_NAME, ViewError

log = logging.getLogger(__name__)

MAX_PORT = 65535
HOSTS = ("127.0.0.1", "localhost")
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
}
PAGE_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"
MAX_RECORDED = 10_000  # answers kept in `RunServer.answers` (what a test reads back)
CHUNK = 1 << 16


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.values += [v for k, v in attrs if k in ("src", "href") and v]


def page_links(html: str) -> set[str]:
    """The files a page links, as folder-relative paths: its relative `src` / `href` values
    (no scheme, host, leading '/', '..' or NUL), unquoted and normalised; the page's own name
    added."""
    parser = _Links()
    parser.feed(html)
    allowed = {VIEW_NAME}
    for value in parser.values:
        parts = urlsplit(value)
        path = unquote(parts.path)
        if parts.scheme or parts.netloc or not path or path.startswith("/") or "\x00" in path:
            continue
        path = posixpath.normpath(path)
        if path != "." and not path.startswith(".."):
            allowed.add(path)
    return allowed


class RunServer(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1:`port` (0: any free port) for the allow-list `allowed`."""

    daemon_threads = True

    def __init__(self, folder: Path, port: int, allowed: set[str]) -> None:
        self.root = os.path.realpath(folder)
        self.allowed = frozenset(allowed)
        self.answers: list[tuple[str, int]] = []  # (request path, status), for the log and tests
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def record(self, path: str, status: int) -> None:
        with self._lock:
            if len(self.answers) < MAX_RECORDED:
                self.answers.append((path, status))

    def host_ok(self, hosts: list[str]) -> bool:
        """Exactly one Host header naming the loopback address (or localhost) and our port."""
        expected = {f"{host}:{self.port}" for host in HOSTS}
        return len(hosts) == 1 and hosts[0].strip().lower() in expected

    def resolve(self, target: str) -> tuple[int, str]:
        """(status, the real path to send, or the reason) for a request target."""
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            return 400, "bad request target"
        relative = unquote(parts.path)[1:]
        if relative == "":
            return 302, "/" + VIEW_NAME
        if relative not in self.allowed:
            return 404, "not a file of this page"
        real = os.path.realpath(os.path.join(self.root, relative))
        if os.path.commonpath([self.root, real]) != self.root:
            return 403, "a link that leads outside the run folder"
        return 200, real


class _Handler(BaseHTTPRequestHandler):
    server: RunServer
    server_version = "seqsampler"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        if not self.server.host_ok(self.headers.get_all("Host") or []):
            self._refuse(421, "this server answers to 127.0.0.1 and localhost only", body)
            return
        status, where = self.server.resolve(self.path)
        if status == 302:
            self.send_response(302)
            self.send_header("Location", where)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.server.record(self.path, 302)
            return
        if status != 200:
            self._refuse(status, where, body)
            return
        try:
            fd = os.open(where, os.O_RDONLY | NOFOLLOW)
        except OSError:
            self._refuse(404, "not found", body)
            return
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                self._refuse(404, "not a file", body)
                return
            self.send_response(200)
            self.send_header(
                "Content-Type", TYPES.get(Path(where).suffix, "application/octet-stream")
            )
            self.send_header("Content-Length", str(info.st_size))
            self._common_headers(page=where.endswith(".html"))
            self.end_headers()
            self.server.record(self.path, 200)
            while body and (block := handle.read(CHUNK)):
                self.wfile.write(block)

    def _refuse(self, status: int, reason: str, body: bool) -> None:
        data = f"{status}: {reason}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self._common_headers(page=False)
        self.end_headers()
        self.server.record(self.path, status)
        if body:
            self.wfile.write(data)

    def _common_headers(self, page: bool) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")
        if page:
            self.send_header("Content-Security-Policy", PAGE_POLICY)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        log.debug("view: %s", short_repr(format % args, 300))  # repr: the client's text escaped


def check_port(port: int) -> int:
    """`port` in [0, 65535] (0: any free port), else ViewError."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= MAX_PORT:
        raise ViewError(
            f"view: --port {port!r}; accepted: an int in [0, {MAX_PORT}] (0: any free port)"
        )
    return port


def make_server(folder: Path, port: int) -> RunServer:
    """The server for the run folder's `view.html` (written first by `write_view`), not started."""
    check_port(port)
    page = Path(folder) / VIEW_NAME
    try:
        fd = os.open(page, os.O_RDONLY | NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            html = handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ViewError(f"view: cannot read {str(page)!r} ({exc})") from None
    try:
        return RunServer(Path(folder), port, page_links(html))
    except OSError as exc:
        raise ViewError(
            f"view: --port {port}: {exc.strerror or exc}; accepted: a free port"
        ) from None


def serve(folder: Path, port: int) -> int:
    """Serve the run folder's page on 127.0.0.1 until Ctrl-C; prints its URL, opens nothing."""
    server = make_server(folder, port)
    with server:
        sys.stdout.write(f"http://127.0.0.1:{server.port}/{VIEW_NAME}\n")
        sys.stdout.flush()
        log.info(
            "serving %d files of %s on 127.0.0.1 only; Ctrl-C stops", len(server.allowed), folder
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            log.info("stopped")
    return 0
