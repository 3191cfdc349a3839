"""Helpers shared by the release benchmarks: generated inputs, child runs, process-tree memory.

* :func:`write_table` writes ``examples.sample_data`` rows as one CSV file or as a directory of
  Parquet partitions, streaming batches so that memory stays flat whatever the size.
* :func:`run_child` runs a command in a child process and measures its wall time, the peak RSS
  of the child itself and the peak memory of the whole process tree (the child and every
  descendant: detection workers, Prefect's temporary API server ...), polled from ``/proc``
  every 0.2 s (PSS every second). The child's own peak is its ``VmHWM`` (high-water RSS of
  its address space); ``os.wait4``'s ``ru_maxrss`` is kept too but is not the child's own:
  Linux records the high-water RSS of the pre-``exec`` address space, i.e. of the benchmark
  process that forked it, so it is never below the benchmark's own RSS at that moment. The
  tree is reported both as summed RSS (pages shared between forked workers counted once per
  process, an upper bound) and as summed PSS (shared pages split between the processes that
  share them, the memory the tree really takes).
* :func:`run_release` runs ``python -m flows.cli release SOURCE --output DIR`` that way.
* :func:`bench_env` is the environment of a benchmark child (its own ``SHAREABLE_HOME``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from examples.sample_data import SCHEMA, generate_patient_batches

REPO = Path(__file__).resolve().parent.parent
MIB = 2**20
POLL_SECONDS = 0.2
PSS_EVERY = 5
"""PSS is read at every 5th poll (1 s): it costs far more than RSS to read."""
_PAGE = os.sysconf("SC_PAGE_SIZE")


def bench_env(workdir: Path) -> dict[str, str]:
    """Environment for benchmark children: own ``SHAREABLE_HOME`` under ``workdir``, a key."""
    env = dict(os.environ, SHAREABLE_HOME=str(workdir / "home"))
    env.setdefault("SHAREABLE_PSEUDONYM_KEY", "benchmark-key-0123456789")
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def table_schema(notes: bool) -> pa.Schema:
    """The generated table's schema, with or without the free-text ``notes`` column."""
    return SCHEMA if notes else SCHEMA.remove(SCHEMA.get_field_index("notes"))


def generated_batches(n_rows: int, notes: bool = True, seed: int = 7, batch_size: int = 50_000):
    """Yield the generated patient batches (``notes`` dropped unless ``notes``)."""
    for batch in generate_patient_batches(n_rows, seed=seed, batch_size=batch_size):
        yield batch if notes else batch.drop_columns(["notes"])


