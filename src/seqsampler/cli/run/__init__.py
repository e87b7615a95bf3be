"""One render into a run folder: its files, its lock and manifest, the render itself.

Imports `cli.spec` only (of the CLI's groups).
- `folder`: the run folder's paths, its check against the spec, the model fingerprint.
- `lock`: one writer per run folder (an OS lock naming its holder's pid).
- `manifest`: per frame the latent's and PNG's SHA-256; what a resume verifies.
- `numerics`: device, dtype, torch version and thread count of a run; a resume must match them.
- `writers`, `videos`, `frame_writer`: atomic PNG (with metadata) / latent / contact-sheet
  writers; mp4 / GIF / WebP videos; the frame writer's thread.
- `render`, `render_batch`: `render(spec, out)` into a resumable run folder; K seeds as a batch.
- `temporal`: the CLI's side of colour coherence and loops.
- `plan_summary`: the plan as a compact table for the render log.
"""
