"""Small things: --version, did-you-mean for unknown flags, GIF timing, the contact sheet's
labels, the chart's constant cfg line, the message for prompt keys past the last frame."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest
from PIL import Image

from seqsampler import __version__
from seqsampler.cli import main
from seqsampler.cli.run.videos import gif_starts, write_video
from seqsampler.cli.run.writers import CHANGE_COLOUR, contact_sheet
from seqsampler.cli.spec.resolve import resolve_spec
from seqsampler.cli.view.chart import CFG_COLOUR, STEPS_COLOUR, panel_rows, plan_chart
from seqsampler.planning import plan

from .run.test_writers import clip


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"seqsampler {__version__}\n"


def test_unknown_flag_suggests_the_nearest_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["plan", str(tmp_path / "s.toml"), "--cfgg", "3"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean --cfg?" in err
    assert err.startswith("seqsampler: error: unrecognized arguments: --cfgg")


@pytest.mark.parametrize("fps", [3, 7, 8, 12, 24, 30, 60])
@pytest.mark.parametrize("count", [5, 13])
def test_gif_plays_at_fps_on_average(tmp_path, fps, count):
    path = tmp_path / "v.gif"
    write_video(path, clip(count), fps, "gif")
    with Image.open(path) as image:
        delays = []
        for i in range(image.n_frames):
            image.seek(i)
            delays.append(image.info["duration"] // 10)  # Pillow gives ms; GIF stores cs
    assert len(delays) == count
    assert abs(sum(delays) - round(100 * count / fps)) <= 1
    assert set(delays) <= {math.floor(100 / fps), math.ceil(100 / fps)}


def test_gif_starts_track_the_exact_times():
    assert gif_starts(4, 8) == [0, 12, 25, 38, 50]  # delays 12, 13, 13, 12: 12.5 cs on average
    assert gif_starts(3, 240) == [0, 1, 2, 3]  # faster than GIF can show: 1 cs each


def test_contact_sheet_numbers_tiles_and_marks_prompt_changes():
    frames = clip(5)
    sheet = contact_sheet(frames, columns=3, prompts=[0, 0, 1, 1, 2])
    assert sheet.shape == (2 * 18 + 2, 3 * 18 + 2, 3)

    def tile(i):
        r, c = divmod(i, 3)
        y, x = 2 + r * 18, 2 + c * 18
        return sheet[y : y + 16, x : x + 16]

    for i in range(5):
        changed = i in (2, 4)
        assert (tuple(tile(i)[0, 0]) == CHANGE_COLOUR) == changed, i
        # the number's label box covers the bottom-left corner, with light text in it
        corner = tile(i)[-8:, 1:8].reshape(-1, 3)
        assert not np.array_equal(corner, np.broadcast_to(frames[i][-1, 1], corner.shape))
        assert (corner.min(axis=1) > 150).any()  # light text (anti-aliased)
    plain = contact_sheet(frames, columns=3)
    assert tuple(plain[2, 2 + 2 * 18]) != CHANGE_COLOUR


def test_chart_shows_a_constant_cfg_line_beside_constant_steps(tmp_path):
    spec = resolve_spec({"prompts": "a red circle", "frame_count": 6, "cfg": 5, "steps": 4})
    path = tmp_path / "chart.png"
    plan_chart(plan(spec.config), spec.positive, path)
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB"))
    top, bottom = panel_rows(2)
    panel = pixels[top:bottom]
    cfg_rows = np.nonzero((panel == CFG_COLOUR).all(axis=2).sum(axis=1) > 100)[0]
    steps_rows = np.nonzero((panel == STEPS_COLOUR).all(axis=2).sum(axis=1) > 100)[0]
    assert len(cfg_rows) and len(steps_rows)  # both lines drawn across the panel
    assert set(cfg_rows).isdisjoint(steps_rows)  # at different heights


def test_ignored_prompt_keys_are_named_as_written(tmp_path, caplog):
    (tmp_path / "s.toml").write_text(
        'frame_count = 24\n[prompts]\n"0" = "a red circle"\n"8" = "a blue square"\n'
        '"40" = "a green triangle"\n'
    )
    with caplog.at_level(logging.INFO):
        assert main(["plan", str(tmp_path / "s.toml"), "--format", "table"]) == 0
    messages = [r.getMessage() for r in caplog.records if "ignoring" in r.getMessage()]
    assert messages == [
        "ignoring prompts key '40': at or after frame_count 24 (the last frame is 23)"
    ]
