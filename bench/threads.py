"""torch thread count, idle and with another CPU-bound job running (one we start and stop).

Workload: one plain frame on the embedded model (32x32, S=10, cfg 7, euler). Rounds of
[1 thread, 2 threads] with the machine as it is, then the same with a busy-loop process of
ours running (started before, stopped by its PID after, and self-limited to 10 minutes).
Ratios: 2 threads / 1 thread, idle and loaded; loaded / idle per thread count.

    PYTHONPATH=src .venv/bin/python bench/threads.py
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from _common import Row, best_median, load  # noqa: E402

from seqsampler.frame_sampler import StandaloneFrameSampler  # noqa: E402
from seqsampler.models.loader import load_model  # noqa: E402
from seqsampler.sequence import FrameCall  # noqa: E402

HOG = "import time\nend = time.time() + 600\nwhile time.time() < end:\n    pass\n"


def run(repeats: int = 3) -> list[Row]:
    model = load_model()
    fs = StandaloneFrameSampler(model.denoiser, "euler", "normal")
    call = FrameCall(model.encode_prompt("a red circle"), model.encode_prompt(""), 1, 10, 7.0)
    x = torch.zeros(1, 3, 32, 32)

    def frame(threads: int) -> float:
        torch.set_num_threads(threads)
        start = time.perf_counter()
        fs.sample(x, call)
        return time.perf_counter() - start

    frame(1), frame(2)  # warm-up
    times: dict[str, list[float]] = {k: [] for k in ("idle 1", "idle 2", "loaded 1", "loaded 2")}
    load_idle = load()
    for _ in range(repeats):
        times["idle 1"].append(frame(1))
        times["idle 2"].append(frame(2))
        hog = subprocess.Popen([sys.executable, "-c", HOG])
        try:
            time.sleep(0.5)
            times["loaded 1"].append(frame(1))
            times["loaded 2"].append(frame(2))
        finally:
            os.kill(hog.pid, signal.SIGTERM)
            hog.wait()
    med = {k: best_median(v)[1] for k, v in times.items()}
    print(f"# threads: embedded 32x32, S=10, cfg 7; {os.cpu_count()} cores; {load_idle} at start")
    for k, v in med.items():
        print(f"{k:<10} {1e3 * v:8.1f} ms per frame (median of {repeats})")
    torch.set_num_threads(1)
    return [
        Row(
            "threads", "2 threads / 1 thread, idle (machine as it is)", med["idle 2"], med["idle 1"]
        ),
        Row("threads", "2 threads / 1 thread, + our busy loop", med["loaded 2"], med["loaded 1"]),
        Row("threads", "1 thread: loaded / idle", med["loaded 1"], med["idle 1"]),
        Row("threads", "2 threads: loaded / idle", med["loaded 2"], med["idle 2"]),
    ]


if __name__ == "__main__":
    run()
