"""bench/pareto.py's peer (bench/_pareto_peer.py): the diffusers img2img loop on the embedded
UNet runs round(S d) guided steps per frame (batch 2: uncond and cond), counted at the UNet."""

from __future__ import annotations

import numpy as np
import pytest
from bench_modules import load_bench

from seqsampler.cli.spec.resolve import resolve_spec
from seqsampler.models.loader import load_model


@pytest.fixture(scope="module")
def peer_module():
    return load_bench("_pareto_peer")


@pytest.mark.slow  # diffusers' import and 15 UNet calls: ~15 s on a loaded 2-core machine
def test_peer_runs_round_s_d_guided_steps_per_frame(peer_module, tmp_path):
    # S = 7, d = 0.5: round(3.5) = 4 steps (int(), as StableDiffusionImg2ImgPipeline has it, 3)
    spec = resolve_spec({
        "model": "embedded", "frame_count": 3, "steps": 7, "cfg": 4.0, "sampler_name": "euler",
        "scheduler": "karras", "seed": 7, "denoise_start": 1.0, "denoise_seq": 0.5,
        "zoom": 1.05, "prompts": {"0": "a big red circle in the center, blue background"},
    })  # fmt: skip
    model = load_model()
    batches: list[int] = []
    model.unet.register_forward_pre_hook(lambda module, args: batches.append(args[0].shape[0]))
    peer = peer_module.Peer(model, spec, tmp_path)
    per_frame: list[int] = []
    inner = peer.img2img

    def counted(*args, **kwargs):
        before = len(batches)
        out = inner(*args, **kwargs)
        per_frame.append(len(batches) - before)
        return out

    peer.img2img = counted
    peer()
    assert [peer_module.peer_steps(7, d) for d in (1.0, 0.5)] == [7, 4]
    assert per_frame == [7, 4, 4]
    assert set(batches) == {2}  # full guidance: every step one call of cond and uncond
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == [
        "00000.png",
        "00001.png",
        "00002.png",
    ]
    assert all(m is not None and not np.allclose(m, np.eye(3)) for m in peer.matrices[1:])
