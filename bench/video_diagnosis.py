"""Why `hybrid` flickers less than `independent` on the moving square but not on the pan
(bench/video_quality.py's inputs and settings; docs/quality.md "Video input"): each suspect
isolated, one at a time.

1. The flow and its mask as the hybrid input computes them (flow.MIN_SIDE), on the input frames
   at 32x32 (no model): the mean backward flow
   (current -> previous input frame) against the true motion, the share of pixels the
   forward-backward test and the photometric test call reliable, and the mean |error| of the
   previous input frame warped onto the current one against not warping it.
2. The carry alone (no model, no blend): input frame 0 carried along the input's flow frame
   after frame, warped alone and as the hybrid's composite (the input pasted where the flow is
   unreliable): its tracked centroid error and flicker (does the carry follow the motion?).
3. The chain, `independent` against `hybrid` (flow_residual and centroid error) with one thing
   changed at a time: the mask off (the carried output everywhere), video_strength 0 (no blend),
   colour coherence to the input frames (lab), a deterministic sampler (euler: no fresh noise
   per step), one seed for every frame (seed_mode_seq fixed: the same noise every frame).

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/video_diagnosis.py [--frames 16]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import video_quality as vq  # noqa: E402
from _common import load  # noqa: E402

INPUTS = {"square": vq.square_input, "pan": vq.pan_input}
# (label, SequenceConfig overrides, mask off)
VARIANTS: tuple[tuple[str, dict[str, Any], bool], ...] = (
    ("as measured (euler_ancestral, seed +1 a frame)", {}, False),
    ("mask off: carried output everywhere", {}, True),
    ("video_strength 0 (no blend)", {"video_strength": 0.0}, False),
    (
        "colour coherence lab, source video",
        {"color_coherence": "lab", "color_coherence_source": "video"},
        False,
    ),  # fmt: skip
    ("sampler euler (no per-step noise)", {"sampler_name": "euler"}, False),
    ("seed_mode_seq fixed (same noise every frame)", {"seed_mode_seq": "fixed"}, False),
)


def input_frames(path: Path) -> list[Any]:
    """The input frames as the chain reads them: [1, 3, 32, 32] in [0, 1]."""
    from seqsampler.video import open_video

    return list(open_video(path).frames(vq.SIZE, vq.SIZE))


def flow_checks(frames: list[Any]) -> dict[str, float]:
    """Part 1 over every consecutive pair: mean flow (x, y), reliable shares, warp errors."""
    from seqsampler.video.flow import (
        MIN_SIDE,
        consistency_mask,
        optical_flow,
        photometric_mask,
        warp_by_flow,
    )

    rows = []
    for prev, cur in zip(frames, frames[1:], strict=False):
        back, forward = optical_flow(cur, prev, min_side=MIN_SIDE), optical_flow(prev, cur, min_side=MIN_SIDE)  # fmt: skip
        consistent = consistency_mask(back, forward)
        photometric = photometric_mask(warp_by_flow(prev, back), cur)
        rows.append([*back.reshape(-1, 2).mean(0).tolist(), consistent.float().mean().item(),
                     photometric.float().mean().item(), (consistent & photometric).float().mean().item(),
                     (warp_by_flow(prev, back) - cur).abs().mean().item(), (prev - cur).abs().mean().item()])  # fmt: skip
    keys = ("flow_x", "flow_y", "consistent", "photometric", "reliable", "err_warped", "err_still")
    return dict(zip(keys, np.mean(rows, 0).tolist(), strict=True))


def carried(frames: list[Any], composite: bool) -> list[np.ndarray]:
    """Part 2: input frame 0 carried along the input's flow, frame after frame (uint8 frames):
    warped alone, or the hybrid's composite (the input pasted where the flow is unreliable)."""
    from seqsampler.cli.run.writers import to_uint8
    from seqsampler.video.flow import MIN_SIDE, optical_flow, warp_by_flow
    from seqsampler.video.hybrid import hybrid_parts

    x, out = frames[0], [to_uint8(frames[0][0])]
    for prev, cur in zip(frames, frames[1:], strict=False):
        if composite:
            x = hybrid_parts(x, prev, cur).composite
        else:
            x = warp_by_flow(x, optical_flow(cur, prev, min_side=MIN_SIDE))
        out.append(to_uint8(x[0]))
    return out


@contextlib.contextmanager
def mask_off(on: bool) -> Iterator[None]:
    """The ablation: every pixel reliable, the composite = the carried previous output."""
    from seqsampler.video import hybrid

    original = hybrid.hybrid_parts

    def everywhere(*args: Any, **kwargs: Any) -> Any:
        parts = original(*args, **kwargs)
        return hybrid.HybridParts(parts.warped, parts.reliable | True, parts.warped)

    if on:
        hybrid.hybrid_parts = everywhere  # type: ignore[assignment]
    try:
        yield
    finally:
        hybrid.hybrid_parts = original  # type: ignore[assignment]


def main() -> None:
    from seqsampler.models.loader import load_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=16)
    args = parser.parse_args()
    settings = vq.Settings(frames=args.frames)
    print(f"# video_diagnosis: embedded model {vq.SIZE}x{vq.SIZE}, {settings.frames} frames, "
          f"steps {settings.steps}, denoise {settings.denoise}, video_strength "
          f"{settings.strength}, seed {settings.seed}; {load()}")  # fmt: skip
    model = load_model(None)
    chain_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in INPUTS.items():
            frames, centres = make(settings.frames)
            path = vq.write_input(Path(tmp) / f"{name}.mp4", frames)
            ins = input_frames(path)
            f = flow_checks(ins)
            print(f"{name}: mean backward flow ({f['flow_x']:.3f}, {f['flow_y']:.3f}) px; reliable: consistent {f['consistent']:.2f}, photometric {f['photometric']:.2f}, both {f['reliable']:.2f}; |warped prev - cur| {f['err_warped']:.4f}, |prev - cur| {f['err_still']:.4f}")  # fmt: skip
            for way, composite in (("warped alone", False), ("the hybrid composite", True)):
                carry = carried(ins, composite)
                e = np.array(vq.tracking_error(carry, frames, centres))
                print(f"{name}: input frame 0 carried, {way}: centroid error mean {e.mean():.2f}, max {e.max():.2f} px; flow_residual {vq.flicker(carry)['flow_residual']:.4f}")  # fmt: skip
            base = None
            for label, overrides, off in VARIANTS:
                row = [name, label]
                for mode in ("independent", "hybrid"):
                    with mask_off(off and mode == "hybrid"):
                        out = vq.render(model, path, mode, settings, vq.PROMPTS[name], **overrides)  # fmt: skip
                    e = np.array(vq.tracking_error(out, frames, centres))
                    row += [vq.flicker(out)["flow_residual"], e.mean(), e.max()]
                base = row[2] if base is None else base
                chain_rows.append([*row, base])
    print("\n| input | variant | flow_residual: independent | hybrid | hybrid / independent | hybrid / independent as measured | centroid error mean (max), px: independent | hybrid |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name, label, fi, ei, mi, fh, eh, mh, base in chain_rows:
        print(f"| {name} | {label} | {fi:.4f} | {fh:.4f} | {fh / fi:.2f} | {fh / base:.2f} | {ei:.2f} ({mi:.2f}) | {eh:.2f} ({mh:.2f}) |")  # fmt: skip


if __name__ == "__main__":
    main()
