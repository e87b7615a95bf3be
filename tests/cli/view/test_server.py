"""`seqsampler view --serve`: real HTTP requests against the server started here on 127.0.0.1
(port 0, stopped by its handle): only the files the page links, no listings, no traversal, no
link that leads outside the folder, no foreign Host; and the page still loads in Chromium."""

from __future__ import annotations

import http.client
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seqsampler import SequenceConfig, plan
from seqsampler.cli import main
from seqsampler.cli.view.folder import ViewError
from seqsampler.cli.view.page import write_view
from seqsampler.cli.view.server import RunServer, check_port, make_server, page_links

from .test_page import CHROMIUM, chromium, parse

SECRET = b"the user's secret, outside the run folder\n"
FRAMES = 3


def _run_folder(root: Path) -> Path:
    """A run folder without a model: plan.json, spec.json, frame PNGs and a contact sheet."""
    folder = root / "run"
    (folder / "frames").mkdir(parents=True)
    the_plan = plan(SequenceConfig(frame_count=FRAMES, steps=2))
    (folder / "plan.json").write_text(the_plan.to_json())
    (folder / "spec.json").write_text(json.dumps({"prompts": "a red circle"}))
    for i in range(FRAMES):
        image = np.full((16, 16, 3), (200, 40 * i, 30), dtype=np.uint8)
        Image.fromarray(image).save(folder / "frames" / f"{i:05d}.png")
    Image.fromarray(np.zeros((16, 48, 3), dtype=np.uint8)).save(folder / "contact_sheet.png")
    return folder


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[RunServer, Path]]:
    folder = _run_folder(tmp_path)
    (tmp_path / "secret.txt").write_bytes(SECRET)
    write_view(folder)
    server = make_server(folder, 0)
    thread = threading.Thread(target=server.serve_forever, name="test-view-server", daemon=True)
    thread.start()
    try:
        yield server, folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive()


