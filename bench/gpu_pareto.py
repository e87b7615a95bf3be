"""The Pareto table's settings on a full-size SD 1.5 UNet (random weights, no download): model
evaluations and wall time per output frame against a diffusers-style img2img loop (issue 30).

On CUDA: bench/gpu.py's SD 1.5 UNet in fp16 at 512x512 (latents [1, 4, 64, 64]; the chain's and
the loop's sampler arithmetic in fp32, the UNet's inputs cast to fp16 at each call, as gpu.py);
without CUDA, gpu.py's tiny UNet in fp32 on the CPU at latent 8x8: a smoke test, its figures are
not GPU figures. Random weights make flicker and adherence meaningless, so only the cost is
measured. The chain: `--frames` frames (default 10), two random prompts (keyframes 0 and 6), the
first frame at denoise 1 and the rest at 0.5, euler, normal schedule, S steps (20 on CUDA, 4
on the CPU), cfg 7, no noise injection; every `denoise_mode` (comfyui, steps) x `cadence` (1-4; the in-betweens a cross-fade
of the latents, no motion) x `cfg_mode` (full, once) of bench/pareto.py runs through the library's
`run_sequence` with a `StandaloneFrameSampler`. The loop (bench/_pareto_peer.py's
`img2img_latent`): per frame the previous frame's latent in, the last round(S d) of S timesteps
of diffusers' `EulerDiscreteScheduler` (SD 1.5's betas), full guidance every step (batch 2), the
prompt in effect (a hard switch at the keyframe), the frame's seed; no VAE (random weights).
Per output frame: evaluations counted at the UNet (batch items: a guided call is 2), wall time
(CUDA-synchronised; the median of `--repeats` interleaved rounds after one warm-up round), and
the ratios: the loop's figure over the row's (`loop x`) and cadence 1's evaluations over the
row's (`c1 x`). bench/gpu.sh runs it after bench/gpu.py.

    PYTHONPATH=src .venv/bin/python bench/gpu_pareto.py [--frames 10] [--steps S] [--repeats R]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from _common import Row, interleaved, load, machine  # noqa: E402
from _pareto_measure import Evaluations  # noqa: E402
from _pareto_peer import img2img_latent  # noqa: E402
from gpu import Setup, build_unet, network_of, setup  # noqa: E402
from pareto import CADENCES, CFG_MODES, MODES, label  # noqa: E402

from seqsampler.conditioning import Conditioning  # noqa: E402
from seqsampler.frame_sampler import StandaloneFrameSampler  # noqa: E402
from seqsampler.models.denoiser import DiscreteDenoiser  # noqa: E402
from seqsampler.planning import Plan, SequenceConfig, plan  # noqa: E402
from seqsampler.sampling import sd_sigma_space  # noqa: E402
from seqsampler.sequence import run_sequence  # noqa: E402

KEYFRAME, CFG, SEED = 6, 7.0, 7


def defaults(cuda: bool) -> dict[str, int]:
    """Steps and rounds: S = 20, 3 rounds on CUDA; S = 4, 2 rounds on the CPU (under a minute)."""
    return {"steps": 20, "repeats": 3} if cuda else {"steps": 4, "repeats": 2}


def chain_plan(frames: int, steps: int, denoise_mode: str, cadence: int) -> Plan:
    """The benchmark's plan: prompts at 0 and KEYFRAME, denoise 1 then 0.5, euler, no inject."""
    config = SequenceConfig(
        seed=SEED, steps=steps, cfg=CFG, sampler_name="euler", scheduler="normal",
        frame_count=frames, cond_keyframes=(0, KEYFRAME), positive_count=2, denoise_start=1.0,
        denoise_seq=0.5, denoise_sine=False, seed_keying=False, inject_noise=False,
        cadence=cadence,
    )  # fmt: skip
    return plan(config, denoise_mode=denoise_mode)


def prompts(s: Setup) -> tuple[list[Conditioning], Conditioning]:
    """Two random positive conditionings [1, 77, D] (seeded) and a zero negative."""
    g = torch.Generator().manual_seed(SEED)
    positive = [Conditioning(torch.randn(1, 77, s.width, generator=g)) for _ in range(2)]
    return positive, Conditioning(torch.zeros(1, 77, s.width))


def sd15_euler() -> Any:
    """diffusers' EulerDiscreteScheduler with SD 1.5's betas (the loop's scheduler)."""
    from diffusers import EulerDiscreteScheduler

    return EulerDiscreteScheduler(
        num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012,
        beta_schedule="scaled_linear", timestep_spacing="leading", steps_offset=1,
    )  # fmt: skip


class Loop:
    """The img2img loop on latents (call it to make every frame of the cadence-1 plan)."""

    def __init__(self, unet: Any, s: Setup, the_plan: Plan, positive: list, negative: Any):
        self.s, self.plan, self.sched = s, the_plan, sd15_euler()
        self.eps = lambda x, t, c: unet(x.to(s.dtype), t, encoder_hidden_states=c).sample.to(x)
        to = dict(device=s.device, dtype=s.dtype)
        self.conds = [torch.cat([negative.tokens, p.tokens]).to(**to) for p in positive]

    def __call__(self) -> None:
        size, config = self.s.size, self.plan.config
        x = torch.zeros(1, 4, size, size, device=self.s.device)  # unused at d = 1 (frame 0)
        for f in self.plan.frames:
            cond = self.conds[f.positive]
            x = img2img_latent(self.eps, self.sched, x, f.denoise, f.seed, cond, CFG, config.steps)
        self.s.sync()


