"""Importers: Deforum settings files and Parseq's rendered output -> seqsampler spec files.

Pure Python (no torch): `deforum_to_spec(settings)` and `parseq_to_spec(rendered)` return an
`ImportResult` (the spec as a dict, and the notes: each setting not carried, and why);
`to_toml(result)` writes it as a commented TOML spec; `command` is the back end of
`seqsampler import deforum|parseq FILE [-o SPEC.toml]`. A field is carried only when seqsampler
knows its name (`known_fields`, from the CLI's registry), so settings seqsampler gains later
(motion, cadence, video input) are carried by the same code.
"""

from __future__ import annotations

from .command import add_import_arguments, cmd_import, import_file, main_import, read_source
from .deforum import deforum_to_spec
from .parseq import parseq_to_spec
from .result import ImportResult
from .toml_out import to_toml

__all__ = [
    "ImportResult",
    "add_import_arguments",
    "cmd_import",
    "deforum_to_spec",
    "import_file",
    "main_import",
    "parseq_to_spec",
    "read_source",
    "to_toml",
]
