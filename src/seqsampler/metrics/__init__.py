"""Quality measures of a rendered sequence (docs/quality.md): flicker, high-frequency flicker,
SSIM, colour drift (CIEDE2000), motion-compensated error (DIS optical flow), the loop seam.

- `sequence_metrics(frames, segment_starts)`: per-frame series and a run summary (a dict).
- `run_metrics(run_folder)`: the same for a run folder's frames (segments from plan.json),
  written to metrics.json, metrics.csv and metrics.png in the folder.
- With camera motion (`matrices`, or `run_metrics(..., motion_matrix=...)` reading the plan's
  `motion` records), the change with the camera undone as well (`motion.py`).

Needs scikit-image and opencv-python-headless (the `[cli]` extra); imports no torch.
"""

from .measures import MOTION_SERIES, SERIES, segment_starts_of, sequence_metrics, series_names
from .report import metrics_csv, run_metrics, summary_table

__all__ = [
    "MOTION_SERIES",
    "SERIES",
    "metrics_csv",
    "run_metrics",
    "segment_starts_of",
    "sequence_metrics",
    "series_names",
    "summary_table",
]
