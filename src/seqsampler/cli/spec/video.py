"""The spec's video input (`init_video`, docs/cli.md "Video input"): the path checked and made
absolute, the input opened and counted (`seqsampler.video.open_video`: a missing file, a file
that is not a video, a video without frames, a frame rate of 0 or over 1000 are one-line
errors), and the fields it decides when the spec leaves them out: `frame_count` (the input's
frame count, at most the spec's when both are given) and `fps` (the input's frame rate, exact:
30000/1001 stays a fraction). Each decision is one log line. Nothing here loads a model.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

from ...planning.fields import MAX_FRAMES
from .fields import PATH_REPR_LIMIT, SpecError, int_value, short_repr

log = logging.getLogger("seqsampler.cli")


def frame_rate_text(fps: Fraction) -> int | str:
    """A frame rate for the spec: an int when whole, else "num/den" (JSON has no fraction)."""
    return int(fps) if fps.denominator == 1 else f"{fps.numerator}/{fps.denominator}"


def open_input(value: Any) -> tuple[str, Any]:
    """(the absolute path, the opened `VideoSource`) of `init_video`; a SpecError naming the
    file and the way out for anything `open_video` refuses or a missing [cli] extra."""
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise SpecError(
            f"init_video: got {short_repr(value, PATH_REPR_LIMIT)}; accepted: a video file or a "
            'folder of numbered images, or "" (off)'
        )
    path = Path(value).expanduser().resolve()
    try:
        from ...video import open_video

        source = open_video(path)
    except ImportError as exc:
        raise SpecError(f"init_video: {exc}") from None
    except ValueError as exc:
        raise SpecError(f"init_video: {exc}") from None
    return str(path), source


def video_fields(data: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    """`data` with `init_video` absolute and `frame_count` / `fps` decided by the input (see
    the module docstring), and the opened source (None without a video input)."""
    value = data.get("init_video", "")
    if value == "":
        return dict(data), None
    path, source = open_input(value)
    out = {**data, "init_video": path}
    name = Path(path).name
    available = source.frame_count
    given = int_value(data.get("frame_count", 0), "frame_count")
    if isinstance(given, bool) or not isinstance(given, int) or given < 0:
        return out, source  # the config reports the bad value
    if given == 0:
        out["frame_count"] = min(available, MAX_FRAMES)
        extra = f" (the first {MAX_FRAMES}: the most a run plans)" if available > MAX_FRAMES else ""
        log.info("frame_count: %d, the input's frame count%s (%s)", out["frame_count"], extra,
                 short_repr(name))  # fmt: skip
    elif given > available:
        out["frame_count"] = available
        log.info("frame_count: %d, the input's frame count (%s; the spec asks for %d)",
                 available, short_repr(name), given)  # fmt: skip
    else:
        log.info("frame_count: %d, the spec's (the input %s has %d frames)", given,
                 short_repr(name), available)  # fmt: skip
    if "fps" not in data:
        out["fps"] = frame_rate_text(source.fps)
        log.info("fps: %s, the input's frame rate (%s)", out["fps"], short_repr(name))
    return out, source


def audio_field(value: Any, source: Any) -> bool | None:
    """`audio`: None (unset: on when the input has audio), true or false; true needs an input
    with an audio track."""
    if value is None:
        return None
    if not isinstance(value, bool):
        raise SpecError(f"audio: got {short_repr(value)}; accepted: true, false, or unset")
    if value and source is None:
        raise SpecError(
            "audio: true without init_video; accepted: set init_video, or audio = false"
        )
    if value and not source.has_audio:
        raise SpecError(
            f"audio: true, but {short_repr(str(source.path), PATH_REPR_LIMIT)} has no audio track; "
            "accepted: audio = false (or unset), or an input with audio"
        )
    return value
