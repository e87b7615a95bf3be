"""`--ray-address` fails fast: an address where no cluster answers is one line within 30 s
(Ray itself retries without end), `ray://` is refused with the reason, a real cluster's GCS
address passes the check, and `-q` leaves stderr free of Ray's own log lines."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from seqsampler.cli import main
from seqsampler.cli.spec.fields import SpecError
from seqsampler.cli.sweep.ray_address import check_ray_address
from seqsampler.models.embedded import EMBEDDED_DIR

from .helpers import sweep_spec

LIMIT = 30.0  # seconds: the bound for a one-line answer
HAS_EMBEDDED = (EMBEDDED_DIR / "model_index.json").is_file()
SRC = Path(__file__).resolve().parents[3] / "src"


def _dead_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def not_ray() -> Iterator[int]:
    """A port whose listener accepts TCP connections and never answers (not a Ray GCS)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        for sock in held:
            sock.close()
        server.close()


def test_a_ray_client_address_is_refused_with_the_reason():
    with pytest.raises(SpecError, match=r"is a Ray Client address, .* needs ray\[client\]"):
        check_ray_address("ray://127.0.0.1:10001")


@pytest.mark.parametrize(
    "address", ["nohost", "127.0.0.1:", ":6379", "127.0.0.1:0", "127.0.0.1:99999", "h:６３７９"]
)
def test_a_malformed_address_is_refused_without_a_connection(address):
    started = time.monotonic()
    with pytest.raises(SpecError, match=r"^ray_address: got .*; accepted: auto, or HOST:PORT"):
        check_ray_address(address)
    assert time.monotonic() - started < 1


def test_an_address_where_nothing_listens_is_refused_at_once():
    port = _dead_port()
    started = time.monotonic()
    with pytest.raises(SpecError, match=rf"no Ray cluster answers at 127.0.0.1:{port} \("):
        check_ray_address(f"127.0.0.1:{port}")
    assert time.monotonic() - started < LIMIT


def test_auto_follows_ray_address_and_is_checked(monkeypatch):
    pytest.importorskip("ray")
    port = _dead_port()
    monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{port}")
    # Ray resolves 127.0.0.1 to this node's address, as ray.init would
    with pytest.raises(SpecError, match=rf"no Ray cluster answers at [\d.]+:{port} \("):
        check_ray_address("auto")


@pytest.mark.slow
def test_a_listener_that_is_not_ray_is_refused_within_30_s(not_ray):
    pytest.importorskip("ray")
    started = time.monotonic()
    with pytest.raises(SpecError, match="something answers at .* but not a Ray cluster"):
        check_ray_address(f"127.0.0.1:{not_ray}")
    seconds = time.monotonic() - started
    assert seconds < LIMIT, seconds


@pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are not in assets/")
def test_the_sweep_is_one_line_and_writes_nothing(tmp_path, capsys):
    pytest.importorskip("ray")
    spec = sweep_spec(tmp_path / "s.toml")
    out = tmp_path / "sweep"
    argv = ["render", str(spec), "--out", str(out), "-q", "--sweep", "seed=1,2", "--jobs", "ray"]
    started = time.monotonic()
    assert main([*argv, "--ray-address", f"127.0.0.1:{_dead_port()}"]) == 2
    assert time.monotonic() - started < LIMIT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "seqsampler: error: ray_address: no Ray cluster" in err
    assert not out.exists()


@pytest.mark.slow
def test_a_running_clusters_gcs_address_passes_and_a_wrong_token_does_not(monkeypatch):
    ray = pytest.importorskip("ray")
    assert not ray.is_initialized()
    ray.init(
        address="local",
        num_cpus=1,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        logging_level="ERROR",
    )
    try:
        gcs = ray.get_runtime_context().gcs_address
        started = time.monotonic()
        assert check_ray_address(gcs) == gcs
        assert time.monotonic() - started < LIMIT
        monkeypatch.setenv("RAY_AUTH_MODE", "token")
        monkeypatch.setenv("RAY_AUTH_TOKEN", "not-the-token")
        started = time.monotonic()
        try:
            check_ray_address(gcs)
        except SpecError as exc:
            assert "Authentication token is missing or incorrect" in str(exc)
        else:
            pytest.skip("this Ray's local cluster has no token authentication")
        assert time.monotonic() - started < LIMIT
    finally:
        ray.shutdown()


@pytest.mark.slow
@pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are not in assets/")
def test_quiet_silences_rays_log_lines(tmp_path):
    pytest.importorskip("ray")
    spec = sweep_spec(tmp_path / "s.toml", frames=2, steps=1)
    out = tmp_path / "sweep"
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "seqsampler.cli", "render", str(spec), "--out", str(out)]
    command += ["--sweep", "seed=1,2", "--jobs", "ray", "--workers", "1", "-q"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no "Started a local Ray instance", no token warning
    assert done.stdout.splitlines()[:2] == [str(out), str(out / "sweep.json")]
