"""`plan` and `render --dry-run` refuse exactly what `render` refuses, before any model work:
unknown prompt words, samplers the standalone engine lacks, prompts over the tokenizer's length."""

import logging

import pytest

from seqsampler.cli.app import main
from seqsampler.sampling import SAMPLERS

TOO_LONG = " ".join(["a big red circle"] * 6)  # 24 words; the embedded model takes 22
CASES = [
    (["--prompts", "a big pink circle"], "prompts: 'a big pink circle' has words the embedded"),
    (["--negative", "a fuzzy circle"], "negative: 'a fuzzy circle' has words the embedded"),
    (["--prompts", TOO_LONG], "has 24 words; accepted: at most 22 words"),
    (["--sampler-name", "dpm_fast"], "sampler_name: 'dpm_fast' is not implemented"),
    (["--scheduler", "AYS"], "scheduler: 'AYS' is not implemented"),
]
COMMANDS = [["plan"], ["render", "--dry-run"], ["render", "-q"]]


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('prompts = "a big red circle"\nframe_count = 2\nsteps = 1\n')
    return path


@pytest.mark.parametrize("flags, message", CASES, ids=lambda c: str(c)[:30])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_refuses_the_same(
    spec, tmp_path, capsys, monkeypatch, command, flags, message
):
    def no_model(*args, **kwargs):
        raise AssertionError("a model was loaded")

    monkeypatch.setattr("seqsampler.models.loader.load_model", no_model)
    argv = [*command, str(spec), *flags]
    if command[0] == "render":
        argv += ["--out", str(tmp_path / "run")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not (tmp_path / "run").exists()


def test_the_unknown_sampler_message_lists_only_the_engines(spec, capsys):
    assert main(["plan", str(spec), "--sampler-name", "dpm_fast"]) == 2
    accepted = capsys.readouterr().err.strip().split("accepted: ")[1].split(", ")
    assert accepted == list(SAMPLERS)


@pytest.mark.slow  # builds a diffusers pipeline
def test_a_diffusers_prompt_over_the_tokenizer_is_measured_with_the_tokenizer_alone(
    tiny_sd, spec, capsys, caplog, monkeypatch
):
    def no_model(*args, **kwargs):
        raise AssertionError("a model was loaded")

    monkeypatch.setattr("seqsampler.models.loader.load_model", no_model)
    long = " ".join(["circle"] * 100)
    with caplog.at_level(logging.WARNING):
        assert main(["plan", str(spec), "--model", str(tiny_sd), "--prompts", long]) == 0
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("seqsampler")]
    assert len(messages) == 1 and "tokens; the text encoder reads the first" in messages[0]
