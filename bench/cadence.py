"""Cadence measured (issue 30, item 1; docs/quality.md "Cadence"): examples/demo.toml and
examples/zoom.toml on the embedded model at cadence 1, 2 and 3 (and 3 with cadence_flow), each
rendered whole by the CLI's `render` (no videos), the model loaded once and shared.

Per output frame: model evaluations (counted: UNet batch items, a guided call of batch 2 is 2;
bench/_pareto_measure.py), wall time (the median of `--repeats` interleaved rounds, after a short
warm-up render) and flicker: `seqsampler metrics`' mean frame-to-frame change, motion-compensated
(the plan's camera undone: `change_motion`) where the spec moves, and its flow residual. Flicker
of a cadence run measures how smooth the in-betweens are, not how faithful: the in-betweens
are cross-fades, smoother than a re-sampled frame by construction (see docs/quality.md).

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/cadence.py [--repeats 1]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from _common import ROOT, Row, interleaved, load, machine  # noqa: E402
from _pareto_measure import Evaluations, flicker, load_frames, shared_model  # noqa: E402
from _pareto_peer import camera_matrices  # noqa: E402

SPECS = {"demo": ROOT / "examples" / "demo.toml", "zoom": ROOT / "examples" / "zoom.toml"}
SETTINGS = {  # row -> the spec fields it sets
    "cadence 1": {"cadence": 1},
    "cadence 2": {"cadence": 2},
    "cadence 3": {"cadence": 3},
    "cadence 3 + flow": {"cadence": 3, "cadence_flow": True},
}


def spec_data(path: Path, frames: int | None) -> dict[str, Any]:
    from seqsampler.cli.spec.file import load_spec_file

    data = {**load_spec_file(path), "formats": [], "upscale": 1}
    return data if frames is None else {**data, "frame_count": frames}


def render_into(spec: Any, folder: Path) -> None:
    from seqsampler.cli.run.render import render

    render(spec, folder, overwrite=True, progress=False)


def measure_spec(
    name: str, model: Any, counter: Evaluations, frames: int | None, repeats: int, root: Path
) -> list[dict[str, Any]]:
    """One row per setting of `name`: evaluations, wall, flicker per output frame."""
    from seqsampler.cli.spec.resolve import resolve_spec

    data = spec_data(SPECS[name], frames)
    specs = {key: resolve_spec({**data, **fields}) for key, fields in SETTINGS.items()}
    folders = {key: root / f"{name}-{key.replace(' ', '-')}" for key in specs}
    counts: dict[str, list[int]] = {key: [] for key in specs}

    def job(key: str) -> Any:
        def timed() -> None:
            counter.take()
            render_into(specs[key], folders[key])
            counts[key].append(counter.take())

        return timed

    times = interleaved({key: job(key) for key in specs}, repeats, warmup=False)
    rows = []
    for key, spec in specs.items():
        the_plan = spec.plan()
        n = the_plan.frame_count
        diffused = sum(1 for f in the_plan.frames if f.between is None)
        matrices = camera_matrices(the_plan, *model.default_size)
        rows.append({
            "spec": name, "setting": key, "frames": n, "diffused": diffused,
            "evals": counts[key][0] / n, "wall": statistics.median(times[key]) / n,
            **flicker(load_frames(folders[key]), the_plan, matrices),
        })  # fmt: skip
    return rows


def print_rows(rows: list[dict[str, Any]]) -> None:
    base = {r["spec"]: r for r in rows if r["setting"] == "cadence 1"}
    print(f"{'spec':<6} {'setting':<17} {'diffused':>9} {'evals/frame':>12} {'x fewer':>8} "
          f"{'wall s/frame':>13} {'x faster':>9} {'flicker':>8} {'x c1':>6} {'flow res':>9}")  # fmt: skip
    for r in rows:
        b = base[r["spec"]]
        print(f"{r['spec']:<6} {r['setting']:<17} {r['diffused']:>4}/{r['frames']:<4} "
              f"{r['evals']:>12.1f} {b['evals'] / r['evals']:>8.2f} {r['wall']:>13.3f} "
              f"{b['wall'] / r['wall']:>9.2f} {r['flicker']:>8.4f} "
              f"{r['flicker'] / b['flicker']:>6.2f} {r['flow_residual']:>9.4f}")  # fmt: skip


def run(frames: int | None = None, repeats: int = 1) -> list[Row]:
    from seqsampler.models.loader import load_model

    logging.getLogger("seqsampler").setLevel(logging.WARNING)
    torch.set_num_threads(1)
    model = load_model()
    counter = Evaluations(model.unet)
    rows: list[dict[str, Any]] = []
    with shared_model(model), tempfile.TemporaryDirectory() as tmp:
        warm = resolve({**spec_data(SPECS["demo"], 3), "cadence": 2})
        render_into(warm, Path(tmp) / "warm-up")
        for name in SPECS:
            rows += measure_spec(name, model, counter, frames, repeats, Path(tmp))
    print(f"# cadence: {repeats} interleaved round(s), 1 thread; {load()}")
    print_rows(rows)
    base = {r["spec"]: r for r in rows if r["setting"] == "cadence 1"}
    return [
        Row("cadence", f"{r['spec']}: {r['setting']} / cadence 1, wall per frame", r["wall"],
            base[r["spec"]]["wall"])
        for r in rows if r["setting"] != "cadence 1"
    ]  # fmt: skip


def resolve(data: dict[str, Any]) -> Any:
    from seqsampler.cli.spec.resolve import resolve_spec

    return resolve_spec(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=None, help="each spec's first N frames")
    parser.add_argument("--repeats", type=int, default=1, help="interleaved timing rounds")
    args = parser.parse_args()
    print(f"# {machine()}")
    run(args.frames, args.repeats)


if __name__ == "__main__":
    main()
