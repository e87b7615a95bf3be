"""Peak RSS of the CLI for 16 and 256 frames, and its per-frame latency against the bare model.

Each size is one `seqsampler render` in a fresh subprocess (embedded model, 16x16, S=4, cfg 8,
mp4 + gif, --threads 1) that reports its own ru_maxrss, the render's wall time, the model
load time (the model libraries' import included: `-q` imports them first, to quiet their
progress bars) and the summed time of the network calls (`LoadedModel.network`, patched to time
itself). Overhead = (render - load - network) / network: orchestration, sampler, decode, PNG
and latent writing, videos and contact sheet all counted.

    PYTHONPATH=src .venv/bin/python bench/memory.py [--frames 16,256]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, Row, load  # noqa: E402

CHILD = r"""
import json, resource, sys, time
from seqsampler.models import loaded_model, loader
from seqsampler.cli.app import main
net = {"s": 0.0, "load": 0.0}
_network, _load = loaded_model.LoadedModel.network, loader.load_model
def network(self, *a, **k):
    t = time.perf_counter(); out = _network(self, *a, **k); net["s"] += time.perf_counter() - t
    return out
def load_model(*a, **k):
    t = time.perf_counter(); out = _load(*a, **k); net["load"] += time.perf_counter() - t
    return out
loaded_model.LoadedModel.network, loader.load_model = network, load_model
t = time.perf_counter()
import diffusers.utils.logging, transformers.utils.logging  # the model libraries: load, not CLI
net["libraries"] = time.perf_counter() - t
net["load"] += net["libraries"]
rc = main(["--", "render"][1:] + sys.argv[1:])
wall = time.perf_counter() - t
print(json.dumps({"rc": rc, "wall": wall, "network": net["s"], "load": net["load"],
                  "libraries": net["libraries"],
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SPEC = """prompts = "a red circle"
frame_count = {frames}
steps = 4
cfg = 8.0
width = 16
height = 16
formats = ["mp4", "gif"]
"""


def render(frames: int, tmp: Path) -> dict[str, float]:
    spec = tmp / f"mem{frames}.toml"
    spec.write_text(SPEC.format(frames=frames))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    args = [
        str(spec),
        "--out",
        str(tmp / f"run{frames}"),
        "--quiet",
        "--threads",
        "1",
        "--overwrite",
    ]
    proc = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, capture_output=True, text=True, timeout=1800)  # fmt: skip
    line = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if proc.returncode or not line:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(line[-1])


def run(sizes: tuple[int, ...] = (16, 256)) -> list[Row]:
    print(f"# memory: seqsampler render, embedded 16x16, S=4, cfg 8, mp4+gif, 1 thread; {load()}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            r = render(n, Path(tmp))
            results[n] = r
            rest = r["wall"] - r["load"] - r["network"]
            print(f"{n:>5} frames: peak RSS {r['maxrss_mb']:.0f} MB, render {r['wall']:.1f} s "
                  f"(load {r['load']:.1f} of which importing the model libraries {r['libraries']:.1f}, network {r['network']:.1f}, the rest {rest:.1f}): "
                  f"{1e3 * r['network'] / n:.1f} ms/frame network, {1e3 * rest / n:.1f} ms/frame rest")  # fmt: skip
    lo, hi = results[sizes[0]], results[sizes[-1]]
    rows = [Row("memory", f"peak RSS MB, {sizes[-1]} / {sizes[0]} frames", hi["maxrss_mb"], lo["maxrss_mb"], unit="MB")]  # fmt: skip
    for n, r in results.items():
        cli = r["wall"] - r["load"]
        rows.append(Row("memory", f"CLI per frame / bare network calls per frame, {n} frames", cli / n, r["network"] / n))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", default="16,256")
    run(tuple(int(v) for v in parser.parse_args().frames.split(",")))


if __name__ == "__main__":
    main()
