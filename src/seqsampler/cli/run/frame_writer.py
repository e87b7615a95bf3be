"""The render's frame writer: each frame's latent, PNG and manifest entry are written on one
background thread, in frame order, while the next frame is sampled.

The writes themselves are those of the run folder (`writers.save_latent`, `writers.save_png`,
`manifest.append_entry`): atomic and fsynced, the manifest entry last, so a frame is complete
on disk exactly when its entry is in the manifest, whatever happens after. The queue is bounded
(`DEPTH` frames), so a slow disk holds the sampler back instead of filling memory.

A write error stops the writing (no later frame is written, so the manifest stays a prefix);
it is raised in the rendering thread at its next `put` or at `close`. `close` writes every
frame already handed over before it returns, on success and on failure alike.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

import numpy as np
import torch

from . import writers
from .folder import RunFolder
from .manifest import append_entry

log = logging.getLogger(__name__)

DEPTH = 4  # frames waiting to be written at most


@dataclass(frozen=True)
class FrameFiles:
    """One frame's files to write: its output latent, its image and the PNG's text entries."""

    index: int
    latent: torch.Tensor
    image: np.ndarray
    text: dict[str, str]


def write_frame(folder: RunFolder, frame: FrameFiles) -> None:
    """The frame's latent, then its PNG, then its manifest entry (each atomic and fsynced)."""
    latent_sha = writers.save_latent(folder.latent_path(frame.index), frame.latent)
    png_sha = writers.save_png(folder.frame_path(frame.index), frame.image, frame.text)
    append_entry(folder.manifest_path, frame.index, latent_sha, png_sha)


class FrameWriter:
    """Writes `FrameFiles` into `folder` in order on a background thread (see the module
    docstring); `prepare`, if given, runs first on that thread (e.g. importing the video
    encoder's library while the first frames are sampled). Use as a context manager."""

    def __init__(
        self,
        folder: RunFolder,
        *,
        depth: int = DEPTH,
        prepare: Callable[[], None] | None = None,
    ) -> None:
        self.folder = folder
        self._queue: queue.Queue[FrameFiles | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._prepare = prepare
        self._thread = threading.Thread(target=self._work, name="seqsampler-frame-writer")
        self._thread.daemon = True  # a killed render must not wait on it (resume redoes the frame)
        self._thread.start()

    def put(self, frame: FrameFiles) -> None:
        """Hand a frame over (waits while `depth` frames are queued); raises the writer's error
        if a write failed."""
        self._raise_error()
        self._queue.put(frame)

    def close(self) -> None:
        """Write every frame handed over, stop the thread; raises the writer's error, if any."""
        self._stop()
        self._raise_error()

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
            return
        self._stop()  # the frames already made are still written
        if self._error is not None and self._error is not error:
            log.warning("writing a frame failed as well: %s", self._error)

    # -- internals ---------------------------------------------------------------------------

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        if self._prepare is not None:
            self._run(self._prepare)
        while True:
            frame = self._queue.get()
            if frame is None:
                return
            if self._error is None:  # after a failure, frames are dropped, never written
                self._run(lambda: write_frame(self.folder, frame))  # noqa: B023 (run now)

    def _run(self, job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - handed to the rendering thread
            self._error = exc
