"""The schedule language, shared by both front doors: Deforum / FizzNodes value schedules
(`values`), their bounded expression evaluator (`expressions`, its arithmetic in `arithmetic`),
FizzNodes prompt schedules (`prompts`) and the keyframe syntax both share (`keys`). A parser and
nothing else: pure Python, standard library only.

The names here are its public face; errors are `ScheduleError`s naming the field and position.
"""

from __future__ import annotations

from .arithmetic import MAX_INT
from .expressions import MAX_EXPRESSION_CHARS, ScheduleError
from .keys import MAX_SCHEDULE_CHARS, MAX_SCHEDULE_KEYS
from .prompts import parse_prompt_schedule
from .values import is_schedule, parse_schedule, schedule_values

__all__ = [
    "MAX_EXPRESSION_CHARS",
    "MAX_INT",
    "MAX_SCHEDULE_CHARS",
    "MAX_SCHEDULE_KEYS",
    "ScheduleError",
    "is_schedule",
    "parse_prompt_schedule",
    "parse_schedule",
    "schedule_values",
]
