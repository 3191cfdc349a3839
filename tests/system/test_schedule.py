"""Scheduled refreshes on a real Prefect server on loopback: serve, deploy + worker, trigger."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from examples.sample_data import generate_patients

START_TIMEOUT = 120
RUN_TIMEOUT = 240


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a background process in its own process group (so it can be stopped whole)."""
    with log.open("w") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            command, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for(check, timeout: float, what: str, logs: list[Path]):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(1)
    tails = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs)
    raise AssertionError(f"timed out waiting for {what}\n{tails}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], Path]]:
    home = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "SHAREABLE_HOME": str(home / "shareable"),
        "SHAREABLE_DB_URL": f"sqlite:///{home / 'shareable.db'}",
    }
    env.pop("PREFECT_API_KEY", None)
    log = home / "server.log"
    process = start(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env,
        log,
    )
    api = env["PREFECT_API_URL"]

    def healthy() -> bool:
        try:
            return httpx.get(f"{api}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(healthy, START_TIMEOUT, "the Prefect server", [log])
        yield api, env, home
    finally:
        stop(process)


def scheduled_spec(folder: Path, dataset: str) -> Path:
    generate_patients(40, seed=9).to_csv(folder / f"{dataset}.csv", index=False)
    path = folder / f"{dataset}.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "dataset": dataset,
                "source": {"path": f"{dataset}.csv"},
                "output": "releases",
                "schedule": {"cron": "0 3 1 1 *", "timezone": "America/New_York"},
            }
        )
    )
    return path


def trigger_and_wait(api: str, deployment: str, logs: list[Path]) -> dict:
    """Create a run of ``release/<deployment>`` now and wait for it to finish."""
    found = wait_for(
        lambda: _get(f"{api}/deployments/name/release/{deployment}"),
        START_TIMEOUT,
        f"deployment {deployment}",
        logs,
    )
    assert found["schedules"][0]["schedule"]["cron"] == "0 3 1 1 *"
    url = f"{api}/deployments/{found['id']}/create_flow_run"
    for attempt in range(5):  # a busy SQLite-backed server answers 503 now and then: retry
        run = httpx.post(url, json={}, timeout=10)
        if run.status_code != 503:
            break
        time.sleep(1 + attempt)
    run.raise_for_status()
    run_id = run.json()["id"]

    def finished():
        state = _get(f"{api}/flow_runs/{run_id}")["state"]
        return state if state["type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None

    return wait_for(finished, RUN_TIMEOUT, f"flow run of {deployment}", logs)


def _get(url: str):
    try:
        response = httpx.get(url, timeout=5)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


def test_serve_runs_a_triggered_refresh(server, tmp_path: Path) -> None:
    api, env, _ = server
    spec = scheduled_spec(tmp_path, "served_visits")
    log = tmp_path / "serve.log"
    process = start([sys.executable, "-m", "flows.cli", "serve", str(spec)], env, log)
    try:
        state = trigger_and_wait(api, "refresh-served-visits", [log])
        assert state["type"] == "COMPLETED", log.read_text()[-3000:]
    finally:
        stop(process)
    assert (tmp_path / "releases" / "served_visits" / "v1" / "manifest.json").is_file()


def test_deploy_to_a_work_pool_and_run_on_a_worker(server, tmp_path: Path) -> None:
    api, env, home = server
    spec = scheduled_spec(tmp_path, "pooled_visits")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "prefect",
            "work-pool",
            "create",
            "shareable-test",
            "--type",
            "process",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    deployed = subprocess.run(
        [sys.executable, "-m", "flows.cli", "deploy", str(spec), "--work-pool", "shareable-test"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert deployed.returncode == 0, deployed.stderr
    assert "release/refresh-pooled-visits" in deployed.stdout
    log = tmp_path / "worker.log"
    worker = start(
        [
            sys.executable,
            "-m",
            "prefect",
            "worker",
            "start",
            "--pool",
            "shareable-test",
            "--type",
            "process",
        ],
        {**env, "PWD": str(tmp_path)},
        log,
    )
    try:
        state = trigger_and_wait(api, "refresh-pooled-visits", [log])
        assert state["type"] == "COMPLETED", log.read_text()[-3000:]
    finally:
        stop(worker)
    assert (tmp_path / "releases" / "pooled_visits" / "v1").is_dir()
    audit = subprocess.run(
        [sys.executable, "-m", "flows.cli", "audit", "pooled_visits"],
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
    )
    assert "deployment_created" in audit.stdout and "published" in audit.stdout
    assert "schedule:pooled_visits" in audit.stdout
