"""`python -m seqsampler.cli`: the `seqsampler` command."""

import sys

from .main import main

sys.exit(main())
