"""What a render prints: the plan once as a compact table before the bars (every frame with
-v), nothing at all with -q (no plan, no bars, no weight-loading bar)."""

import pytest

from seqsampler.cli.app import main
from seqsampler.cli.run.plan_summary import plan_summary
from seqsampler.cli.spec.resolve import resolve_spec
from seqsampler.planning import plan

SPEC = (
    'prompts = {"0" = "a big red circle", "2" = "a big blue square"}\nframe_count = 4\nsteps = 2\n'
)


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(SPEC)
    return path


@pytest.fixture(autouse=True)
def _bars_back():
    yield
    import diffusers.utils.logging
    import transformers.utils.logging

    transformers.utils.logging.enable_progress_bar()
    diffusers.utils.logging.enable_progress_bar()


def test_plan_summary_is_one_row_per_prompt_run():
    the_plan = plan(resolve_spec({"prompts": {"0": "a", "8": "b"}, "frame_count": 12}).config)
    lines = plan_summary(the_plan).splitlines()
    assert lines[0].startswith("plan: 12 frames, keyframes [8], ")
    assert [line.split()[0] for line in lines[1:]] == ["frames", "0", "1-7", "8-11"]


@pytest.mark.slow
def test_quiet_prints_nothing_but_the_outputs(spec, tmp_path, capfd):
    assert main(["render", str(spec), "--out", str(tmp_path / "q"), "-q"]) == 0
    out, err = capfd.readouterr()
    assert err == ""
    assert out.splitlines()[0] == str(tmp_path / "q")


@pytest.mark.slow
def test_the_plan_is_logged_once_before_the_bars(spec, tmp_path, capfd):
    assert main(["render", str(spec), "--out", str(tmp_path / "n")]) == 0
    err = capfd.readouterr().err
    assert err.count("plan: 4 frames, keyframes [2]") == 1 and "frame 1:" not in err
    assert err.index("plan: 4 frames") < err.index("frames:")  # the frames bar
    summary = err[err.index("plan: ") :].splitlines()[:4]
    assert [line.split()[0] for line in summary[1:]] == ["frames", "0", "1"]

    assert main(["-v", "render", str(spec), "--out", str(tmp_path / "v")]) == 0
    err = capfd.readouterr().err
    assert err.count("  frame 3: prompt 1/0") == 1
    assert err.index("  frame 3:") < err.index("frames:")
