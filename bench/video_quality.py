"""Video input on inputs no one tuned to: does the output follow the input's motion, and how
much less does `hybrid` flicker than `independent` (docs/quality.md "Video input")?

Two synthetic inputs, written as H.264 at 64x64 and rendered at the embedded model's 32x32
(so the reader's resize is part of the chain): `square` (a textured red square moving on a
textured blue background along a diagonal, 1.5 px a frame at 64) and `pan` (a pan, (1.0, 0.5)
px a frame at 64, over a textured image holding a red disc). Both modes render each input with
the same seed, steps, denoise and strength; every later frame's input is `independent` (the
input frame alone) or `hybrid` (the previous output carried along the input's flow, blended
with the input frame by `video_strength`).

Per run: the tracked centroid of the red shape (pixels closer to the input shape's mean colour
than to the background's) against the input's, in px at 32x32 (mean and max over frames), and
the flicker measures of `seqsampler metrics` (`flow_residual`: the mean |frame - previous frame
carried by DIS optical flow| / 255, and `change`). `--gif PATH` writes input | independent |
hybrid side by side.

`--noise both` (the default) renders each mode twice, without and with `noise_warp` (the sampling
noise carried along the input's flow, `video_noise.py`; `+nw` in the tables); `--noise off` or
`on` renders one of them. `--sampler` picks the sampler (euler_ancestral by default, whose
per-step noise noise_warp moves too, behaviour.md §13; `euler` has none).

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/video_quality.py [--frames 48] [--denoise 0.5] [--noise both] [--sampler euler_ancestral] [--gif docs/video_hybrid.gif]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import load  # noqa: E402

SOURCE = 64  # the input's side
SIZE = 32  # the embedded model's side
RED, BLUE = (200, 40, 40), (40, 60, 190)
PROMPT = "a small red square, blue background"
PROMPTS = {"square": PROMPT, "pan": "a small red circle, blue background"}


@dataclass(frozen=True)
class Settings:
    """What both modes share: frames, steps, seed, denoise (every frame), strength, cfg."""

    frames: int = 48
    steps: int = 10
    seed: int = 5
    denoise: float = 0.5
    strength: float = 0.5
    cfg: float = 4.0
    sampler: str = "euler_ancestral"
    noise: str = "both"  # noise_warp: off, on or both

    def runs(self) -> list[tuple[str, bool]]:
        """(mode, noise_warp) of every run, in table order."""
        warps = {"off": [False], "on": [True], "both": [False, True]}[self.noise]
        return [(mode, warp) for mode in ("independent", "hybrid") for warp in warps]


def _texture(rng: np.random.Generator, height: int, width: int, amplitude: float) -> np.ndarray:
    """float [H, W, 1]: smooth noise of 4-px cells in [-amplitude, amplitude] (bicubic)."""
    import cv2

    cells = rng.uniform(-1, 1, (height // 4 + 3, width // 4 + 3)).astype(np.float32)
    big = cv2.resize(cells, (cells.shape[1] * 4, cells.shape[0] * 4), interpolation=cv2.INTER_CUBIC)  # fmt: skip
    return (big[4 : 4 + height, 4 : 4 + width] * amplitude)[..., None]


def _paint(base: tuple[int, int, int], texture: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(base, np.float32) + texture, 0, 255)


def square_input(frames: int, seed: int = 0) -> tuple[list[np.ndarray], list[tuple[float, float]]]:
    """A textured red square of 20 px moving 1.5 px a frame along a diagonal (bouncing inside
    the frame) on a textured blue background; the frames (uint8 [64, 64, 3]) and the square's
    centre per frame (x, y) in pixels at 64."""
    rng = np.random.default_rng(seed)
    background = _paint(BLUE, _texture(rng, SOURCE, SOURCE, 30))
    side = 20
    square = _paint(RED, _texture(rng, side, side, 30))
    out, centres = [], []
    span = SOURCE - side - 4
    for t in range(frames):
        position = 2 + (1.5 * t) % (2 * span)
        x = position if position <= span else 2 * span - position
        y = 6 + 0.5 * x
        frame = background.copy()
        x0, y0 = int(round(x)), int(round(y))
        frame[y0 : y0 + side, x0 : x0 + side] = square
        out.append(frame.round().astype(np.uint8))
        centres.append((x0 + side / 2 - 0.5, y0 + side / 2 - 0.5))
    return out, centres


def pan_input(frames: int, seed: int = 0) -> tuple[list[np.ndarray], list[tuple[float, float]]]:
    """A pan of (1.0, 0.5) px a frame at 64 over a textured blue image with a red disc of radius
    10 (the content moves left and up); the frames and the disc's centre per frame."""
    import cv2

    rng = np.random.default_rng(seed)
    width, height = SOURCE + frames + 2, SOURCE + frames // 2 + 2
    image = _paint(BLUE, _texture(rng, height, width, 30))
    disc = np.zeros((height, width), np.uint8)
    cx, cy = SOURCE * 0.5 + frames * 0.5, SOURCE * 0.5 + frames * 0.25
    cv2.circle(disc, (int(cx), int(cy)), 10, 1, -1)
    image = np.where(disc[..., None] > 0, _paint(RED, _texture(rng, height, width, 30)), image)
    image = image.round().astype(np.uint8)
    out, centres = [], []
    for t in range(frames):
        x0, y0 = t * 1.0, t * 0.5
        matrix = np.float32([[1, 0, -x0], [0, 1, -y0]])
        out.append(cv2.warpAffine(image, matrix, (SOURCE, SOURCE), flags=cv2.INTER_LINEAR))
        centres.append((int(cx) - x0, int(cy) - y0))
    return out, centres


