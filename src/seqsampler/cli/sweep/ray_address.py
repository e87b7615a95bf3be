"""`--ray-address`: checked before `ray.init`, so an address where no cluster answers is one line
within `CONNECT_SECONDS + GCS_SECONDS` (25 s) instead of Ray's retries without end.

`auto` is resolved as Ray resolves it (`RAY_ADDRESS`, else the head `ray start` started on this
machine); `HOST:PORT` must accept a TCP connection within CONNECT_SECONDS, then Ray's own GCS
client must reach the cluster there within GCS_SECONDS (in a child process, killed at the limit,
so no retry loop of Ray's outlives the check). `ray://` (Ray Client) is refused: it needs
`ray[client]` (grpcio), which the `[ray]` extra does not install, and the driver must see the
sweep folder on the shared storage anyway, so it runs on a cluster node and joins with
`HOST:PORT` or `auto` (docs/scale.md).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from ..spec.fields import SpecError, short_repr

CONNECT_SECONDS = 5.0
GCS_SECONDS = 20.0
GCS_RETRY_SECONDS = 5  # RAY_py_gcs_connect_timeout_s of the child's client
ACCEPTED = (
    "accepted: auto, or HOST:PORT, the GCS address of a running cluster (`ray start --head` "
    "prints it; port 6379 by default)"
)
_PROBE = "import sys, ray._raylet as r; r.GcsClient(address=sys.argv[1])"


def check_ray_address(address: str) -> str:
    """The `host:port` to pass to `ray.init` once a Ray cluster answers there; SpecError (one
    line naming the address) otherwise, within about 25 s."""
    text = address.strip()
    shown = short_repr(address, 120)
    if text.startswith("ray://"):
        raise SpecError(
            f"ray_address: {shown} is a Ray Client address, which seqsampler does not use (it "
            "needs ray[client], and the driver must see the sweep folder on the cluster's shared "
            f"storage, so it runs on a cluster node); {ACCEPTED}"
        )
    if text == "auto":
        text = _auto()
    host, port = _host_port(text, shown)
    where = f"{host}:{port}" if ":" not in host else f"[{host}]:{port}"
    try:
        with socket.create_connection((host, port), timeout=CONNECT_SECONDS):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SpecError(
            f"ray_address: no Ray cluster answers at {where} ({reason}, after at most "
            f"{CONNECT_SECONDS:g} s); {ACCEPTED}"
        ) from None
    _check_gcs(where)
    return where


def _auto() -> str:
    """`auto` as `ray.init` resolves it, or SpecError when there is nothing to join."""
    from ray._private.services import canonicalize_bootstrap_address_or_die

    try:
        return str(canonicalize_bootstrap_address_or_die("auto"))
    except (ConnectionError, ValueError) as exc:
        raise SpecError(
            f"ray_address: 'auto' finds no Ray cluster ({' '.join(str(exc).split())[:160]}); "
            f"{ACCEPTED}, or RAY_ADDRESS set to it"
        ) from None


def _host_port(text: str, shown: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    ok = sep and host and port.isascii() and port.isdigit() and 1 <= int(port) <= 65535
    if not ok:
        raise SpecError(f"ray_address: got {shown}; {ACCEPTED}")
    return host, int(port)


def _check_gcs(where: str) -> None:
    """Ray's GCS client reaches `where` within GCS_SECONDS (a child process), else SpecError."""
    env = {**os.environ, "RAY_py_gcs_connect_timeout_s": str(GCS_RETRY_SECONDS)}
    try:
        probe = subprocess.run(
            [sys.executable, "-c", _PROBE, where],
            capture_output=True,
            text=True,
            timeout=GCS_SECONDS,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        reason = f"no answer within {GCS_SECONDS:g} s"
    else:
        if probe.returncode == 0:
            return
        lines = [line for line in probe.stderr.splitlines() if line.strip()]
        reason = " ".join(lines[-1].split())[:200] if lines else f"exit {probe.returncode}"
    raise SpecError(
        f"ray_address: something answers at {where}, but not a Ray cluster Ray's client can "
        f"join ({reason}); a cluster with token authentication also needs RAY_AUTH_MODE=token "
        f"and its token (docs/scale.md); {ACCEPTED}"
    )
