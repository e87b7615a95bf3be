"""Default sets for a spec's unset node fields (`preset`), and the fields a switch overrides.

A spec file is written by hand, so its defaults make a field the user set do what it says:
the `"cli"` preset (the default) turns `seed_keying` and `denoise_sine` off, so
`seed_mode_seq` and `denoise_seq` are what happens. `preset = "ksampler_seq2"` restores the
node's published defaults exactly (as a saved ComfyUI workflow has them). The ComfyUI node keeps
the node's defaults in either case.

`overridden(data, fields)` names, for the fields the user set, each one another switch makes
ineffective ("seed_mode_seq = 'random' has no effect while seed_keying is on"), in either preset.
The table (`fields.PRESETS`, beside the fields' own defaults) is docs/cli.md "Presets".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import PRESETS, SpecError, short_repr


def preset_defaults(value: Any) -> dict[str, Any]:
    """The node-field defaults `preset = value` changes (a copy); a SpecError for an unknown one."""
    if not isinstance(value, str) or value not in PRESETS:
        raise SpecError(
            f"preset: got {short_repr(value)}; accepted: {', '.join(repr(p) for p in PRESETS)}"
        )
    return dict(PRESETS[value])


def _on(value: Any) -> str:
    return "on" if value else "off"


def overridden(data: Mapping[str, Any], fields: Mapping[str, Any]) -> list[str]:
    """One message per field set in `data` that has no effect (or only part of its effect)
    because of another field's value in the resolved `fields`, naming both fields."""
    messages: list[str] = []

    def note(name: str, why: str) -> None:
        if name in data:
            messages.append(f"{name} = {short_repr(data[name], 60)} {why}")

    seed_scheduled = isinstance(fields["seed"], (str, Mapping))
    if seed_scheduled:
        for name in ("seed_mode_seq", "seed_keying", "seed_keying_mode", "seed_divisor"):
            note(name, "has no effect while seed is a schedule (it gives every frame's seed)")
    elif fields["seed_keying"]:
        note("seed_mode_seq", "has no effect while seed_keying is on (set seed_keying = false)")
    else:
        for name in ("seed_keying_mode", "seed_divisor"):
            note(name, "has no effect while seed_keying is off")
    if fields["denoise"] is not None:
        for name in ("denoise_start", "denoise_seq", "denoise_sine", "denoise_max"):
            note(name, "has no effect while denoise is set (it gives every frame's denoise)")
    elif fields["denoise_sine"]:
        note(
            "denoise_seq",
            "is only the sine's low point while denoise_sine is on (set denoise_sine = false "
            "for denoise_seq itself)",
        )
    else:
        note("denoise_max", "has no effect while denoise_sine is off")
    for name, switch in (
        ("noise_strength", "inject_noise"),
        ("cond_slerp_strength", "use_conditioning_slerp"),
        ("latent_interp_strength", "use_latent_interpolation"),
        ("latent_interpolation_mode", "use_latent_interpolation"),
    ):
        if not fields[switch]:
            note(name, f"has no effect while {switch} is {_on(fields[switch])}")
    if not fields["init_video"]:
        for name in ("video_mode", "video_strength"):
            note(name, 'has no effect while init_video is "" (no video input)')
    elif fields["video_mode"] == "independent":
        note("video_strength", "has no effect while video_mode is independent (the input frame alone)")  # fmt: skip
    return messages
