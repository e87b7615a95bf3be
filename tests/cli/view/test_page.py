"""`seqsampler view`: the page for a real tiny render on the embedded model, checked in a real
headless Chromium (Debian's /usr/bin/chromium), its escaping, its errors, and `--serve`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from seqsampler.cli import main
from seqsampler.models.embedded import EMBEDDED_DIR

from ..interrupt import as_from_a_terminal

CHROMIUM = Path("/usr/bin/chromium")
HAS_EMBEDDED = (EMBEDDED_DIR / "model_index.json").is_file()
PROMPTS = {
    "0": "a big red circle in the center, blue background",
    "2": "a small yellow square on the left, black background",
}
SRC = Path(__file__).resolve().parents[3] / "src"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """A real 4-frame, 2-step render on the embedded model (a few seconds)."""
    if not HAS_EMBEDDED:
        pytest.skip("the embedded model's weights are not in assets/")
    root = tmp_path_factory.mktemp("view")
    lines = ["frame_count = 4", "steps = 2", "seed = 5", "seed_mode_seq = 'increment'"]
    lines += ["seed_keying = false", "formats = ['mp4', 'gif']", "fps = 4", "[prompts]"]
    lines += [f'"{k}" = "{v}"' for k, v in PROMPTS.items()]
    (root / "spec.toml").write_text("\n".join(lines) + "\n")
    out = root / "run"
    assert main(["render", str(root / "spec.toml"), "--out", str(out), "-q"]) == 0
    return out


class Frames(HTMLParser):
    """The frame elements of a page (figure.frame), with their data attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[dict[str, str]] = []
        self.text: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure" and "frame" in (attrs.get("class") or "").split():
            self.frames.append({**attrs, "text": ""})
            self.depth = 1
        elif self.depth and tag == "figure":
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth and tag == "figure":
            self.depth -= 1

    def handle_data(self, data):
        self.text.append(data)
        if self.depth:
            self.frames[-1]["text"] += data


def parse(html: str) -> Frames:
    parser = Frames()
    parser.feed(html)
    return parser


def chromium(*args: str, timeout: float = 120) -> str:
    """Run headless Chromium with a throwaway profile; stops its process group on timeout."""
    profile = tempfile.mkdtemp(prefix="chromium-")
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group, so the helpers stop with it
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"chromium did not finish within {timeout} s")
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert proc.returncode == 0, proc.returncode
    return out


def test_view_writes_a_page_with_every_frame(run_folder, capsys):
    assert main(["view", str(run_folder)]) == 0
    page = run_folder / "view.html"
    assert capsys.readouterr().out == f"{page}\n"
    assert (run_folder / "plan.png").is_file()  # drawn because it was missing
    html = page.read_text(encoding="utf-8")
    plan = json.loads((run_folder / "plan.json").read_text())
    frames = parse(html).frames
    assert [int(f["data-frame"]) for f in frames] == list(range(4))
    assert [int(f["data-seed"]) for f in frames] == [f["seed"] for f in plan["frames"]]
    assert ["change" in f["class"] for f in frames] == [False, False, True, False]
    for name in ("video.mp4", "contact_sheet.png", "plan.png", "frames/00003.png"):
        assert f'src="{name}"' in html  # relative links: the folder can be moved
    assert str(run_folder) not in html


@pytest.mark.skipif(
    not CHROMIUM.is_file(), reason="no /usr/bin/chromium (apt-get install chromium)"
)
@pytest.mark.slow
def test_the_page_in_headless_chromium(run_folder):
    assert main(["view", str(run_folder)]) == 0
    plan = json.loads((run_folder / "plan.json").read_text())
    dom = chromium("--dump-dom", (run_folder / "view.html").as_uri())
    parsed = parse(dom)
    assert len(parsed.frames) == plan["frame_count"] == 4
    for frame, entry in zip(parsed.frames, plan["frames"], strict=True):
        assert frame["data-seed"] == str(entry["seed"])
        assert f"seed{entry['seed']}" in frame["text"].replace(" ", "")
        prompt = PROMPTS["0"] if entry["positive"] == 0 else PROMPTS["2"]
        assert prompt in frame["text"]
    text = " ".join(parsed.text)
    assert all(prompt in text for prompt in PROMPTS.values())


@pytest.mark.skipif(
    not CHROMIUM.is_file(), reason="no /usr/bin/chromium (apt-get install chromium)"
)
@pytest.mark.slow
def test_the_page_renders_to_a_screenshot(run_folder, tmp_path):
    from PIL import Image

    assert main(["view", str(run_folder)]) == 0
    shot = tmp_path / "shot.png"
    chromium(
        "--hide-scrollbars",
        "--window-size=1000,800",
        f"--screenshot={shot}",
        (run_folder / "view.html").as_uri() + "#f2",
    )
    with Image.open(shot) as image:
        assert image.size == (1000, 800)
        assert len(image.convert("RGB").getcolors(1 << 20)) > 50  # not a blank page


def test_user_text_is_escaped(run_folder, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(run_folder, folder)
    spec = json.loads((folder / "spec.json").read_text())
    spec["prompts"] = {"0": "<script>alert('x')</script> & \"q\"", "2": "<b>bold</b>"}
    (folder / "spec.json").write_text(json.dumps(spec))
    assert main(["view", str(folder)]) == 0
    html = (folder / "view.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;" in html
    assert parse(html).frames[3]["text"].count("<b>bold</b>") == 1  # decoded back, as text


def test_bad_folders_exit_2_with_one_line(tmp_path, capsys):
    assert main(["view", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a folder" in err
    assert main(["view", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds no plan.json (not a run folder)" in err
    (tmp_path / "plan.json").write_text("{not json")
    assert main(["view", str(tmp_path)]) == 2
    assert "is not a plan" in capsys.readouterr().err


@pytest.mark.slow
def test_serve_on_localhost_until_interrupted(run_folder):
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "seqsampler.cli", "view", str(run_folder)]
    proc = subprocess.Popen(
        [*command, "--serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=as_from_a_terminal,
    )
    try:
        assert proc.stdout.readline().strip() == str(run_folder / "view.html")
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/view.html")
        with urllib.request.urlopen(url, timeout=30) as response:
            assert b'class="frame' in response.read()
        with urllib.request.urlopen(url.replace("view.html", "frames/00000.png"), timeout=30) as r:
            assert r.read(8) == b"\x89PNG\r\n\x1a\n"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_frames_motion_is_shown_in_its_entry(run_folder, tmp_path):
    folder = tmp_path / "moved"
    shutil.copytree(run_folder, folder)
    plan = json.loads((folder / "plan.json").read_text())
    plan["frames"][2]["motion"] = {"zoom": 1.02, "angle": 0.0, "translation_x": 0.5,
                                   "border": "wrap", "space": "latent", "contrast": 1.0}  # fmt: skip
    (folder / "plan.json").write_text(json.dumps(plan))
    (folder / "plan.png").unlink(missing_ok=True)
    assert main(["view", str(folder)]) == 0
    frames = parse((folder / "view.html").read_text(encoding="utf-8")).frames
    assert "zoom 1.02, translation_x 0.5 (wrap border, latent space)" in frames[2]["text"]
    assert "motion" not in frames[1]["text"]