def write_table(
    path: Path,
    n_rows: int,
    fmt: str = "csv",
    notes: bool = True,
    seed: int = 7,
    rows_per_file: int = 1_000_000,
) -> float:
    """Write ``n_rows`` generated patients to ``path``; returns the seconds taken.

    Args:
        path: A ``.csv`` file (``fmt="csv"``) or a directory to create (``fmt="parquet-dir"``,
            one ``part-NNNNN.parquet`` per ``rows_per_file`` rows).
        n_rows: Rows to write.
        fmt: ``"csv"`` or ``"parquet-dir"``.
        notes: Keep the free-text ``notes`` column.
        seed: Seed of the generator (same seed, same rows).
        rows_per_file: Rows per Parquet partition.
    """
    started = time.perf_counter()
    schema = table_schema(notes)
    batches = generated_batches(n_rows, notes, seed)
    if fmt == "csv":
        with pacsv.CSVWriter(path, schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
    elif fmt == "parquet-dir":
        path.mkdir(parents=True)
        writer, part, in_part = None, 0, 0
        for batch in batches:
            offset = 0
            while offset < batch.num_rows:
                if writer is None:
                    writer = pq.ParquetWriter(path / f"part-{part:05d}.parquet", schema)
                take = min(batch.num_rows - offset, rows_per_file - in_part)
                writer.write_batch(batch.slice(offset, take))
                offset, in_part = offset + take, in_part + take
                if in_part == rows_per_file:
                    writer.close()
                    writer, part, in_part = None, part + 1, 0
        if writer is not None:
            writer.close()
    else:
        raise ValueError(f"unknown format {fmt!r}: use csv or parquet-dir")
    return time.perf_counter() - started


def input_bytes(path: Path) -> int:
    """Size of a file, or of all files under a directory."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


# --------------------------------------------------------------------------- process memory


def _children_map() -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process visible in /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def _children(pid: int) -> list[int] | None:
    """Child pids of ``pid`` from /proc/PID/task/*/children; ``None`` if the kernel lacks it."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found  # the process ended meanwhile
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", "rb") as children:
                found.extend(int(child) for child in children.read().split())
        except FileNotFoundError:
            if not os.path.exists(f"/proc/{pid}/task/{task}"):
                continue  # the thread ended meanwhile
            return None  # no CONFIG_PROC_CHILDREN
        except OSError:
            continue
    return found


def tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants that are alive now."""
    children_map: dict[int, list[int]] | None = None
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        children = _children(pid) if children_map is None else None
        if children is None:  # fall back to one scan of every process's parent
            children_map = children_map if children_map is not None else _children_map()
            children = children_map.get(pid, [])
        todo.extend(children)
    return pids


def _rss(pid: int) -> int:
    """Resident set size of one process in bytes (0 if it is gone); cheap (statm)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except OSError:
        return 0


def _pss(pid: int) -> int:
    """Proportional set size of one process in bytes (0 if it is gone).

    Reading ``smaps_rollup`` walks the page tables: ~15 ms for a 1 GiB process, so it is
    sampled less often than RSS.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TreeMemory(threading.Thread):
    """Polls the memory of a process tree until stopped; keeps the peaks."""

    def __init__(self, root: int, interval: float = POLL_SECONDS) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peak_rss = self.peak_pss = self.root_hwm = 0
        self.peak_processes = self._samples = 0
        self._halt = threading.Event()

    def run(self) -> None:
        """Sample until :meth:`stop`."""
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def sample(self) -> None:
        """Add one sample of the tree's summed RSS and PSS."""
        try:
            with open(f"/proc/{self.root}/status", "rb") as status:
                for line in status:
                    if line.startswith(b"VmHWM:"):
                        self.root_hwm = max(self.root_hwm, int(line.split()[1]) * 1024)
        except OSError:
            pass
        pids = tree_pids(self.root)
        self.peak_rss = max(self.peak_rss, sum(_rss(pid) for pid in pids))
        if self._samples % PSS_EVERY == 0:
            self.peak_pss = max(self.peak_pss, sum(_pss(pid) for pid in pids))
        self._samples += 1
        self.peak_processes = max(self.peak_processes, len(pids))

    def stop(self) -> None:
        """Stop polling and wait for the thread."""
        self._halt.set()
        self.join()


@dataclass(frozen=True)
class ChildRun:
    """What one child process took."""

    seconds: float
    main_peak_mib: float
    """Peak RSS of the child process itself (``VmHWM``, last polled value)."""
    wait4_peak_mib: float
    """``ru_maxrss`` from ``wait4``: includes the forking parent's RSS (see module doc)."""
    tree_rss_mib: float
    """Peak of the summed RSS of the child and its descendants (polled)."""
    tree_pss_mib: float
    """Peak of the summed PSS of the child and its descendants (polled every second)."""
    processes: int
    """Most processes seen in the tree at one time."""
    returncode: int
    stdout: str
    stderr_tail: str


def run_child(command: list[str], env: dict[str, str], log: Path) -> ChildRun:
    """Run ``command`` in the repository folder, polling its tree's memory; stderr to ``log``."""
    with log.open("w") as stderr, tempfile.TemporaryFile("w+") as stdout:
        started = time.perf_counter()
        child = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=stdout, stderr=stderr, text=True
        )
        monitor = TreeMemory(child.pid)
        monitor.sample()
        monitor.start()
        # Until wait4 reaps it, an exited child stays a zombie: the monitor's last samples
        # still find its pid (a zombie has no memory and no longer reports VmHWM).
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        monitor.stop()
        child.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        printed = stdout.read()
    return ChildRun(
        seconds=seconds,
        main_peak_mib=monitor.root_hwm / MIB,
        wait4_peak_mib=usage.ru_maxrss / 1024,
        tree_rss_mib=monitor.peak_rss / MIB,
        tree_pss_mib=monitor.peak_pss / MIB,
        processes=monitor.peak_processes,
        returncode=child.returncode,
        stdout=printed,
        stderr_tail=log.read_text(errors="replace")[-3000:],
    )


def run_release(source: Path, output: Path, env: dict[str, str]) -> tuple[ChildRun, Path]:
    """Run ``shareable release SOURCE --output OUTPUT`` in a child; returns the run and path.

    Raises:
        SystemExit: The release failed (its log tail is written to stderr).
    """
    run = run_child(
        [sys.executable, "-m", "flows.cli", "release", str(source), "--output", str(output)],
        env,
        output.parent / f"release-{source.name}.log",
    )
    if run.returncode != 0:
        sys.stderr.write(run.stderr_tail)
        raise SystemExit(f"release of {source.name} failed with exit code {run.returncode}")
    return run, Path(run.stdout.strip().splitlines()[-1])
