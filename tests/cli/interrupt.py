"""Children that a test interrupts with SIGINT, started as a terminal would start them."""

import signal


def as_from_a_terminal() -> None:
    """`preexec_fn`: SIGINT at its default and unblocked in the child, whatever disposition
    or mask the test runner's worker passes down, so the child's Python turns it into
    KeyboardInterrupt (a child that inherits an ignored SIGINT never sees Ctrl-C)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
