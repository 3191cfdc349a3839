"""Shipped configuration, read as package data (``importlib.resources``).

- ``detection.yaml``          detection settings (engine, thresholds, header hints, gazetteers)
- ``policies/<name>.yaml``    release policies: the default action per identifier entity
- ``releases/*.yaml``         example release specs (kept in the repository, not installed)

Code reads these through :func:`importlib.resources.files` (``files("configs")``), never
through a path computed from ``__file__``, so a plain ``pip install`` finds them.
"""
