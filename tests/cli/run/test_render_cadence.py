"""`seqsampler render` with cadence (issue 30): the frames between two diffused ones are the
in-between maker's output from the saved neighbours; a run killed while writing a diffused frame
or a frame between resumes to the uninterrupted run's frames bit for bit (test_faults' seeded
kill points); a batch of variants with cadence matches each rendered alone."""

from __future__ import annotations

import json
import os
import signal

import pytest

from seqsampler.cadence_chain import CadenceFrames
from seqsampler.cli import main
from seqsampler.cli.run.writers import load_latent
from seqsampler.coherence import pixel_space_codec
from seqsampler.planning import Plan

from .test_faults import _render_and_die
from .test_render import HAS_EMBEDDED
from .test_render_motion import write_spec

pytestmark = [
    pytest.mark.slow,  # each test renders on the embedded model
    pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are not in assets/"),
]

FRAMES = 7  # cadence 3: diffused 0, 3, 6; frames 1, 2, 4, 5 made between
MOVING = {
    "cadence": 3,
    "zoom": 1.05,
    "angle": 1.0,
    "translation_x": 1.0,
    "noise_warp": True,
    "inject_noise": True,
    "color_coherence": "lab",
}


@pytest.fixture(scope="module")
def cadence_run(tmp_path_factory):
    """(spec path, reference run folder): an uninterrupted render with cadence 3 and motion."""
    root = tmp_path_factory.mktemp("cadence")
    spec = write_spec(root / "spec.toml", "embedded", frames=FRAMES, steps=2, **MOVING)
    reference = root / "reference"
    assert main(["render", str(spec), "--out", str(reference), "-q"]) == 0
    return spec, reference


def latents(out, count=FRAMES):
    return [load_latent(out / "latents" / f"{i:05d}.safetensors") for i in range(count)]


def test_the_frames_between_are_made_from_the_saved_neighbours(cadence_run):
    _, reference = cadence_run
    the_plan = Plan.from_json((reference / "plan.json").read_text())
    assert [f.frame for f in the_plan.frames if f.between is None] == [0, 3, 6]
    made = latents(reference)
    size = (made[0].shape[-1], made[0].shape[-2])  # the embedded model's latent is the image
    maker = CadenceFrames(the_plan, size, pixel_space_codec())
    for frame in the_plan.frames:
        if frame.between is not None:
            a, b = made[frame.between.previous], made[frame.between.next]
            assert maker(frame, a, b).equal(made[frame.frame]), f"frame {frame.frame}"
    lines = (reference / "manifest.jsonl").read_text().splitlines()
    assert [json.loads(line)["frame"] for line in lines] == list(range(FRAMES))


# (I/O event to die at, frames complete after the kill): run files take 8 events, then each
# frame 6 (latent and PNG replaced, 2 each; the manifest line, 2).
KILLS = [
    (26, 3),  # writing frame 3 (diffused): resumes from frame 0, makes 3 again
    (28, 3),  # frame 3's latent written, its PNG not: the same
    (20, 2),  # writing frame 2 (between 0 and 3): resumes from frame 0, 2 and 3 again
    (38, 5),  # writing frame 5 (between 3 and 6): resumes from frame 3, 5 and 6 again
]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="kill points fork the test process")
@pytest.mark.parametrize(("kill_at", "done"), KILLS)
def test_a_kill_at_a_diffused_or_between_frame_resumes_bit_for_bit(
    cadence_run, tmp_path, kill_at, done
):
    spec, reference = cadence_run
    out = tmp_path / "killed"
    args = ["render", str(spec), "--out", str(out), "-q"]
    status = _render_and_die(args, kill_at)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (kill_at, status)
    assert len((out / "manifest.jsonl").read_text().splitlines()) == done
    assert main(args) == 0
    for i in range(FRAMES):
        name = f"frames/{i:05d}.png"
        assert (out / name).read_bytes() == (reference / name).read_bytes(), f"frame {i}"
    assert all(a.equal(b) for a, b in zip(latents(out), latents(reference), strict=True))


def test_a_batch_with_cadence_matches_each_variant_alone(tmp_path):
    from seqsampler.cli.run.render_batch import render_batch
    from seqsampler.cli.sweep.jobs import build_jobs, resolve_jobs

    from ..sweep.helpers import render_alone
    from ..sweep.test_batch import assert_close_frames

    fields = {"cadence": 2, "zoom": 1.05, "noise_warp": True, "color_coherence": "lab"}
    base = {"model": "embedded", "frame_count": 5, "steps": 2, "formats": [], **fields}
    base["prompts"] = "a big red circle in the center, blue background"
    jobs = resolve_jobs(base, build_jobs({}, [{"seed": 1}, {"seed": 2}]), check_model=False)
    outs = [tmp_path / "a", tmp_path / "b"]
    render_batch([j.spec for j in jobs], outs)
    spec = tmp_path / "alone.toml"
    lines = [f"{k} = {json.dumps(v)}" for k, v in base.items()]
    spec.write_text("\n".join(lines) + "\n")
    for seed, out in zip((1, 2), outs, strict=True):
        assert_close_frames(out, render_alone(spec, tmp_path / f"alone{seed}", seed=seed), 5)