def jobs(unet: Any, s: Setup, frames: int, steps: int, cadences: tuple[int, ...]) -> dict:
    """{row label: a callable rendering the chain once} for every setting, and "loop"."""
    network = network_of(unet, s)
    positive, negative = prompts(s)
    init = torch.zeros(1, 4, s.size, s.size, device=s.device)
    out: dict[str, Any] = {}
    for m in MODES:
        for c in cadences:
            for g in CFG_MODES:
                the_plan = chain_plan(frames, steps, m, c)
                denoiser = DiscreteDenoiser(network, sd_sigma_space())
                fs = StandaloneFrameSampler(denoiser, "euler", "normal", cfg_mode=g)

                def render(p: Plan = the_plan, fs: Any = fs) -> None:
                    run_sequence(p, fs, positive, [negative], init, collect=False)
                    s.sync()

                out[label({"denoise_mode": m, "cadence": c, "cfg_mode": g})] = render
    out["loop"] = Loop(unet, s, chain_plan(frames, steps, "comfyui", 1), positive, negative)
    return out


def measure(fns: dict[str, Any], counter: Evaluations, frames: int, repeats: int) -> dict:
    """{label: (evaluations per frame, median seconds per frame)}; evaluations equal per round."""
    counts: dict[str, list[int]] = {key: [] for key in fns}

    def counted(key: str) -> Any:
        def fn() -> None:
            counter.take()
            fns[key]()
            counts[key].append(counter.take())

        return fn

    times = interleaved({key: counted(key) for key in fns}, repeats)
    for key, seen in counts.items():
        if len(set(seen)) != 1:
            raise RuntimeError(f"{key}: evaluations differ between rounds: {seen}")
    return {key: (counts[key][0] / frames, statistics.median(times[key]) / frames) for key in fns}


def c1_label(key: str) -> str:
    """The cadence-1 row of row `key` ("steps c3 once" -> "steps c1 once"; "loop" itself)."""
    parts = key.split()
    return " ".join([parts[0], "c1", *parts[2:]]) if len(parts) == 3 else key


def print_table(results: dict[str, tuple[float, float]]) -> None:
    """One line per row: evaluations and ms per frame, the loop's over the row's, and cadence
    1's evaluations over the row's (same mode and cfg_mode)."""
    loop_e, loop_w = results["loop"]
    print(f"{'row':<18} {'evals/f':>7} {'loop x':>6} {'c1 x':>5} {'ms/f':>8} {'loop x':>6}")
    for key, (e, w) in results.items():
        c1 = results[c1_label(key)][0]
        name = "diffusers loop" if key == "loop" else key
        cells = f"{e:7.2f} {loop_e / e:6.2f} {c1 / e:5.2f} {1e3 * w:8.2f} {loop_w / w:6.2f}"
        print(f"{name:<18} {cells}")


def run(
    frames: int = 10, steps: int | None = None, repeats: int | None = None,
    cadences: tuple[int, ...] = CADENCES,
) -> list[Row]:  # fmt: skip
    """Builds the UNet for this machine (`gpu.setup`), measures every row, prints the table;
    `steps` and `repeats` None: `defaults`."""
    s = setup(torch.cuda.is_available())
    if frames <= KEYFRAME:
        raise ValueError(f"frames: got {frames}; accepted: more than {KEYFRAME} (a keyframe)")
    steps = defaults(s.cuda)["steps"] if steps is None else steps
    repeats = defaults(s.cuda)["repeats"] if repeats is None else repeats
    unet = build_unet(s)
    counter = Evaluations(unet)
    cadences = tuple(sorted({1, *cadences}))
    results = measure(jobs(unet, s, frames, steps, cadences), counter, frames, repeats)
    device = torch.cuda.get_device_name() if s.cuda else "cpu"
    note = "" if s.cuda else " (CPU smoke test: these are NOT GPU figures)"
    print(f"# gpu_pareto: {s.what} on {device}{note}; {frames} frames, keyframe {KEYFRAME}, "
          f"denoise 1 then 0.5, S={steps}, cfg {CFG:g}, euler; {repeats} interleaved rounds; "
          f"{load()}")  # fmt: skip
    print_table(results)
    loop_e, loop_w = results["loop"]
    return [
        Row("gpu_pareto", f"loop / {key}, per frame, {s.what}", loop_w, w, "s",
            f"evals {loop_e:.1f} / {e:.1f}")
        for key, (e, w) in results.items() if key != "loop"
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=10)
    parser.add_argument("--steps", type=int, help="default 20 on CUDA, 4 on the CPU")
    parser.add_argument("--repeats", type=int, help="default 3 on CUDA, 2 on the CPU")
    parser.add_argument("--cadences", type=int, nargs="+", default=list(CADENCES))
    args = parser.parse_args()
    print("#", machine())
    run(args.frames, args.steps, args.repeats, tuple(args.cadences))


if __name__ == "__main__":
    main()