def _get(
    server: RunServer, target: str, host: str | None = "", method: str = "GET", hosts: int = 1
) -> tuple[int, dict[str, str], bytes]:
    """One request with the raw `target` and the given Host ('' = 127.0.0.1:PORT, None = none)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        value = f"127.0.0.1:{server.port}" if host == "" else host
        for _ in range(hosts if value is not None else 0):
            connection.putheader("Host", value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_the_page_and_what_it_links_are_served(served):
    server, folder = served
    status, headers, body = _get(server, "/view.html")
    assert status == 200 and b'class="frame' in body
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    for name in ("frames/00000.png", "frames/00002.png", "contact_sheet.png", "plan.png"):
        status, headers, body = _get(server, "/" + name)
        assert (status, headers["Content-Type"]) == (200, "image/png"), name
        assert body == (folder / name).read_bytes()
    status, headers, body = _get(server, "/")
    assert (status, headers["Location"], body) == (302, "/view.html", b"")
    status, headers, body = _get(server, "/view.html", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000


def test_the_allow_list_is_the_pages_links(served):
    server, folder = served
    html = (folder / "view.html").read_text()
    expected = {"view.html", "contact_sheet.png", "plan.png"}
    expected |= {f"frames/{i:05d}.png" for i in range(FRAMES)}
    assert page_links(html) == expected == set(server.allowed)
    odd = '<a href="../x">a</a><img src="/etc/passwd"><a href="http://e.com/a">b</a><a href="#f1">'
    assert page_links(odd) == {"view.html"}


@pytest.mark.parametrize(
    "target",
    [
        "/frames/",  # a listing
        "/frames",
        "/spec.json",  # in the folder, not linked by the page
        "/plan.json",
        "/../secret.txt",  # traversal, raw and encoded
        "/frames/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/frames%2f..%2f..%2fsecret.txt",
        "/view.html%00.png",
        "/frames/00000.png/",
    ],
)
def test_listings_traversal_and_unlinked_files_get_404(served, target):
    server, _ = served
    status, _, body = _get(server, target)
    assert status == 404 and SECRET not in body, (target, status)


def test_an_absolute_target_is_refused(served):
    server, _ = served
    status, _, _ = _get(server, f"http://127.0.0.1:{server.port}/view.html")
    assert status == 400


def test_a_linked_file_or_folder_leading_outside_gets_403(served, tmp_path):
    server, folder = served
    frame = folder / "frames" / "00001.png"
    frame.unlink()
    frame.symlink_to(tmp_path / "secret.txt")  # planted after the page was written
    status, _, body = _get(server, "/frames/00001.png")
    assert status == 403 and SECRET not in body
    outside = tmp_path / "elsewhere"
    (folder / "frames").rename(outside)
    (folder / "frames").symlink_to(outside)
    status, _, body = _get(server, "/frames/00000.png")
    assert status == 403 and body.startswith(b"403: a link that leads outside")


def test_a_link_inside_the_folder_is_served(served):
    server, folder = served
    frame = folder / "frames" / "00002.png"
    frame.unlink()
    frame.symlink_to(folder / "frames" / "00000.png")
    status, _, body = _get(server, "/frames/00002.png")
    assert status == 200 and body == (folder / "frames" / "00000.png").read_bytes()


@pytest.mark.parametrize(
    "host, hosts",
    [
        ("evil.example:{port}", 1),  # DNS rebinding: another site's name on 127.0.0.1
        ("evil.example", 1),
        ("127.0.0.1:1", 1),  # another port
        ("127.0.0.1", 1),
        ("[::1]:{port}", 1),
        ("127.0.0.1:{port}", 2),  # two Host headers
        (None, 1),  # none
    ],
)
def test_a_foreign_host_gets_421(served, host, hosts):
    server, _ = served
    value = None if host is None else host.format(port=server.port)
    status, _, body = _get(server, "/view.html", host=value, hosts=hosts)
    assert status == 421 and b'class="frame' not in body


def test_localhost_and_its_port_are_served(served):
    server, _ = served
    status, _, _ = _get(server, "/view.html", host=f"LOCALHOST:{server.port}")
    assert status == 200


def test_only_get_and_head(served):
    server, _ = served
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        assert _get(server, "/view.html", method=method)[0] == 501, method


def test_the_port_is_checked(tmp_path, capsys):
    for port in (-1, 65536, 10**6, True):
        with pytest.raises(ViewError, match=r"accepted: an int in \[0, 65535\]"):
            check_port(port)  # type: ignore[arg-type]
    folder = _run_folder(tmp_path)
    for port in ("70000", "-1"):
        with pytest.raises(SystemExit) as info:
            main(["view", str(folder), "--serve", "--port", port])
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "accepted: an int in [0, 65535]" in err, err


@pytest.mark.skipif(
    not CHROMIUM.is_file(), reason="no /usr/bin/chromium (apt-get install chromium)"
)
@pytest.mark.slow
def test_the_served_page_loads_in_headless_chromium(served):
    server, _ = served
    url = f"http://127.0.0.1:{server.port}/view.html"
    dom = chromium("--window-size=1200,3000", "--dump-dom", url)
    assert [f["data-frame"] for f in parse(dom).frames] == [str(i) for i in range(FRAMES)]
    answers = dict(server.answers)
    assert answers["/view.html"] == 200
    for name in ("contact_sheet.png", "plan.png", "frames/00000.png"):
        assert answers.get("/" + name) == 200, (name, server.answers)
    refused = [(p, s) for p, s in server.answers if s != 200 and p != "/favicon.ico"]
    assert refused == [], refused  # everything the page asks for is on the allow-list


def test_serve_refuses_a_page_that_is_a_link(tmp_path):
    folder = _run_folder(tmp_path)
    write_view(folder)
    (folder / "view.html").rename(folder / "page.html")
    os.symlink(folder / "page.html", folder / "view.html")
    with pytest.raises(ViewError, match="cannot read"):
        make_server(folder, 0)
