"""Deforum prompts -> the spec's `prompts` and `negative` tables.

Deforum writes a frame's positive and negative prompt in one string, `positive --neg negative`
(sd-webui-deforum `prompt.py`: the text after the first `--neg`, any later `--neg` removed, is
the negative). Each prompt holds from its frame until the next key, which is the spec's table
semantics (docs/cli.md "Prompts and keyframes"); a negative table is written only where the
negative changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .result import SpecBuilder, value_text

NEG = "--neg"
# A1111 prompt syntax that seqsampler's text encoders read as plain text.
_A1111_SYNTAX = re.compile(r"<(lora|lyco|hypernet):|`|\(([^()]*):\s*-?\d*\.?\d+\s*\)|\bAND\b")


def split_negative(text: str) -> tuple[str, str]:
    """(positive, negative) of a Deforum prompt `positive --neg negative`, each stripped."""
    positive, *rest = text.split(NEG)
    return positive.strip(), "".join(rest).strip()


def combined(text: str, positive: str, negative: str) -> str:
    """A prompt with the A1111 extension's common positive and negative parts added, as its
    `process_args` does: `{positive} {prompt} {'' if '--neg' in prompt else '--neg'} {negative}`."""
    return f"{positive} {text} {'' if NEG in text else NEG} {negative}"


def put_prompts(builder: SpecBuilder, prompts: Mapping[int, str], origin: str) -> None:
    """Write `prompts` (frame -> Deforum prompt) as the spec's prompt and negative tables."""
    positive: dict[str, str] = {}
    negative: dict[str, str] = {}
    last_pos = last_neg = None
    for frame in sorted(prompts):
        pos, neg = split_negative(prompts[frame])
        if pos != last_pos:
            positive[str(frame)] = last_pos = pos
        if neg != last_neg:
            negative[str(frame)] = last_neg = neg
    builder.put("prompts", positive, origin)
    _note_syntax(builder, prompts, origin)
    if len(negative) == 1 and not next(iter(negative.values())):
        return  # no negative anywhere: the spec's default ""
    # Both tables start at the first frame (the loop sets both there): one negative is a string.
    one = len(negative) == 1
    builder.put("negative", next(iter(negative.values())) if one else negative, origin)


def _note_syntax(builder: SpecBuilder, prompts: Mapping[int, str], origin: str) -> None:
    syntax = sorted({m.group(0) for text in prompts.values() for m in _A1111_SYNTAX.finditer(text)})
    if syntax:
        builder.note(
            f"{origin}: A1111 prompt syntax ({value_text(', '.join(syntax), 60)}) is passed to "
            "seqsampler's text encoders as plain text (no LoRA, weights, AND or expressions)"
        )
