"""What changes a render's numbers besides the spec and the model: the device, the dtype, the
torch version and (on CPU) the thread count. `environment.json` in the run folder
(`folder.ENVIRONMENT_NAME`) records them when the first frame is rendered; a resume that would
render more frames under other settings is refused, naming the difference, because its frames
would not match the earlier ones (docs/cli.md "Identical frames").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..spec.fields import SpecError, short_repr
from .folder import read_json


def numeric_environment(device: str) -> dict[str, Any]:
    """{"device", "dtype", "torch", "threads"}; threads only matter (and are kept) on CPU."""
    import torch

    kind = torch.device(device).type
    record: dict[str, Any] = {"device": kind, "dtype": "float32", "torch": torch.__version__}
    if kind == "cpu":
        record["threads"] = torch.get_num_threads()
    return record


def check_environment(path: Path, now: dict[str, Any], root: Path) -> None:
    """Refuse to add frames under settings other than those recorded at `path`."""
    saved = read_json(path)
    if not isinstance(saved, dict):
        saved = {}
    differing = [k for k in dict.fromkeys([*saved, *now]) if saved.get(k) != now.get(k)]
    if not differing:
        return
    details = "; ".join(
        f"{k}: then {short_repr(saved.get(k))}, now {short_repr(now.get(k))}" for k in differing
    )
    hint = ""
    if "threads" in differing and isinstance(saved.get("threads"), int):
        hint = f" (--threads {saved['threads']})"
    raise SpecError(
        f"out: the run folder {short_repr(str(root), 240)} was rendered under other numeric "
        f"settings ({details}), so new frames would not match the saved ones; resume with the "
        f"same settings{hint}, or pass --overwrite to start again"
    )


def write_environment(path: Path, record: dict[str, Any]) -> None:
    from .writers import atomic_write_text

    atomic_write_text(path, json.dumps(record, indent=2))
