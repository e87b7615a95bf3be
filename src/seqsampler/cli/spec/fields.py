"""The spec's fields: the CLI's own (defaults, help, value checks) and the node's, by name.

`all_fields()` is the registry the flags, the name check and the resolved spec's order come
from (the node fields that take a value schedule are `planning.fields.SCHEDULED_FIELDS`);
`OUTPUT_ONLY` names the fields a resume may change. Every error is a `SpecError` naming the
field, the value and what is accepted. The field reference is docs/cli.md.
"""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path
from typing import Any

from ...planning import FIELD_HELP, FieldSpec, field_specs
from ...planning.fields import CFG_MODE, MAX_FRAMES
from ...planning.messages import short_repr, short_text  # noqa: F401 (re-exported)
from ...planning.names import DEFAULT_DENOISE_MODE
from ...planning.schedule import (  # noqa: F401 (re-exported: the schedules' bounds)
    MAX_INT,  # noqa: F401 (re-exported: the evaluator's bounds)
    MAX_SCHEDULE_CHARS,
    MAX_SCHEDULE_KEYS,
)
from ...planning.schedule.keys import non_ascii_digit

# Bounds on what a spec may ask of the parsers and the evaluator (docs/cli.md "Limits"): every
# one is checked before the work it bounds, and breaking one is a one-line `SpecError`.
MAX_SPEC_BYTES = 1 << 20  # a spec file's size
MAX_DEPTH = 32  # nesting of lists and tables in a spec file or a flag value
MAX_NODES = 100_000  # values (scalars, lists, tables) in a spec file, all together
MAX_PROMPTS = MAX_FRAMES  # entries of prompts / negative (a list or a table)
MAX_PROMPT_CHARS = 10_000  # one prompt's length

VIDEO_FORMATS = ("mp4", "gif", "webp")
PATH_REPR_LIMIT = 4096  # a path is shown whole (PATH_MAX), a longer value cut


EMBEDDED = "embedded"
# Node fields the spec does not take directly: the counts and schedules come from the prompts
# and the value schedules; cond_keyframes comes from the prompt keys (or is given with a list).
_DERIVED = ("positive_count", "negative_count", "schedules")
# The CLI's own fields: name -> (default, help).
CLI_FIELDS: dict[str, tuple[Any, str]] = {
    "model": (
        EMBEDDED,
        'The model: "embedded" (the built-in shapes model), a diffusers folder, or a single '
        "SD 1.x / SDXL .safetensors / .ckpt file.",
    ),
    "preset": (
        "cli",
        'Defaults of the node fields left out: "cli" (seed_keying and denoise_sine off, so '
        'seed_mode_seq and denoise_seq do what they say) or "ksampler_seq2" (the node\'s own).',
    ),
    "prompts": (
        None,
        'The prompts: one string, a list (spread evenly), or a table of keyframes {"0" = "...", '
        '"24" = "..."}.',
    ),
    "negative": ("", "The negative prompt: one string, a list, or a table keyed like prompts."),
    "width": (None, "Image width in pixels (default: the model's size)."),
    "height": (None, "Image height in pixels (default: the model's size)."),
    "denoise": (
        None,
        "A denoise schedule for every frame; when set it replaces denoise_start / denoise_seq / "
        "denoise_sine / denoise_max.",
    ),
    "denoise_mode": (
        DEFAULT_DENOISE_MODE,
        'How denoise d becomes model steps on a plain frame: "comfyui" (KSampler: `steps` model '
        'steps over a longer schedule) or "steps" (A1111 / Deforum: about round(steps * d)).',
    ),
    "cfg_mode": (CFG_MODE.default, CFG_MODE.help),  # the frame sampler's, shared with ComfyUI
    "fps": (
        8,
        'Frames per second of the videos: an int or a fraction "30000/1001" (default with '
        "init_video: the input's frame rate).",
    ),
    "formats": (["mp4", "gif"], "Videos to write: any of mp4 (H.264), gif, webp."),
    "upscale": (1, "Integer nearest-neighbour scale of the videos and the contact sheet."),
    "interpolate": (
        1,
        "Video frames per rendered frame (1..8): K - 1 in-betweens between each pair, the videos "
        "at K times fps; frames/ unchanged. 1 = off.",
    ),
    "interpolate_mode": (
        "flow",
        "How the in-betweens are made: crossfade, motion (each neighbour moved by the plan's "
        "camera, then cross-faded), flow (motion, then DIS optical flow between them).",
    ),
    "audio": (
        None,
        "Copy init_video's audio track into video.mp4: true, false, or unset (on when the "
        "input has audio).",
    ),
}
# Fields that change only the finished outputs, not the frames: a resume may change them.
OUTPUT_ONLY = ("fps", "formats", "upscale", "audio", "interpolate", "interpolate_mode")
# Default sets of the node fields a spec leaves out (`preset`, docs/cli.md "Presets"): preset ->
# the node fields whose default differs from the node's (planning.fields.FIELDS).
DEFAULT_PRESET = "cli"
PRESETS: dict[str, dict[str, Any]] = {
    "cli": {"seed_keying": False, "denoise_sine": False},
    "ksampler_seq2": {},
}


class SpecError(ValueError):
    """A bad spec: the message names the field, the value and what is accepted."""


