"""Example spec files shipped with the package (`seqsampler demo` renders `demo.toml`)."""
