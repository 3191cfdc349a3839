"""Where Shareable keeps its state, and the environment it gives Prefect.

``SHAREABLE_HOME`` (default ``~/.shareable``) holds the default release root
(``releases/``), the catalog database and Prefect's own home (``prefect/``), so a fresh
machine needs no set-up: Prefect runs in its ephemeral local mode under that folder.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "SHAREABLE_HOME"


def shareable_home() -> Path:
    """Return ``$SHAREABLE_HOME`` (default ``~/.shareable``), creating it if needed."""
    home = Path(os.environ.get(HOME_ENV) or Path.home() / ".shareable").expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home


def default_release_root() -> Path:
    """Return the default output root, ``$SHAREABLE_HOME/releases``."""
    return shareable_home() / "releases"


def configure_prefect_environment() -> None:
    """Point Prefect at a home under ``SHAREABLE_HOME`` and keep it offline and quiet.

    Only fills in variables the user has not set, so a site with a Prefect server
    (``PREFECT_API_URL``) or its own ``PREFECT_HOME`` keeps them. Must run before Prefect is
    imported.
    """
    home = shareable_home()
    os.environ.setdefault("PREFECT_HOME", str(home / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Prefect's 20 s wait for its local server is too short on a busy 2-core machine (a
    # release beside a benchmark failed with "Timed out ... ephemeral Prefect API server").
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
