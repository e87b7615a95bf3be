"""The spec: what the user wrote (file, flags), its fields and presets, resolved and checked.

The lowest layer of the CLI: it imports no other group of `seqsampler.cli`.
- `file`: the TOML / YAML spec file and the field flags, as written (names checked).
- `fields`: the field registry (the CLI's own fields and the node's), presets' tables, checks.
- `presets`: a preset's defaults; the set fields another switch makes ineffective.
- `prompts`, `prompt_keys`: prompts and negatives (string, list or keyframe table) -> lists.
- `resolve`: spec dict -> `ResolvedSpec` (fields, prompt lists, `SequenceConfig`); spec diffs.
- `checks`: engine / prompt-vocabulary / image-size checks before any model is loaded.
"""
