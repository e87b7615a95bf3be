"""Check a model's files before anything is loaded or written: a readable header in every
weights file, a parseable JSON file in every config, so that a truncated download or a broken
file is refused in one line naming it, before a run folder exists (no torch, no diffusers).

What is read: a `.safetensors` file's header and tensor table (safetensors' own `safe_open`,
which checks the header's length and JSON and that the tensors cover the file exactly); a
`.ckpt` / `.bin` / `.pt` file's zip directory (torch.save's format) or its pickle protocol
byte (the legacy format); in a diffusers folder, `model_index.json`, every component's JSON
files and weights files. Tensor contents are not read (a flipped byte inside a tensor passes).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

WEIGHT_SUFFIXES = (".safetensors", ".ckpt", ".bin", ".pt", ".pth")
# The components `loader._load_folder` reads and the config file each must have.
COMPONENT_CONFIGS = {
    "unet": "config.json",
    "vae": "config.json",
    "text_encoder": "config.json",
    "text_encoder_2": "config.json",
    "scheduler": "scheduler_config.json",
}
REQUIRED = ("unet", "text_encoder", "tokenizer", "scheduler")
WEIGHTED = ("unet", "vae", "text_encoder", "text_encoder_2")
TOKENIZERS = ("tokenizer", "tokenizer_2")
REDOWNLOAD = "the file is truncated or damaged: download or save it again"


def check_model_files(path: str | Path) -> None:
    """ValueError naming the first unreadable file of the model at `path` (a diffusers folder
    or a single checkpoint file); nothing if every file's structure reads."""
    path = Path(path)
    if path.is_dir():
        _check_folder(path)
    elif path.suffix == ".safetensors":
        check_safetensors(path)
    else:
        check_torch_file(path)


def check_safetensors(path: Path) -> None:
    """The header of a `.safetensors` file: its length, its JSON, its tensors covering the file."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="numpy") as handle:
            handle.keys()
    except SafetensorError as err:
        reason = str(err).removeprefix("Error while deserializing header: ")
        raise ValueError(
            f"model file {str(path)!r} is not a readable .safetensors file ({reason}); {REDOWNLOAD}"
        ) from None


def check_torch_file(path: Path) -> None:
    """A torch.save file (`.ckpt`, `.bin`): a complete zip archive holding a data.pkl, or a
    legacy pickle (protocol 2 or later)."""
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError) as err:
            raise ValueError(
                f"model file {str(path)!r} is not a readable zip archive ({err}); {REDOWNLOAD}"
            ) from None
        if not any(name.endswith("data.pkl") for name in names):
            raise ValueError(
                f"model file {str(path)!r} is a zip archive without data.pkl, not a torch "
                f"checkpoint; accepted: a file written by torch.save"
            )
        return
    with path.open("rb") as handle:
        head = handle.read(2)
    if len(head) < 2 or head[0] != 0x80 or not 2 <= head[1] <= 5:
        raise ValueError(
            f"model file {str(path)!r} is neither a zip archive nor a pickle (what torch.save "
            f"writes); {REDOWNLOAD}"
        )


def _check_json(path: Path) -> None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise ValueError(
            f"model file {str(path)!r} is not valid JSON ({err}); {REDOWNLOAD}"
        ) from None
    if not isinstance(value, dict):
        raise ValueError(
            f"model file {str(path)!r} holds a JSON {type(value).__name__}; accepted: an object"
        )


def _check_folder(folder: Path) -> None:
    """model_index.json, then each component's config, JSON files and weights files."""
    index = folder / "model_index.json"
    if not index.is_file():
        raise ValueError(
            f"model folder {str(folder)!r} has no model_index.json; expected a diffusers-format "
            "folder (model_index.json, unet/, text_encoder/, tokenizer/, scheduler/, vae/)"
        )
    _check_json(index)
    for part in REQUIRED:
        if not (folder / part).is_dir():
            raise ValueError(f"model folder {str(folder)!r} has no {part}/ subfolder")
    for part in (*COMPONENT_CONFIGS, *TOKENIZERS):
        sub = folder / part
        if not sub.is_dir():
            continue
        config = COMPONENT_CONFIGS.get(part)
        if config is not None and not (sub / config).is_file():
            raise ValueError(f"model folder {str(folder)!r}: {part}/ has no {config}")
        for file in sorted(sub.glob("*.json")):
            _check_json(file)
        if part not in WEIGHTED:
            continue
        weights = sorted(f for f in sub.iterdir() if f.suffix in WEIGHT_SUFFIXES)
        if not weights:
            raise ValueError(
                f"model folder {str(folder)!r}: {part}/ has no weights file "
                f"({', '.join(WEIGHT_SUFFIXES)})"
            )
        for file in weights:
            check_model_files(file)
