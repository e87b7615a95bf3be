"""Looking at a run folder: `view.html` (`page`, from the folder as `folder` reads it) and
the plan chart as a PNG (`chart`).

Imports `cli.spec` and `cli.run` only (of the CLI's groups).
"""
