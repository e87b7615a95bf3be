"""The settings being imported, with the names already read (the rest become notes)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .result import SpecBuilder, is_number


@dataclass
class Source:
    """A source's settings, the builder they fill, the run's frame count and fixed seed (None
    while unknown or random), and the names read so far."""

    settings: Mapping[str, Any]
    builder: SpecBuilder
    frames: int = 0
    seed: int | None = None
    used: set[str] = field(default_factory=set)

    def has(self, name: str) -> bool:
        return name in self.settings

    def take(self, name: str, default: Any = None) -> Any:
        """A setting's value (marking it read), or `default` when absent."""
        self.used.add(name)
        return self.settings.get(name, default)

    def flag(self, name: str) -> bool:
        """A switch's state: true for true, "true", "True" or a non-zero number."""
        value = self.take(name)
        if isinstance(value, str):
            return value.strip().lower() == "true"
        return bool(value) if is_number(value) or isinstance(value, bool) else False

    def rest(self, why: Callable[[str, Mapping[str, Any]], str]) -> None:
        """A `not carried` note for every setting not read, with `why(name, settings)`."""
        for name, value in self.settings.items():
            if name not in self.used:
                self.builder.not_carried(str(name), value, why(str(name), self.settings))


def whole_number(value: Any) -> int | None:
    """An int from an int, an integral float or a digit string (Deforum writes "2" for cadence)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        if digits.isascii() and digits.isdigit() and len(digits) <= 30:
            return sign * int(digits)
    return None
