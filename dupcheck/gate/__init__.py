"""The gate for document repositories: ``dupcheck ci`` and ``dupcheck config``.

A thin layer over :class:`dupcheck.api.Index`, in four parts:

- :mod:`dupcheck.gate.config` — settings from ``[tool.dupcheck]`` / ``dupcheck.toml``, the
  environment and the command line, each value with where it came from;
- :mod:`dupcheck.gate.changes` — which documents changed, from git;
- :mod:`dupcheck.gate.accepted` — the baseline of reviewed, accepted findings;
- :mod:`dupcheck.gate.ci` — the run: keep the gate's index up to date, check the changed
  documents, judge each against its warn/fail level, render, exit code.

The formats CI systems read are renderers like the others: ``dupcheck.render.sarif``,
``dupcheck.render.junit``, ``dupcheck.render.github``.
"""
