"""The bad-input table: every input of the node, the CLI, the spec and the library, with invalid
values and the exact error each gets. `tests/test_bad_inputs.py` runs every row and checks its
error (one line, no traceback); `docs/bad-input.md` is generated from this table:

    python tests/bad_input_table.py          # rewrite docs/bad-input.md

and a test fails when the doc and this table differ, so they cannot drift.

A row's `error` is the whole message; one ending in " ..." is checked as a prefix (the rest is
long, e.g. the embedded model's word list). `<spec>`, `<out>`, `<file>`, `<folder>`,
`<nowhere>`, `<linked>`, `<yaml>`, `<deep>`, `<badpng>` stand for the test's paths and
`<digits>` for 5,000 nines.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "bad-input.md"


@dataclass(frozen=True)
class Case:
    surface: str  # "cli", "spec", "library", "node"
    input: str  # the input's name
    value: str  # cli: the argv; spec: TOML lines; library / node: a Python expression
    error: str  # the message (after "seqsampler: error: " for cli and spec)
    status: int = 2  # cli / spec: the exit status


C, S, L, N = "cli", "spec", "library", "node"
CASES: list[Case] = [
    # --- the CLI: flags (render <spec> is a valid spec on the embedded model) -----------------
    Case(
        C,
        "--steps",
        "render <spec> --steps abc",
        "steps: entry 'abc' at position 1 has no ':'; accepted: an integer or a schedule 'key:(value), key:(value), ...', e.g. '0:(5), 12:(8)'",
    ),
    Case(C, "--steps", "render <spec> --steps 0", "steps must be an int in [1, 10000]; got 0"),
    Case(
        C,
        "--batch",
        "render <spec> --sweep seed=1,2 --batch 0",
        "batch: got 0; accepted: an int in [1, 1024] (the most jobs that render as one batch; 1 renders each job alone)",
    ),
    Case(
        C,
        "--batch",
        "render <spec> --batch 4",
        "batch: 4 without a sweep; accepted: --batch K with --sweep or a [sweep] table, e.g. --sweep seed=1..4 --batch 4",
    ),
    Case(
        C,
        "--ray-address",
        "render <spec> --sweep seed=1,2 --jobs ray --ray-address ray://127.0.0.1:10001",
        "ray_address: 'ray://127.0.0.1:10001' is a Ray Client address, which seqsampler does not use (it needs ray[client], and the driver must see the sweep folder on the cluster's shared storage, so it runs on a cluster node); accepted: auto, or HOST:PORT, the GCS address of a running cluster (`ray start --head` prints it; port 6379 by default)",
    ),
    Case(
        C,
        "--ray-address",
        "render <spec> --sweep seed=1,2 --jobs ray --ray-address 127.0.0.1:99999",
        "ray_address: got '127.0.0.1:99999'; accepted: auto, or HOST:PORT, the GCS address of a running cluster (`ray start --head` prints it; port 6379 by default)",
    ),
    Case(C, "--cfg", "render <spec> --cfg 101", "cfg must be a number in [0.0, 100.0]; got 101.0"),
    Case(
        C,
        "--cfg",
        "render <spec> --cfg '0:(pow(9, pow(9, 9)) % 7)'",
        "cfg: key '0' at position 1: 'pow(9, pow(9, 9)) % 7' at t=0 goes out of bounds (9 ** 387420489 is beyond 2**64); accepted: ints within +-2**64 and finite floats",
    ),
    Case(
        C,
        "--denoise-seq",
        "render <spec> --denoise-seq '0:(0.5), 4:(sin(t)'",
        "denoise_seq: unclosed '(' at position 12 in '0:(0.5), 4:(sin(t)'; accepted: 'key:(value), key:(value), ...'",
    ),
    Case(
        C,
        "--frame-count",
        "render <spec> --frame-count 2000",
        "frame_count must be an int in [0, 1024]; got 2000",
    ),
    Case(
        C,
        "--frame-count",
        "render <spec> --frame-count -1",
        "frame_count must be an int in [0, 1024]; got -1",
    ),
    Case(C, "--seed", "render <spec> --seed -1", "seed must be an int in [0, 2**64); got -1"),
    Case(
        C,
        "--seed-mode-seq",
        "render <spec> --seed-mode-seq sideways",
        "seed_mode_seq must be one of increment, decrement, random, fixed; got 'sideways'",
    ),
    Case(
        C,
        "--sampler-name",
        "render <spec> --sampler-name eulr",
        "sampler_name: 'eulr' is not implemented by the standalone engine; accepted: euler, ddim, ...",
    ),
    Case(
        C,
        "--scheduler",
        "render <spec> --scheduler bogus",
        "scheduler: 'bogus' is not implemented by the standalone engine; accepted: normal, ...",
    ),
    Case(
        C,
        "--latent-interpolation-mode",
        "render <spec> --latent-interpolation-mode Warp",
        "latent_interpolation_mode must be one of Blend, Slerp, Cosine Interp; got 'Warp'",
    ),
    Case(
        C,
        "--prompts",
        "render <spec> --prompts 'a red dragon'",
        "prompts: 'a red dragon' has words the embedded model does not know (dragon); accepted words: ...",
    ),
    Case(
        C,
        "--model",
        "render <spec> --model <nowhere>",
        "model: nothing at '<nowhere>'; accepted: \"embedded\", a diffusers folder or a .safetensors / .ckpt file",
    ),
    Case(
        C,
        "--width",
        "render <spec> --width 0",
        "width: got 0; accepted: an int in [1, 8192] or unset (the model's default)",
    ),
    Case(
        C,
        "--width",
        "render <spec> --width 1024",
        "width: got 1024; accepted: at most 128 for this model (4x the 32x32 this model was trained at; larger sizes draw nothing it learned and attention's memory grows as the pixel count squared); use upscale for bigger videos",
    ),
    Case(
        C, "--upscale", "render <spec> --upscale 65", "upscale: got 65; accepted: an int in [1, 64]"
    ),
    Case(
        C,
        "--fps",
        "render <spec> --fps 0",
        'fps: got 0; accepted: an int in [1, 240] or a fraction "num/den" in (0, 240], e.g. "30000/1001"',
    ),
    Case(
        C,
        "--formats",
        "render <spec> --formats '[\"avi\"]'",
        "formats: got ['avi']; accepted: a list of mp4, gif, webp (may be empty)",
    ),
    Case(
        C,
        "--device",
        "render <spec> --device bogus",
        "device: got 'bogus'; accepted: cpu, cuda, cuda:N, mps (a torch device)",
    ),
    Case(
        C,
        "--device",
        "render <spec> --device cuda",
        "device: got 'cuda', but this torch has no CUDA device ...",
    ),
    Case(
        C,
        "--out",
        "render <spec> --out <file>",
        "out: '<file>' is a file; accepted: a folder (new, empty, or a run folder)",
    ),
    Case(
        C,
        "--out",
        "render <spec> --out <folder>",
        "out: '<folder>' is not empty and holds no spec.json (not a run folder); choose a new folder or an empty one",
    ),
    Case(
        C,
        "--overwrite",
        "render <spec> --out <folder> --overwrite",
        "out: '<folder>' is not empty and holds no spec.json (not a run folder); --overwrite clears run folders only; choose a new folder",
    ),
    Case(
        C,
        "--chart",
        "plan <spec> --chart <folder>",
        "chart: '<folder>' is a folder; accepted: a .png file path",
    ),
    Case(
        C,
        "--prompts",
        "render <spec> --prompts 'a red \x1b[31mdragon'",
        "prompts: 'a red \\x1b[31mdragon' has words the embedded model does not know (\\x1b[31mdragon); accepted words: ...",
    ),
    Case(
        C,
        "--cfgg",
        "render <spec> --cfgg '\x1b[2J'",
        "unrecognized arguments: --cfgg \\x1b[2J (did you mean --cfg?)",
    ),
    Case(
        C,
        "--cfgg",
        "render <spec> --cfgg 3",
        "unrecognized arguments: --cfgg 3 (did you mean --cfg?)",
    ),
    Case(C, "--port", "view <folder> --port abc", "argument --port: invalid int value: 'abc'"),
    Case(
        C,
        "--port",
        "view <folder> --serve --port 70000",
        "argument --port: got 70000; accepted: an int in [0, 65535] (0: any free port)",
    ),
    Case(
        C,
        "SPEC",
        "render <nowhere>",
        "spec: no file at '<nowhere>'; accepted: a .toml or .yaml file",
    ),
    Case(
        C, "SPEC", "render <file>", "spec: '<file>' has suffix '.txt'; accepted: .toml, .yaml, .yml"
    ),
    Case(
        C,
        "SPEC",
        "render <yaml>",
        "spec: '<yaml>' repeats the key 'prompts' on line 3 (first on line 1); accepted: each key once in a table, as in TOML",
    ),
    Case(
        C,
        "RUN_FOLDER",
        "metrics <nowhere>",
        "run_folder: '<nowhere>' does not exist; accepted: ...",
    ),
    Case(
        C,
        "RUN_FOLDER",
        "view <folder>",
        "view: '<folder>' holds no plan.json (not a run folder); accepted: a folder written by `seqsampler render` or `seqsampler demo`",
    ),
    # run folders are untrusted: `<linked>` is a run folder whose plan.json links to `<file>`
    Case(
        C,
        "--out",
        "render <spec> --out <linked>",
        "out: '<linked>' holds a symbolic link that leads outside it ('<linked>/plan.json' -> '<file>'); seqsampler reads and writes a run folder's files only inside it; remove the link or render into a new folder (--out)",
    ),
    Case(
        C,
        "--overwrite",
        "render <spec> --out <linked> --overwrite",
        "out: '<linked>' holds a symbolic link that leads outside it ('<linked>/plan.json' -> '<file>'); seqsampler reads and writes a run folder's files only inside it; remove the link or render into a new folder (--out)",
    ),
    Case(
        C,
        "RUN_FOLDER",
        "view <linked>",
        "view: '<linked>' holds a symbolic link that leads outside it ('<linked>/plan.json' -> '<file>'); seqsampler reads and writes a run folder's files only inside it; remove the link, or view a copy without it",
    ),
    Case(
        C,
        "RUN_FOLDER",
        "metrics <linked>",
        "run_folder: '<linked>' holds a symbolic link that leads outside it ('<linked>/plan.json' -> '<file>'); seqsampler reads and writes a run folder's files only inside it; remove the link, or measure a copy without it",
    ),
    # hostile run folders: `<deep>` holds spec.json and plan.json nested 100,000 deep, `<badpng>`
    # a plan of 2 frames whose frames/00001.png is empty
    Case(
        C,
        "--out",
        "render <spec> --out <deep>",
        "out: '<deep>/spec.json' is damaged ('nested too deep'); pass --overwrite to render the run folder again",
    ),
    Case(
        C, "RUN_FOLDER", "view <deep>", "view: '<deep>/plan.json' is not a plan (nested too deep)"
    ),
    Case(
        C,
        "RUN_FOLDER",
        "metrics <deep>",
        "run_folder: '<deep>/plan.json' is not a plan (RecursionError: nested too deep); accepted: Plan.to_json() output, a 'frames' list whose entries hold 'positive'",
    ),
    Case(
        C,
        "RUN_FOLDER",
        "metrics <badpng>",
        "run_folder: '<badpng>/frames/00001.png' is not a readable image (cannot identify image file ...",
    ),
    # numbers: 5,000 digits, digits outside 0-9, threads without bound
    Case(
        C,
        "--sweep",
        "render <spec> --sweep seed=1,2 --sweep seed=3,4",
        "--sweep: seed is given twice ('seed=1,2' and 'seed=3,4'); accepted: each field once, with all its values, e.g. --sweep seed=1,2,3,4",
    ),
    Case(
        C,
        "--sweep",
        "render <spec> --sweep seed=1,2,1",
        "sweep: seed lists 1 twice (values 1 and 3 of 3); accepted: each value once",
    ),
    Case(
        C,
        "--sweep",
        "render <spec> --sweep seed=1..<digits>",
        "--sweep: seed: range bound '999999999999999999999999999999999999... (5000 chars) has 5000 digits; accepted: a..b with at most 40 digits each",
    ),
    Case(
        C,
        "--seed",
        "render <spec> --seed <digits>",
        "seed: '9999999999999999999999999999999999999999999999999999999999999999999999999999... (5000 chars) has 5000 digits; accepted: an int of at most 40 digits",
    ),
    Case(
        C,
        "--seed",
        "render <spec> --seed ③",
        "seed: '③' holds the non-ASCII digit U+2462 (CIRCLED DIGIT THREE) at position 1; accepted: the digits 0-9",
    ),
    Case(
        C,
        "--cfg",
        "render <spec> --cfg '0:(٣)'",
        "cfg: '0:(٣)' holds the non-ASCII digit U+0663 (ARABIC-INDIC DIGIT THREE) at position 4; accepted: the digits 0-9",
    ),
    Case(C, "--threads", "render <spec> --threads ٣", "argument --threads: invalid int value: '٣'"),
    Case(
        C,
        "--threads",
        "render <spec> --threads 100000",
        "threads: got 100000; accepted: an int in [1, ...",
    ),
    Case(
        C,
        "--init-video",
        "render <spec> --init-video <nowhere>",
        "init_video: <nowhere>: no such file or folder; accepted: a video file (mp4, mkv, mov, webm, ...) or a folder of numbered images (png, jpg, webp)",
    ),
    Case(
        C,
        "--init-video",
        "render <spec> --init-video <file>",
        "init_video: <file>: not a video PyAV can read ...",
    ),
    Case(
        C,
        "--audio",
        "render <spec> --audio true",
        "audio: true without init_video; accepted: set init_video, or audio = false",
    ),
    Case(
        C,
        "--fps",
        "render <spec> --fps 30/0",
        'fps: got \'30/0\'; accepted: an int in [1, 240] or a fraction "num/den" in (0, 240], e.g. "30000/1001"',
    ),
    Case(
        C,
        "--video-strength",
        "render <spec> --video-strength 1.5",
        "video_strength must be a number in [0.0, 1.0]; got 1.5",
    ),
    # --- the spec file (TOML lines after `prompts = "a red circle"`) ---------------------------
    Case(
        S,
        "(file)",
        "\x00\xff binary",
        "spec: '<spec>' is not UTF-8 text (byte 1); accepted: a UTF-8 .toml or .yaml file",
    ),
    Case(S, "(file)", "cfg = ", "spec: '<spec>' is not valid TOML: ..."),
    Case(
        S, "(field)", "cfgg = 3", "spec: unknown field 'cfgg' (did you mean 'cfg'?); accepted: ..."
    ),
    Case(S, "prompts", "prompts = []", "prompts: got []; accepted: a non-empty list of strings"),
    Case(
        S,
        "color_coherence_source",
        'color_coherence_source = "video"',
        'color_coherence_source "video" matches each frame to its input frame, but init_video is ""; accepted: set init_video, or color_coherence_source "frame"',
    ),
    Case(S, "zoom", "zoom = 0", "zoom must be a number in [0.001, 10.0]; got 0.0"),
    Case(
        S,
        "translation_x",
        "translation_x = 129.0",
        "translation_x = 129.0: expected |translation_x| <= 4 x the frame size (128 pixels) for a 32x32 render",
    ),
    Case(
        S,
        "transform_center_x",
        "transform_center_x = 2.5",
        "transform_center_x must be a number in [-1.0, 2.0]; got 2.5",
    ),
    Case(
        S,
        "motion_border",
        'motion_border = "mirror"',
        "motion_border must be one of replicate, reflect, wrap, zeros; got 'mirror'",
    ),
    Case(
        S,
        "perspective_flip_fv",
        "perspective_flip_fv = 180",
        "perspective_flip_fv must be a number in [1.0, 179.0]; got 180.0",
    ),
    Case(
        S,
        "sharpen_kernel",
        "sharpen_kernel = 4",
        "sharpen_kernel must be an odd int (a Gaussian's size); got 4",
    ),
    Case(S, "negative", "negative = 3", "negative: got 3; accepted: a non-empty list of strings"),
    Case(
        S,
        "prompts",
        'prompts = { "0" = "a red circle", "³" = "a blue square" }',
        "prompts: key '³' holds the non-ASCII digit U+00B3 (SUPERSCRIPT THREE) at position 1; accepted: a frame number in the digits 0-9",
    ),
    Case(
        S,
        "steps",
        'steps = "٣"',
        "steps: '٣' holds the non-ASCII digit U+0663 (ARABIC-INDIC DIGIT THREE) at position 1; accepted: the digits 0-9",
    ),
    Case(S, "frame_count", 'frame_count = "x"', "frame_count must be an int in [0, 1024]; got 'x'"),
    Case(
        S,
        "cfg",
        'cfg = "0:(10**400)"',
        "cfg: key '0' at position 1: '10**400' at t=0 goes out of bounds (10 ** 400 is beyond 2**64); accepted: ints within +-2**64 and finite floats",
    ),
    Case(
        S,
        "steps",
        'steps = "0:(abc)"',
        "steps: key '0' at position 1: unknown name 'abc' in 'abc'; accepted names: t, max_f, s, pi, e and the functions abs, acos, ...",
    ),
    Case(
        S,
        "denoise_start",
        "denoise_start = 2.0",
        "denoise_start must be a number in [0.0, 1.0]; got 2.0",
    ),
    Case(
        S,
        "cond_keyframes",
        'cond_keyframes = ["a"]',
        "cond_keyframes must be an int or a list of ints; got ['a'] (bad item 'a')",
    ),
    Case(
        S,
        "cond_keyframes",
        "cond_keyframes = 2.5",
        "cond_keyframes must be an int or a list of ints; got 2.5",
    ),
    Case(
        S,
        "model",
        'model = "/nowhere/model.bin"',
        "model: nothing at '/nowhere/model.bin'; accepted: \"embedded\", a diffusers folder or a .safetensors / .ckpt file",
    ),
    Case(S, "upscale", "upscale = true", "upscale: got True; accepted: an int in [1, 64]"),
    Case(S, "interpolate", "interpolate = 9", "interpolate: got 9; accepted: an int in [1, 8]"),
    Case(
        S,
        "interpolate",
        "interpolate = 8\nfps = 60",
        "interpolate: 8 x fps 60 = 480 video frames per second; accepted: at most 240 (a lower interpolate or fps)",
    ),
    Case(
        S,
        "interpolate_mode",
        'interpolate_mode = "rife"',
        "interpolate_mode: got 'rife'; accepted: crossfade, motion, flow",
    ),
    Case(S, "cadence", "cadence = 9", "cadence must be an int in [1, 8]; got 9"),
    Case(
        S,
        "cadence_flow",
        'cadence_flow = "yes"',
        "cadence_flow must be a bool (true or false); got 'yes'",
    ),
    Case(
        S,
        "sweep",
        '[sweep]\nvariants = [{ name = "sweep.json", seed = 1 }, { name = "b", seed = 2 }]',
        "sweep: job 'sweep.json' would be named like the sweep's own sweep.json; accepted: a job name other than sweep.json, contact_sheet.png, .workers (rename the variant)",
    ),
    # --- the library (`model` is the embedded model, `cfg` a SequenceConfig, `p` its plan) ----
    Case(
        L,
        "plan(config)",
        "plan({})",
        "config must be a seqsampler SequenceConfig (build one with SequenceConfig(...)); got dict",
    ),
    Case(
        L,
        "plan(config)",
        "plan(None)",
        "config must be a seqsampler SequenceConfig (build one with SequenceConfig(...)); got NoneType",
    ),
    Case(
        L,
        "encode_prompt(text)",
        "model.encode_prompt(None)",
        "text must be a str (a prompt); got NoneType",
    ),
    Case(L, "encode_prompt(text)", "model.encode_prompt('a red dragon')", "..."),
    Case(
        L,
        "latent_shape(width)",
        "model.latent_shape(0, 32)",
        "width must be a positive multiple of 1; got 0",
    ),
    Case(
        L,
        "init_latent",
        "run(torch.zeros(1, 3, 32))",
        "init_latent must be 4-D [B, C, H, W] for this model; got (1, 3, 32)",
    ),
    Case(
        L,
        "init_latent",
        "run(torch.zeros(1, 4, 32, 32))",
        "init_latent has 4 channels but the model takes 3; got (1, 4, 32, 32) (make it with model.latent_shape(width, height))",
    ),
    Case(
        L,
        "init_latent",
        "run(torch.full((1, 3, 32, 32), float('nan')))",
        "init_latent must be finite; it holds NaN or Inf values",
    ),
    Case(
        L,
        "init_latent",
        "run([1, 2])",
        "init_latent must be a float tensor [B, C, ...] (3-D or more); got list",
    ),
    Case(
        L,
        "positive",
        "run(positive=[Conditioning(torch.zeros(1, 4, 32))])",
        "positive[0] has token width 32 but the model takes 64 (encode prompts with this model's encode_prompt)",
    ),
    Case(
        L,
        "positive",
        "run(positive=[Conditioning(torch.full((1, 4, 64), float('nan')))])",
        "positive[0].tokens must be finite; it holds NaN or Inf values",
    ),
    Case(
        L,
        "positive",
        "run(positive=[])",
        "positive is empty; it needs at least one Conditioning (one per prompt)",
    ),
    Case(
        L,
        "positive",
        "run(positive='a red circle')",
        "positive must be a list of Conditioning (one per prompt); got str",
    ),
    Case(L, "plan", "run(plan={})", "plan must be a seqsampler Plan; got dict"),
    Case(
        L,
        "init_latent",
        "run(torch.zeros(0, 3, 32, 32))",
        "init_latent has batch size 0; got (0, 3, 32, 32); accepted: a batch of at least 1",
    ),
    Case(
        L,
        "init_latent",
        "run(torch.zeros(1, 3, 0, 32))",
        "init_latent is empty (a dimension of size 0); got (1, 3, 0, 32); accepted: every dimension at least 1",
    ),
    Case(
        L,
        "init_latent",
        "run(torch.zeros(1, 3, 32, 32, device='meta'))",
        "init_latent is on the meta device (a shape without data); accepted: a tensor on a device that holds data (cpu, cuda, mps)",
    ),
    Case(
        L,
        "SequenceConfig(steps)",
        "SequenceConfig(steps=0)",
        "steps must be an int in [1, 10000]; got 0",
    ),
    # --- the node (its converters and its widget values, checked without ComfyUI) -------------
    Case(
        N,
        "positive_seq",
        "conditioning_list([], 'positive_seq')",
        "positive_seq is an empty conditioning list; connect a CONDITIONING with at least one entry (one entry per prompt)",
    ),
    Case(
        N,
        "positive_seq",
        "conditioning_list(5, 'positive_seq')",
        "positive_seq must be a CONDITIONING list ([[tensor, dict], ...], one entry per prompt); got int",
    ),
    Case(
        N,
        "latent_image",
        "latent_samples({}, 'latent_image')",
        "latent_image must be a LATENT dict with a 'samples' tensor [B, C, H, W] or [B, C, T, H, W]; got []",
    ),
    Case(
        N,
        "latent_image",
        "latent_samples({'samples': torch.full((1, 4, 8, 8), float('inf'))}, 'latent_image')",
        "latent_image['samples'] holds NaN or Inf values; a latent must be finite (check the node that produced it)",
    ),
    Case(N, "cfg", "SequenceConfig(cfg=-1.0)", "cfg must be a number in [0.0, 100.0]; got -1.0"),
    Case(
        N,
        "frame_count",
        "SequenceConfig(frame_count=5000)",
        "frame_count must be an int in [0, 1024]; got 5000",
    ),
    Case(
        N,
        "latent_interpolation_mode",
        "SequenceConfig(latent_interpolation_mode='Warp')",
        "latent_interpolation_mode must be one of Blend, Slerp, Cosine Interp; got 'Warp'",
    ),
    Case(
        N,
        "sampler_name",
        "SequenceConfig(sampler_name='eulr')",
        "sampler_name must be one of euler ...",
    ),
]

SURFACES = {
    C: "The CLI (`seqsampler ...`; exit status 2, one line `seqsampler: error: <message>`)",
    S: 'The spec file (`seqsampler render <spec>`; the spec is `prompts = "a red circle"` and the row\'s lines)',
    L: "The library (a `ValueError` before any model call; `model` is the embedded model, `run(...)` is `run_sequence` with one argument replaced)",
    N: "The ComfyUI node (its converters and widget values; a `ValueError` shown by ComfyUI)",
}


def _cell(text: str) -> str:
    text = text if text.isprintable() else ascii(text)[1:-1]
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`" if text else ""


def markdown() -> str:
    lines = [
        "# Bad input: what each input refuses, and the error it gets",
        "",
        "Generated from `tests/bad_input_table.py` (`python tests/bad_input_table.py`); "
        "`tests/test_bad_inputs.py` runs every row and checks that its error is this one line "
        "and that no traceback is printed. A message ending in `...` is checked up to there. "
        "`<spec>`, `<out>`, `<file>`, `<folder>`, `<nowhere>` stand for paths; `<linked>` is a "
        "run folder whose plan.json is a symbolic link to `<file>`; `<yaml>` a YAML spec giving "
        "`prompts` twice; `<deep>` a folder whose spec.json and plan.json nest 100,000 deep, "
        "`<badpng>` a run folder whose frames/00001.png is empty; `<digits>` is 5,000 nines.",
        "",
        f"{len(CASES)} bad inputs.",
    ]
    for surface, title in SURFACES.items():
        lines += ["", f"## {title}", "", "| input | invalid value | error |", "|---|---|---|"]
        for case in CASES:
            if case.surface == surface:
                lines.append(f"| {_cell(case.input)} | {_cell(case.value)} | {_cell(case.error)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    DOC.write_text(markdown(), encoding="utf-8")
    sys.stdout.write(f"{DOC}\n")
