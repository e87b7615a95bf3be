"""The package's version (a leaf module, so the front doors, `seqsampler` and its CLI, can both
read it without importing each other)."""

__version__ = "0.1.0"
