"""Sweeps: one spec rendered many ways, each job a normal run folder (docs/cli.md "Sweeps").

Imports `cli.spec` and `cli.run` only (of the CLI's groups).
- `jobs`: the `[sweep]` table and `--sweep` flags -> jobs (resolved specs with names).
- `cli`: the command line's sweep flags and commands.
- `run`: run a sweep (skip done jobs, hand the rest to an executor, write the index).
- `executors`: this process, a local process pool, or a Ray cluster.
- `worker`: one task rendered (a job or a batch) and the record of the process that took it.
- `index`: `sweep.json` and the sweep's contact sheet.
"""
