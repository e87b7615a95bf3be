"""Peak RSS of a video input over its length: 16 vs 1,024 input frames, one fresh subprocess per
run, (a) through the whole chain, (b) the reader alone.

(a) `--chain` (default on): `seqsampler render` of a spec whose `init_video` is a 64x64 H.264 pan
(the CLI in the child process: the reader, DIS flow, the hybrid input, the embedded model at
16x16 with 2 euler steps at denoise 0.5, the frames and latents written, MP4 at the end); the
peak RSS (VmHWM) read after the render. (b) `open_video(...).frames()` of a 256x256 H.264 video
resized to 192x128.

Each child reports its own peak RSS (VmHWM of /proc/self/status: ru_maxrss would carry over the
forking parent's peak across exec) after importing torch and seqsampler.video (the base) and
after reading every frame (the peak), and the wall time of open_video (the demuxed frame count)
and of the read. A control child keeps every frame in a list (what reading all frames into
memory would cost), so the benchmark shows it can see growth. Optionally (--8k) the same for a
2-frame 7680x4320 input read at 512x288. Goal (issue 31): peak RSS of 1,024 frames within 1.2x
of 16 frames. `--noise-warp` renders the chain with `noise_warp = true` (the noise carried along
the input's flow: a second reader from frame 0, one more DIS flow a frame, `video_noise.py`).

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/video_memory.py [--frames 16,1024] [--8k] [--no-chain] [--noise-warp]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, Row, load  # noqa: E402

CHILD = r"""
import json, sys, time
import torch
from seqsampler.video import open_video
path, width, height, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "hold"
def rss():  # VmHWM: this process's peak RSS (ru_maxrss keeps the forking parent's across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
base = rss()
start = time.perf_counter()
source = open_video(path)
opened = time.perf_counter() - start
kept, checksum, count = [], 0.0, 0
for frame in source.frames(width, height):
    checksum += float(frame.mean())
    count += 1
    if hold:
        kept.append(frame)
print(json.dumps({"frames": count, "counted": source.frame_count, "base_mb": base,
                  "peak_mb": rss(), "open_s": opened, "read_s": time.perf_counter() - start}))
