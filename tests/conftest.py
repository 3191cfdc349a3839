"""Session-wide test set-up: an isolated SHAREABLE_HOME, one Prefect harness, shared data.

Tests marked ``shared_data`` use ``../shared/data`` (public evaluation data kept outside the
repo). Where that folder is absent they skip with a visible reason, unless
``SHAREABLE_REQUIRE_SHARED_DATA=1`` (set by ``.ci/run``), where their absence is an error.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Before anything imports flows/ (which points Prefect's home under SHAREABLE_HOME).
_HOME = Path(tempfile.mkdtemp(prefix="shareable-test-home-"))
os.environ["SHAREABLE_HOME"] = str(_HOME)
os.environ["PREFECT_HOME"] = str(_HOME / "prefect")
os.environ.pop("SHAREABLE_PSEUDONYM_KEY", None)
os.environ.pop("SHAREABLE_DB_URL", None)

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
TEST_KEY = "test-key-0123456789abcdef"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove the session's SHAREABLE_HOME (catalog, Prefect database, default releases)."""
    shutil.rmtree(_HOME, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip (or, in CI, fail) tests that need ../shared/data when it is absent."""
    if SHARED_DATA.is_dir():
        return
    if os.environ.get("SHAREABLE_REQUIRE_SHARED_DATA") == "1":
        raise pytest.UsageError(
            f"{SHARED_DATA} is missing but SHAREABLE_REQUIRE_SHARED_DATA=1: the shared_data "
            "tests must run here. Link the shared folder beside the repo."
        )
    skip = pytest.mark.skip(reason=f"needs {SHARED_DATA} (public evaluation data, not in the repo)")
    for item in items:
        if "shared_data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ``../shared/data`` folder (tests using it carry the ``shared_data`` marker)."""
    return SHARED_DATA


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the whole session (a harness per test is slow)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """Set SHAREABLE_PSEUDONYM_KEY for one test."""
    monkeypatch.setenv("SHAREABLE_PSEUDONYM_KEY", TEST_KEY)
    return TEST_KEY


PG_URL_ENV = "SHAREABLE_TEST_PG_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty database per test: a SQLite file, or a fresh schema on the PostgreSQL server.

    The PostgreSQL case needs ``SHAREABLE_TEST_PG_URL`` (``.ci/run`` sets it to the local
    server) and skips with that reason otherwise.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shareable.db'}"
        return
    base = os.environ.get(PG_URL_ENV)
    if not base:
        pytest.skip(f"{PG_URL_ENV} is not set (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    import uuid

    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()