def write_input(path: Path, frames: list[np.ndarray], fps: int = 24) -> Path:
    """H.264 (crf 12, yuv420p) at `fps`."""
    import av

    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"crf": "12"})
        stream.width, stream.height, stream.pix_fmt = SOURCE, SOURCE, "yuv420p"
        for image in frames:
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def render(
    model: Any, path: Path, mode: str, settings: Settings, prompt: str, **overrides: Any
) -> list[np.ndarray]:
    """The embedded model's frames (uint8 [32, 32, 3]) following the video at `path`
    (`overrides`: more SequenceConfig fields, for bench/video_diagnosis.py)."""
    import torch

    from seqsampler import SequenceConfig, plan, run_sequence
    from seqsampler.camera import chain_feedback
    from seqsampler.cli.run.writers import to_uint8
    from seqsampler.coherence import pixel_space_codec
    from seqsampler.frame_sampler import StandaloneFrameSampler
    from seqsampler.video import open_video
    from seqsampler.video_chain import StreamedFrames, VideoFeedback, video_init
    from seqsampler.video_noise import noise_warp

    fields = dict(
        frame_count=settings.frames, steps=settings.steps, cfg=settings.cfg, seed=settings.seed,
        seed_keying=False, denoise_sine=False, denoise_start=settings.denoise,
        denoise_seq=settings.denoise, init_video=str(path), video_mode=mode,
        video_strength=settings.strength, sampler_name=settings.sampler, scheduler="karras",
    )  # fmt: skip
    config = SequenceConfig(**{**fields, **overrides})
    the_plan = plan(config)
    frames = StreamedFrames(open_video(path), (SIZE, SIZE))
    codec = pixel_space_codec()
    feedback = chain_feedback(None, None, VideoFeedback(the_plan, frames, codec))
    init = video_init(the_plan, frames, codec)
    noise = noise_warp(the_plan, (SIZE, SIZE), StreamedFrames(open_video(path), (SIZE, SIZE)))
    sampler = StandaloneFrameSampler(model.denoiser, config.sampler_name, config.scheduler)
    positive, negative = [model.encode_prompt(prompt)], [model.encode_prompt("")]
    with torch.no_grad():
        out = run_sequence(
            the_plan, sampler, positive, negative, init, feedback=feedback, noise=noise
        )
    return [to_uint8(model.decode(out[i : i + 1])[0]) for i in range(out.shape[0])]


def resized(frames: list[np.ndarray]) -> list[np.ndarray]:
    """The input frames at the render size, as the reader gives them (area average)."""
    import cv2

    return [cv2.resize(f, (SIZE, SIZE), interpolation=cv2.INTER_AREA) for f in frames]


def centroid(frame: np.ndarray, shape: np.ndarray, background: np.ndarray) -> tuple[float, float]:
    """(x, y) of the pixels nearer (RGB) to `shape`'s colour than to `background`'s."""
    pixels = frame.astype(np.float32)
    near = ((pixels - shape) ** 2).sum(-1) < ((pixels - background) ** 2).sum(-1)
    if not near.any():
        return float("nan"), float("nan")
    ys, xs = np.nonzero(near)
    return float(xs.mean()), float(ys.mean())


def tracking_error(
    output: list[np.ndarray], inputs: list[np.ndarray], centres: list[tuple[float, float]]
) -> list[float]:
    """Per frame, the distance in px (at 32) between the output's red centroid and the input's
    shape centre."""
    scale = SIZE / SOURCE
    small = resized(inputs)
    errors = []
    for frame, source, (cx, cy) in zip(output, small, centres, strict=True):
        truth = np.array([(cx + 0.5) * scale - 0.5, (cy + 0.5) * scale - 0.5])
        red = source.reshape(-1, 3)[np.abs(source.reshape(-1, 3).astype(int) - RED).sum(1) < 150]
        blue = source.reshape(-1, 3)[np.abs(source.reshape(-1, 3).astype(int) - BLUE).sum(1) < 150]
        x, y = centroid(frame, red.mean(0), blue.mean(0))
        errors.append(float(np.hypot(x - truth[0], y - truth[1])))
    return errors