def node_fields() -> dict[str, FieldSpec]:
    """The node's fields the spec takes, name -> FieldSpec, in the node's order."""
    return {s.name: s for s in field_specs() if s.name not in _DERIVED}


def all_fields() -> dict[str, tuple[Any, str]]:
    """Every spec field, name -> (default, help): the CLI's own first, then the node's (with
    the default preset's defaults, `PRESETS`)."""
    changed = PRESETS[DEFAULT_PRESET]
    out = dict(CLI_FIELDS)
    for name, spec in node_fields().items():
        default = [] if name == "cond_keyframes" else changed.get(name, spec.default)
        out[name] = (default, FIELD_HELP[name])
    return out


MAX_INT_DIGITS = 40  # digits of an int written as text (a seed < 2**64 has at most 20)


def int_value(value: Any, name: str) -> Any:
    """Digit strings (e.g. a 20-digit seed from the command line) as exact ints; a digit outside
    0-9 or more than MAX_INT_DIGITS digits is a SpecError naming `name` (int() refuses 4,300)."""
    if isinstance(value, str):
        text = value.strip()
        note = non_ascii_digit(text)
        if note is not None:
            raise SpecError(f"{name}: {short_repr(value)} holds {note}; accepted: the digits 0-9")
        if text.isdigit() and len(text) > MAX_INT_DIGITS:
            raise SpecError(
                f"{name}: {short_repr(value)} has {len(text)} digits; accepted: an int of at most "
                f"{MAX_INT_DIGITS} digits"
            )
        if text.isdigit():
            return int(text)
    return value


def ascii_number(kind: type[int] | type[float]) -> Any:
    """An argparse `type`: `kind` of text in ASCII only (int() and float() take '٣' as 3), with
    argparse's own wording for a bad value."""

    def convert(text: str) -> int | float:
        try:
            if text.isascii():
                return kind(text)
        except ValueError:
            pass
        raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r}")

    return convert


def positive_int(name: str, value: Any, allow_none: bool = False, high: int = 8192) -> Any:
    """An int in [1, high] (digit strings accepted), or None when `allow_none`."""
    if value is None and allow_none:
        return None
    value = int_value(value, name)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        extra = " or unset (the model's default)" if allow_none else ""
        raise SpecError(f"{name}: got {short_repr(value)}; accepted: an int in [1, {high}]{extra}")
    return value


MAX_FPS = 240


def frame_rate(value: Any) -> int | str:
    """`fps`: an int in [1, MAX_FPS] (digit strings accepted) or an exact fraction "num/den"
    in (0, MAX_FPS] (NTSC's 30000/1001), kept as text "num/den" unless it is whole."""
    value = int_value(value, "fps")
    rate: Fraction | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        rate = Fraction(value)
    elif isinstance(value, str) and value.count("/") == 1:
        top, bottom = (part.strip() for part in value.split("/"))
        if top.isdigit() and bottom.isdigit() and int(bottom) > 0:
            rate = Fraction(int(top), int(bottom))
    if rate is None or not 0 < rate <= MAX_FPS or (rate.denominator == 1 and rate < 1):
        raise SpecError(
            f'fps: got {short_repr(value)}; accepted: an int in [1, {MAX_FPS}] or a fraction "num/den" '
            f'in (0, {MAX_FPS}], e.g. "30000/1001"'
        )
    return int(rate) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def video_formats(value: Any) -> list[str]:
    """`formats`: a list (or comma-separated text) of video formats, without repeats."""
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or any(v not in VIDEO_FORMATS for v in value):
        raise SpecError(
            f"formats: got {short_repr(value)}; accepted: a list of {', '.join(VIDEO_FORMATS)} (may be empty)"
        )
    return list(dict.fromkeys(value))


def model_source(value: Any, check: bool) -> str:
    """`model`: "embedded" or an absolute path; with `check`, the path must hold a model whose
    files read (`models.integrity.check_model_files`: before any folder is written)."""
    if value is None or value == EMBEDDED:
        return EMBEDDED
    if not isinstance(value, str) or not value.strip():
        raise SpecError(
            f'model: got {short_repr(value)}; accepted: "embedded", a diffusers folder or a .safetensors '
            "/ .ckpt file"
        )
    path = Path(value).expanduser()
    if not check:
        return str(path.resolve())
    if path.is_dir():
        if not (path / "model_index.json").is_file() and not (path / "unet").is_dir():
            raise SpecError(
                f"model: {short_repr(value, PATH_REPR_LIMIT)} is a folder without model_index.json; accepted: a diffusers "
                'folder (save_pretrained), a single .safetensors / .ckpt file, or "embedded"'
            )
    elif path.is_file():
        if path.suffix not in (".safetensors", ".ckpt"):
            raise SpecError(
                f"model: {short_repr(value, PATH_REPR_LIMIT)} has suffix {short_repr(path.suffix)}; accepted: .safetensors, .ckpt"
            )
    else:
        raise SpecError(
            f'model: nothing at {short_repr(value, PATH_REPR_LIMIT)}; accepted: "embedded", a diffusers folder or a '
            ".safetensors / .ckpt file"
        )
    from ...models.integrity import check_model_files  # no torch: headers and JSON only

    try:
        check_model_files(path)
    except ValueError as err:
        raise SpecError(f"model: {err}") from None
    return str(path.resolve())
