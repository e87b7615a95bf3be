"""The torch CPU thread count of a render, chosen on purpose.

torch's default (one thread per core) collapses when the machine is shared: its OpenMP
threads spin-wait for each other, so one busy core stalls every step (bench/threads.py
measures it: on a shared 2-core machine two threads ran 10-23x slower than one).
`choose_threads(None)` is the CLI's default: half the cores this process may use, at least 1
and at most `DEFAULT_CAP`; it depends on the machine only, never on its momentary load, so the
same command on the same machine uses the same thread count (and gives the same frames).

Determinism: a frame rendered with N threads may differ in the last bits from one rendered
with M threads (float sums are split differently), and a chain of frames carries that
difference forward. Renders are reproducible for a fixed thread count; pass `--threads` to
pin it when frames must match another run bit for bit.

Bound: `--threads N` takes N in [1, max(MAX_THREADS, cores)]: above the cores it is accepted
(to match a run made on a bigger machine) with a warning that it runs slower; beyond
MAX_THREADS (or the cores, if more) it is refused, since each thread is an OS thread and torch
gains nothing from them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_CAP = 4
MAX_THREADS = 64  # the most --threads takes on a machine with fewer cores

log = logging.getLogger(__name__)


def cpu_count() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def max_threads() -> int:
    """The most threads `--threads` takes here: MAX_THREADS, or the cores if more."""
    return max(MAX_THREADS, cpu_count())


def choose_threads(requested: int | None = None) -> int:
    """`requested` when given (in [1, max_threads()]), else the default described in the module
    docstring."""
    if requested is not None:
        cores, high = cpu_count(), max_threads()
        if (
            isinstance(requested, bool)
            or not isinstance(requested, int)
            or not 1 <= requested <= high
        ):
            raise ValueError(
                f"threads: got {requested!r}; accepted: an int in [1, {high}] (at most "
                f"{MAX_THREADS}, or the {cores} cores this process may use if more)"
            )
        if requested > cores:
            log.warning(
                "threads: %d on %d cores runs slower than %d (threads wait for each other); "
                "use it only to match frames made with --threads %d",
                requested,
                cores,
                cores,
                requested,
            )
        return requested
    return max(1, min(DEFAULT_CAP, cpu_count() // 2))


def set_threads(requested: int | None = None) -> int:
    """Set torch's intra-op thread count (`choose_threads`) and return it."""
    import torch

    threads = choose_threads(requested)
    torch.set_num_threads(threads)
    return threads


@contextmanager
def torch_threads(requested: int | None = None) -> Iterator[int]:
    """`set_threads(requested)` for the duration of the block; the previous count after it."""
    import torch

    previous = torch.get_num_threads()
    try:
        yield set_threads(requested)
    finally:
        torch.set_num_threads(previous)