"""

CHAIN_CHILD = r"""
import json, sys, time
from pathlib import Path
from seqsampler.cli.app import main
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
start = time.perf_counter()
rc = main(["render", sys.argv[1], "--out", sys.argv[2], "-q", "--threads", "1", "--overwrite"])
frames = len(list((Path(sys.argv[2]) / "frames").glob("*.png")))
print(json.dumps({"rc": rc, "frames": frames, "peak_mb": rss(), "wall_s": time.perf_counter() - start}))
"""

SPEC = """model = "embedded"
prompts = "a red circle, blue background"
init_video = "{path}"
video_mode = "hybrid"
video_strength = 0.5
width = 16
height = 16
steps = 2
sampler_name = "euler"
seed_keying = false
denoise_sine = false
denoise_start = 0.5
denoise_seq = 0.5
formats = ["mp4"]
"""


def write_input(path: Path, frames: int, size: tuple[int, int], seed: int = 0) -> None:
    """A pan (3, 2 px a frame) over a seeded random texture, H.264 crf 18, 24 fps."""
    import av
    import cv2

    width, height = size
    rng = np.random.default_rng(seed)
    cells = rng.random((height // 8 + 2, (width + 3 * frames) // 8 + 2, 3)).astype(np.float32)
    big = cv2.resize(cells, (cells.shape[1] * 8, cells.shape[0] * 8), interpolation=cv2.INTER_CUBIC)
    big = (np.clip(big, 0, 1) * 255).astype(np.uint8)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=24, options={"crf": "18", "preset": "veryfast"})  # fmt: skip
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for t in range(frames):
            y = (2 * t) % (big.shape[0] - height)
            image = np.ascontiguousarray(big[y : y + height, 3 * t : 3 * t + width])
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            container.mux(stream.encode(frame.reformat(format="yuv420p")))
        container.mux(stream.encode())


def read(path: Path, size: tuple[int, int], hold: bool = False) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    args = [str(path), str(size[0]), str(size[1]), "hold" if hold else "stream"]
    proc = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, capture_output=True, text=True, timeout=1800)  # fmt: skip
    line = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if proc.returncode or not line:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(line[-1])


def render(path: Path, tmp: Path, noise_warp: bool = False) -> dict[str, float]:
    """`seqsampler render` of SPEC following the video at `path`, in a fresh process."""
    spec = tmp / f"{path.stem}.toml"
    spec.write_text(SPEC.format(path=path) + ("noise_warp = true\n" if noise_warp else ""))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    args = [str(spec), str(tmp / f"run-{path.stem}")]
    proc = subprocess.run([sys.executable, "-c", CHAIN_CHILD, *args], env=env, capture_output=True, text=True, timeout=3600)  # fmt: skip
    line = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if proc.returncode or not line or json.loads(line[-1])["rc"]:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(line[-1])


def chain(sizes: tuple[int, ...], noise_warp: bool = False) -> list[Row]:
    """Peak RSS of a render following 16 .. 1,024 input frames (the whole chain)."""
    warp = ", noise_warp" if noise_warp else ""
    print(f"# video_memory --chain: seqsampler render, init_video a 64x64 H.264 pan, hybrid{warp}, embedded 16x16, 2 euler steps, denoise 0.5, mp4, 1 thread; {load()}")  # fmt: skip
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"chain{n}.mp4"
            write_input(path, n, (64, 64))
            results[n] = r = render(path, Path(tmp), noise_warp)
            print(f"{n:>5} input frames: peak RSS {r['peak_mb']:.1f} MB, {r['frames']} frames written, render {r['wall_s']:.1f} s ({r['wall_s'] / n:.3f} s/frame)")  # fmt: skip
    lo, hi = results[sizes[0]], results[sizes[-1]]
    rows = [Row("video_memory", f"peak RSS MB of a render, {sizes[-1]} / {sizes[0]} input frames", hi["peak_mb"], lo["peak_mb"], unit="MB")]  # fmt: skip
    print(f"{rows[0].compares}: {rows[0].a:.1f} / {rows[0].b:.1f} = {rows[0].ratio:.3f}x")
    return rows


def show(label: str, r: dict[str, float]) -> None:
    print(f"{label:>34}: peak RSS {r['peak_mb']:7.1f} MB (base {r['base_mb']:.1f}, +{r['peak_mb'] - r['base_mb']:.1f}), "
          f"open {r['open_s'] * 1e3:.0f} ms, read {r['read_s']:.2f} s, {r['frames']:.0f} frames")  # fmt: skip


def run(sizes: tuple[int, ...] = (16, 1024), with_8k: bool = False) -> list[Row]:
    print(f"# video_memory: open_video + frames(192, 128) of a 256x256 H.264 pan, 1 thread; {load()}")  # fmt: skip
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"in{n}.mp4"
            write_input(path, n, (256, 256))
            results[n] = read(path, (192, 128))
            show(f"{n} frames, streamed", results[n])
        held = read(Path(tmp) / f"in{sizes[-1]}.mp4", (192, 128), hold=True)
        show(f"{sizes[-1]} frames, all kept (control)", held)
        if with_8k:
            path = Path(tmp) / "in8k.mp4"
            write_input(path, 2, (7680, 4320))
            big = read(path, (512, 288))
            show("2 frames of 7680x4320 at 512x288", big)
    lo, hi = results[sizes[0]], results[sizes[-1]]
    rows = [
        Row(
            "video_memory",
            f"peak RSS MB, {sizes[-1]} / {sizes[0]} frames read",
            hi["peak_mb"],
            lo["peak_mb"],
            unit="MB",
        ),  # fmt: skip
        Row(
            "video_memory",
            f"peak RSS MB, {sizes[-1]} frames kept / streamed (control)",
            held["peak_mb"],
            hi["peak_mb"],
            unit="MB",
        ),  # fmt: skip
    ]
    for row in rows:
        print(f"{row.compares}: {row.a:.1f} / {row.b:.1f} = {row.ratio:.3f}x")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", default="16,1024")
    parser.add_argument("--8k", dest="with_8k", action="store_true", help="add a 7680x4320 input")
    parser.add_argument("--no-chain", dest="chain", action="store_false", help="the reader only")
    parser.add_argument("--noise-warp", action="store_true", help="the chain with noise_warp on")
    args = parser.parse_args()
    sizes = tuple(int(v) for v in args.frames.split(","))
    if args.chain:
        chain(sizes, args.noise_warp)
    run(sizes, args.with_8k)


if __name__ == "__main__":
    main()
