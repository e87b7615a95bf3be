"""The optional libraries of the measures (the `[cli]` extra), imported when first needed."""

from __future__ import annotations

from typing import Any


def cv2() -> Any:
    """OpenCV, or an ImportError that names the extra to install."""
    try:
        import cv2 as module
    except ImportError as exc:  # pragma: no cover - the [cli] extra
        raise ImportError(
            "seqsampler.metrics needs opencv-python-headless: pip install 'seqsampler[cli]'"
        ) from exc
    return module