def flicker(frames: list[np.ndarray]) -> dict[str, float]:
    """`seqsampler metrics`' mean flow residual and mean change over the frames."""
    from seqsampler.metrics import sequence_metrics

    summary = sequence_metrics(frames)["summary"]
    return {"flow_residual": summary["flow_residual"]["mean"], "change": summary["change"]["mean"]}


def measure(settings: Settings, folder: Path) -> dict[str, dict[str, Any]]:
    """Both inputs in both modes: frames, tracking errors, flicker."""
    from seqsampler.models.loader import load_model

    model = load_model(None)
    results: dict[str, dict[str, Any]] = {}
    for name, make in (("square", square_input), ("pan", pan_input)):
        frames, centres = make(settings.frames)
        path = write_input(folder / f"{name}.mp4", frames)
        results[name] = {"input": resized(frames), "input_flicker": flicker(resized(frames))}
        for mode, warp in settings.runs():
            output = render(model, path, mode, settings, PROMPTS[name], noise_warp=warp)
            results[name][run_name(mode, warp)] = {
                "frames": output,
                "errors": tracking_error(output, frames, centres),
                "flicker": flicker(output),
            }
    return results


def run_name(mode: str, warp: bool) -> str:
    """A run's key and column: the mode, `+nw` with noise_warp."""
    return f"{mode}+nw" if warp else mode


def tables(results: dict[str, dict[str, Any]], settings: Settings) -> str:
    names = [run_name(mode, warp) for mode, warp in settings.runs()]
    lines = [
        f"# video_quality: embedded model {SIZE}x{SIZE}, {settings.frames} frames, steps "
        f"{settings.steps}, denoise {settings.denoise}, video_strength {settings.strength}, "
        f"seed {settings.seed}, {settings.sampler}; {load()}",
        "",
        "| input | run | centroid error mean (px) | max (px) | frames within 2 px | flow_residual | change |",
        "|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for name, result in results.items():
        lines.append(f"| {name} | input | | | | {result['input_flicker']['flow_residual']:.4f} | {result['input_flicker']['change']:.4f} |")  # fmt: skip
        for run in names:
            e, f = np.array(result[run]["errors"]), result[run]["flicker"]
            lines.append(f"| {name} | {run} | {e.mean():.2f} | {e.max():.2f} | {(e <= 2).sum()}/{len(e)} | {f['flow_residual']:.4f} | {f['change']:.4f} |")  # fmt: skip
    pairs = [(b, a) for b in names if b.startswith("hybrid") for a in names if a.startswith("independent")]  # fmt: skip
    lines += ["", "| input | " + " | ".join(f"{b} / {a}" for b, a in pairs) + " |", "|---" * (len(pairs) + 1) + "|"]  # fmt: skip
    for name, result in results.items():
        cells = []
        for b, a in pairs:
            ratio = result[b]["flicker"]["flow_residual"] / result[a]["flicker"]["flow_residual"]
            cells.append(f"{ratio:.3f} ({(1 - ratio) * 100:.1f}% lower)")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def side_by_side_gif(results: dict[str, dict[str, Any]], path: Path, scale: int = 4) -> None:
    """One row per input: input | independent | hybrid (hybrid+nw where it was rendered: the
    goal's pair, issue 31), each `scale` x nearest, 8 fps."""
    from seqsampler.cli.run.videos import write_video

    rows = []
    for result in results.values():
        runs = [k for k in result if k.startswith(("independent", "hybrid"))]
        independent = "independent" if "independent" in runs else runs[0]
        hybrid = next(name for name in ("hybrid+nw", "hybrid", runs[-1]) if name in runs)
        panels = [result["input"], result[independent]["frames"], result[hybrid]["frames"]]
        gap = np.full((SIZE, 2, 3), 255, np.uint8)
        rows.append([np.concatenate([p, gap, q, gap, r], 1) for p, q, r in zip(*panels, strict=True)])  # fmt: skip
    frames = [np.concatenate([row[i] for row in rows], 0) for i in range(len(rows[0]))]
    frames = [f.repeat(scale, 0).repeat(scale, 1) for f in frames]
    write_video(path, frames, 8, "gif")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=Settings.frames)
    parser.add_argument("--steps", type=int, default=Settings.steps)
    parser.add_argument("--denoise", type=float, default=Settings.denoise)
    parser.add_argument("--strength", type=float, default=Settings.strength)
    parser.add_argument("--sampler", default=Settings.sampler)
    parser.add_argument("--noise", choices=("off", "on", "both"), default=Settings.noise)
    parser.add_argument("--gif", type=Path, help="write input | independent | hybrid here")
    args = parser.parse_args()
    settings = Settings(
        args.frames, args.steps, denoise=args.denoise, strength=args.strength,
        sampler=args.sampler, noise=args.noise,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        results = measure(settings, Path(tmp))
    print(tables(results, settings))
    if args.gif:
        side_by_side_gif(results, args.gif)
        print(f"wrote {args.gif}")


if __name__ == "__main__":
    main()
