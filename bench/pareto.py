"""Model evaluations per output frame at matched quality: seqsampler's settings against a diffusers
img2img loop, on the embedded model (issue 30, item 5; BENCHMARKS.md "Quality-matched").

Two specs, their first `--frames` frames (default 12; the prompt keys after them dropped, as
the CLI drops them), no videos, contact sheet at upscale 1: examples/demo.toml (prompts at 0 and
8 of 12, euler_ancestral) and examples/zoom.toml (the moving spec: zoom 1.02 and a 1-degree turn
per frame, noise_warp; its first prompt only at 12 frames, euler). Every combination of
`denoise_mode` (comfyui, steps) x `cadence` (1-4; in-betweens the default motion-warped
cross-fade) x `cfg_mode` (full, once) is rendered by the CLI's `render` (the model loaded once,
shared), and the peer (bench/_pareto_peer.py: round(S d) steps, full guidance, image in and out per frame).
Per output frame: model evaluations (counted: UNet batch items, so a guided call of batch 2 is 2),
wall time (the median of `--repeats` interleaved rounds: every row once per round, in one run,
after a short warm-up render), flicker and flow residual of the frames (`seqsampler metrics`'
measures, the camera undone) and adherence of the settled frames (bench/_pareto_measure.py).

Goals (issue 30): (1) >= 2x fewer evaluations and >= 1.8x less wall time per output frame than
the loop, at flicker <= 1.05x and adherence >= 0.95x the loop's; (2) cadence 3 with >= 3x fewer
evaluations (than the loop; also shown against cadence 1) at flicker <= 1.10x its cadence 1's.
The `misses` column names what a row misses of goal 1: E(valuations) W(all) F(licker) A(dherence).
About 20 minutes on the shared 2-core machine at load 7 (2 specs x 17 rows x 12 frames x 3 rounds).

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/pareto.py [--frames 12]
        [--repeats 3] [--plot runs/pareto.png] [--cadences 1 2 3 4]
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
from _pareto_measure import (  # noqa: E402
    Evaluations,
    adherence,
    flicker,
    load_frames,
    settled_frames,
    shared_model,
)
from _pareto_peer import Peer, camera_matrices  # noqa: E402
from _pareto_plot import pareto_png  # noqa: E402

SPECS = {"demo": ROOT / "examples" / "demo.toml", "zoom": ROOT / "examples" / "zoom.toml"}
MODES, CADENCES, CFG_MODES = ("comfyui", "steps"), (1, 2, 3, 4), ("full", "once")
GOAL_EVALS, GOAL_WALL, GOAL_FLICKER, GOAL_ADHERENCE = 2.0, 1.8, 1.05, 0.95
GOAL_C3_EVALS, GOAL_C3_FLICKER = 3.0, 1.10


def spec_data(path: Path, frames: int) -> dict[str, Any]:
    from seqsampler.cli.spec.file import load_spec_file

    return {**load_spec_file(path), "frame_count": frames, "formats": [], "upscale": 1}


def render_into(spec: Any, folder: Path) -> Path:
    from seqsampler.cli.run.render import render

    return render(spec, folder, overwrite=True, progress=False).folder.root


def warm_up(data: dict[str, Any], root: Path) -> None:
    """A 3-frame render at cadence 2 before the timed rounds (first calls, lazy imports)."""
    from seqsampler.cli.spec.resolve import resolve_spec

    render_into(resolve_spec({**data, "frame_count": 3, "cadence": 2}), root / "warm-up")


def label(r: dict[str, Any]) -> str:
    return f"{r['denoise_mode']} c{r['cadence']} {r['cfg_mode']}"


def measure_spec(
    name: str, model: Any, counter: Evaluations, frames: int, repeats: int,
    cadences: tuple[int, ...], root: Path,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:  # fmt: skip
    """(our rows, the loop's row) of one spec, every row rendered `repeats` times interleaved."""
    from seqsampler.cli.spec.resolve import resolve_spec

    data = spec_data(SPECS[name], frames)
    base = resolve_spec(data)  # cadence 1: the loop's plan, the settled frames, the camera
    keys = [{"denoise_mode": m, "cadence": c, "cfg_mode": g}
            for m in MODES for c in cadences for g in CFG_MODES]  # fmt: skip
    specs = {label(k): resolve_spec({**data, **k}) for k in keys}
    folders = {key: root / f"{name}-{key.replace(' ', '-')}" for key in [*specs, "peer"]}
    counts: dict[str, list[int]] = {key: [] for key in folders}

    def job(key: str, fn: Any) -> Any:
        def timed() -> None:
            counter.take()
            fn()
            counts[key].append(counter.take())

        return timed

    fns = {key: job(key, lambda s=s, f=folders[key]: render_into(s, f)) for key, s in specs.items()}
    fns["peer"] = job("peer", Peer(model, base, folders["peer"]))
    times = interleaved(fns, repeats, warmup=False)
    the_plan = base.plan()
    matrices = camera_matrices(the_plan, *model.default_size)
    out = []
    for key, k in [*zip(specs, keys, strict=True), ("peer", {})]:
        if len(set(counts[key])) != 1:
            raise RuntimeError(f"{name} {key}: evaluations differ between repeats: {counts[key]}")
        images = load_frames(folders[key])
        out.append({
            "label": key, **k, "evals": counts[key][0] / frames,
            "wall": statistics.median(times[key]) / frames,
            **flicker(images, the_plan, matrices),
            "adherence": adherence(images, the_plan, base.positive),
        })  # fmt: skip
    return out[:-1], {**out[-1], "settled": len(settled_frames(the_plan))}


def judge(rows: list[dict[str, Any]], peer: dict[str, Any]) -> None:
    """Each row's ratios to the loop and to its own cadence 1, and what it misses of goal 1."""
    first = {(r["denoise_mode"], r["cfg_mode"]): r for r in rows if r["cadence"] == 1}
    for r in rows:
        c1 = first[(r["denoise_mode"], r["cfg_mode"])]
        r["evals_x"], r["wall_x"] = peer["evals"] / r["evals"], peer["wall"] / r["wall"]
        r["flicker_x"], r["adherence_x"] = r["flicker"] / peer["flicker"], r["adherence"] / peer["adherence"]  # fmt: skip
        r["c1_evals_x"], r["c1_flicker_x"] = c1["evals"] / r["evals"], r["flicker"] / c1["flicker"]
        r["misses"] = "".join(
            flag for flag, ok in (
                ("E", r["evals_x"] >= GOAL_EVALS), ("W", r["wall_x"] >= GOAL_WALL),
                ("F", r["flicker_x"] <= GOAL_FLICKER), ("A", r["adherence_x"] >= GOAL_ADHERENCE),
            ) if not ok
        ) or "-"  # fmt: skip


# The table's columns: (heading, row key, scale, width, digits); x = loop / row, / = row / other.
COLUMNS = (
    ("evals/f", "evals", 1, 7, 2), ("loop x", "evals_x", 1, 6, 2), ("c1 x", "c1_evals_x", 1, 5, 2),
    ("ms/f", "wall", 1e3, 7, 1), ("loop x", "wall_x", 1, 6, 2), ("flicker", "flicker", 1, 7, 4),
    ("/loop", "flicker_x", 1, 5, 2), ("/c1", "c1_flicker_x", 1, 5, 2),
    ("flowres", "flow_residual", 1, 7, 4), ("adher", "adherence", 1, 5, 3),
    ("/loop", "adherence_x", 1, 5, 2),
)  # fmt: skip


def print_table(name: str, rows: list[dict[str, Any]], peer: dict[str, Any]) -> None:
    print(f"\n# {name}: adherence on {peer['settled']} settled frames")
    print(f"{'row':<18} " + " ".join(f"{h:>{w}}" for h, _, _, w, _ in COLUMNS) + " misses")
    for r in [{**peer, "label": "diffusers loop"}, *rows]:
        cells = [f"{r[k] * scale:{w}.{d}f}" if k in r else " " * w for _, k, scale, w, d in COLUMNS]
        print(f"{r['label']:<18} " + " ".join(cells) + f" {r.get('misses', '')}")


def goals(name: str, rows: list[dict[str, Any]]) -> list[str]:
    """One line per goal: met by which rows, or the nearest row and what it misses."""
    met = [r["label"] for r in rows if r["misses"] == "-"]
    best = max(rows, key=lambda r: (4 - len(r["misses"].strip("-")), r["evals_x"]))
    one = (f"goal 1 met by {', '.join(met)}" if met else
           f"goal 1 MISSED; nearest {best['label']}: evals {best['evals_x']:.2f}x, wall "
           f"{best['wall_x']:.2f}x, flicker {best['flicker_x']:.2f}x, adherence "
           f"{best['adherence_x']:.2f}x of the loop's")  # fmt: skip
    c3 = [r for r in rows if r["cadence"] == 3]
    if not c3:
        return [f"{name}: {one}", f"{name}: goal 2 not measured (no cadence-3 rows)"]
    ok = [r["label"] for r in c3 if r["evals_x"] >= GOAL_C3_EVALS and r["c1_flicker_x"] <= GOAL_C3_FLICKER]  # fmt: skip
    two = ", ".join(f"{r['label']} {r['evals_x']:.2f}x loop / {r['c1_evals_x']:.2f}x c1, flicker "
                    f"{r['c1_flicker_x']:.2f}x c1" for r in c3)  # fmt: skip
    return [f"{name}: {one}", f"{name}: goal 2 {'met by ' + ', '.join(ok) if ok else 'MISSED'}: {two}"]  # fmt: skip


def run(frames: int = 12, repeats: int = 3, plot: Path | None = None,
        cadences: tuple[int, ...] = CADENCES) -> list[Row]:  # fmt: skip
    from seqsampler.models.loader import load_model

    logging.getLogger("seqsampler").setLevel(logging.WARNING)
    torch.set_num_threads(1)
    cadences = tuple(sorted({1, *cadences}))  # the c1 columns compare with cadence 1
    model = load_model()
    counter = Evaluations(model.unet)
    results, lines, out = {}, [], []
    with shared_model(model), tempfile.TemporaryDirectory() as tmp:
        warm_up(spec_data(SPECS["demo"], frames), Path(tmp))
        for name in SPECS:
            rows, peer = measure_spec(name, model, counter, frames, repeats, cadences, Path(tmp))
            judge(rows, peer)
            results[name] = (rows, peer)
    print(f"# pareto: {frames} frames per spec, {repeats} interleaved rounds, 1 thread; {load()}")
    for name, (rows, peer) in results.items():
        print_table(name, rows, peer)
        lines += goals(name, rows)
        best = min(rows, key=lambda r: (r["misses"] != "-", r["evals"]))
        note = f"{best['label']}, misses {best['misses']}"
        out += [Row("pareto", f"{name}: loop / {best['label']}, evals per frame", peer["evals"], best["evals"], "count", note),
                Row("pareto", f"{name}: loop / {best['label']}, wall per frame (median)", peer["wall"], best["wall"])]  # fmt: skip
    print("\n" + "\n".join(lines))
    path = plot or Path(tempfile.gettempdir()) / "seqsampler-pareto.png"
    titles = {f"{n} ({frames} frames)": v for n, v in results.items()}
    print(f"plot: {pareto_png(titles, path)}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=12, help="frames per spec (its first N)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved timing rounds")
    parser.add_argument("--plot", type=Path, default=ROOT / "runs" / "pareto.png")
    parser.add_argument("--cadences", type=int, nargs="*", default=list(CADENCES))
    args = parser.parse_args()
    print(f"# {machine()}")
    run(args.frames, args.repeats, args.plot, tuple(args.cadences))


if __name__ == "__main__":
    main()
