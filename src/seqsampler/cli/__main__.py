"""`python -m seqsampler.cli`: the `seqsampler` command."""

import sys

try:
    from .app import main
except KeyboardInterrupt:  # Ctrl-C while the command starts
    sys.stderr.write("seqsampler: interrupted; run the same command again to resume\n")
    sys.exit(130)

sys.exit(main())
