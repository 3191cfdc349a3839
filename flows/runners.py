"""Where a release's partitions are processed: threads on this machine, or a Dask cluster.

Without a cluster address the ``release`` flow uses Prefect's thread pool, one thread per core
(Arrow and the detector's worker processes do the heavy work outside the GIL). With
``--dask-address tcp://HOST:PORT`` or ``SHAREABLE_DASK_ADDRESS`` it uses prefect-dask's
``DaskTaskRunner`` on that existing cluster: every partition is one Prefect task run on a Dask
worker. Workers must see the source and output folders at the same paths, have Shareable
installed, and have ``SHAREABLE_PSEUDONYM_KEY`` in their environment when the plan
pseudonymises (the key never travels with the task). They report task runs to the Prefect
API of the flow: with no ``PREFECT_API_URL`` configured, that is the flow's local ephemeral
server, reachable only by workers on this machine.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from distributed import Client
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.task_runners import ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner

from privacy.errors import ClusterUnavailable

DASK_ADDRESS_ENV = "SHAREABLE_DASK_ADDRESS"
CONNECT_TIMEOUT_SECONDS = 5.0


def dask_address(given: str | None = None) -> str | None:
    """The Dask scheduler to use: ``given``, else ``$SHAREABLE_DASK_ADDRESS``, else None."""
    address = (given or os.environ.get(DASK_ADDRESS_ENV) or "").strip()
    return address or None


def task_runner(address: str | None = None):
    """The Prefect task runner for a release: Dask at ``address``, else local threads."""
    if address:
        return DaskTaskRunner(address=address, client_kwargs={"timeout": CONNECT_TIMEOUT_SECONDS})
    return ThreadPoolTaskRunner(max_workers=local_cores())


def default_task_runner():
    """The runner of the ``release`` flow when none is chosen (reads the environment)."""
    return task_runner(dask_address())


def local_cores() -> int:
    """CPU cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def check_cluster(address: str, timeout: float = CONNECT_TIMEOUT_SECONDS) -> int:
    """Fail within ``timeout`` seconds unless a Dask scheduler with workers answers.

    Returns the number of worker threads. Raises :class:`ClusterUnavailable` naming the
    address and the fix (before anything is written).
    """
    host, port = _host_port(address)
    fix = (
        "Start the cluster (`dask scheduler`, then `dask worker ADDRESS`), correct "
        f"`--dask-address` / {DASK_ADDRESS_ENV}, or leave it unset to run on this machine. "
        "Nothing was published."
    )
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or "refused")
        raise ClusterUnavailable(
            f"{address}: no Dask scheduler answers ({reason} within {timeout:g} s). {fix}"
        ) from None
    try:
        with Client(address, timeout=timeout, set_as_default=False) as client:
            threads = sum(client.nthreads().values())
    except (OSError, TimeoutError) as exc:
        raise ClusterUnavailable(
            f"{address}: the Dask scheduler did not answer ({type(exc).__name__}). {fix}"
        ) from None
    if threads == 0:
        raise ClusterUnavailable(
            f"{address}: the Dask scheduler has no workers. Start at least one "
            f"(`dask worker {address}`). Nothing was published."
        )
    return threads


@contextmanager
def api_for_workers() -> Iterator[None]:
    """Give task runs on Dask workers the flow's Prefect API address.

    Task runs carry the flow's settings to the worker; with no ``PREFECT_API_URL`` set, the
    flow talks to Prefect's local ephemeral server, whose address is then filled in so that
    workers report to the same server instead of each starting their own.
    """
    if PREFECT_API_URL.value():
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer  # the server app: heavy, rare

    server = SubprocessASGIServer()  # the ephemeral server this process already uses
    server.start()
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        yield


def _host_port(address: str) -> tuple[str, int]:
    """Split ``tcp://host:port`` (or ``host:port``) into host and port."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "tls") or not parts.hostname or parts.port is None:
        raise ClusterUnavailable(
            f"{address}: not a Dask scheduler address. Give it as tcp://HOST:PORT "
            "(e.g. tcp://10.0.0.5:8786)."
        )
    return parts.hostname, parts.port
