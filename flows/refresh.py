"""Refresh semantics and bookkeeping around a release: up to date?, catalog, retention, audit.

A release whose source bytes and spec are unchanged since the latest published version
publishes nothing ("up to date"); any change publishes the next version. After publication
the release is recorded in the catalog and, with ``retain: N``, older versions are removed.
Every outcome, including refusals, is appended to the audit log.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from flows import audit, catalog
from flows.budget import ledger_engine
from flows.inputs import ReleaseInputs
from flows.manifest import Fingerprint, Manifest
from flows.publish import read_latest, staging_root, versions, write_latest
from privacy import ledger
from privacy.errors import ShareableError, ValidationFailed


def up_to_date(inputs: ReleaseInputs) -> Path | None:
    """The current release folder if source and spec are unchanged since it, else None.

    An unreadable manifest is not evidence of being up to date.
    """
    dataset_dir = inputs.output_root / inputs.spec.dataset
    published = versions(dataset_dir)
    if not published:
        return None
    folder = dataset_dir / f"v{published[-1]}"
    found = Fingerprint.read(folder)
    return folder if found is not None and found.matches(inputs) else None


def record(
    inputs: ReleaseInputs, manifest: Manifest, published: Path, charge: ledger.Charge | None = None
) -> list[Path]:
    """Catalog the new release, settle its DP charge, apply ``retain:``; returns removals."""
    if charge is not None:
        ledger.mark_published(ledger_engine(), charge.charge_id, manifest.version)
    catalog.record_release(
        manifest, published, steward=inputs.spec.steward, description=inputs.spec.description
    )
    return retire_old_versions(inputs, published)


def retire_old_versions(inputs: ReleaseInputs, published: Path) -> list[Path]:
    """Remove versions beyond the spec's ``retain: N`` (oldest first); never the newest.

    Called after the new release is recorded. Each old version is marked retired in the
    catalog first, then moved out of view in one ``rename`` (so no analyst ever sees half a
    version), then deleted; a crash in between leaves either a visible whole version (removed
    again by the next run) or a folder in the private staging area (removed by the next run).
    """
    keep = inputs.spec.retain
    if keep is None:
        return []
    dataset_dir = published.parent
    removed = []
    for version in versions(dataset_dir)[:-keep]:
        folder = dataset_dir / f"v{version}"
        if folder == published:
            continue
        catalog.mark_retired(folder)
        _withdraw(folder, "retired")
        audit.audit(
            "retired",
            "removed",
            actor=inputs.actor,
            dataset=inputs.spec.dataset,
            spec_hash=inputs.spec.fingerprint(),
            detail=f"v{version} (retain {keep})",
        )
        removed.append(folder)
    return removed


def reconcile(inputs: ReleaseInputs) -> list[str]:
    """Make the dataset's visible versions, the catalog and ``LATEST`` agree after a crash.

    A run killed between publication (the rename) and the catalog record leaves a visible
    version the catalog does not know. Each such version is catalogued from its manifest if
    the manifest is complete and names the folder's version and every part file; otherwise it
    is moved out of view and deleted. ``LATEST`` is then pointed at the newest visible
    version. Each repair is audited. Returns what was done, e.g. ``["v3 catalogued"]``.
    """
    dataset_dir = inputs.output_root / inputs.spec.dataset
    published = versions(dataset_dir)
    if not published:
        return []
    done = []
    recorded = catalog.recorded_paths(dataset_dir)
    for version in published:
        folder = dataset_dir / f"v{version}"
        if str(folder.resolve()) in recorded or str(folder) in recorded:
            continue
        record = catalog.ReleaseRecord.read(folder)
        if (
            record is not None
            and record.version == version
            and (record.dataset == inputs.spec.dataset)
        ):
            catalog.record_release(record, folder.resolve(), steward=inputs.spec.steward)
            done.append(f"v{version} catalogued")
        else:
            _withdraw(folder, "uncatalogued")
            done.append(f"v{version} withdrawn")
    newest = versions(dataset_dir)
    if newest and read_latest(dataset_dir) != newest[-1]:
        write_latest(dataset_dir, newest[-1], force=True)
        done.append(f"LATEST set to v{newest[-1]}")
    for what in done:
        audit.audit(
            "reconciled",
            "repaired",
            actor=inputs.actor,
            dataset=inputs.spec.dataset,
            spec_hash=inputs.spec.fingerprint(),
            detail=f"{what} (left by an interrupted run)",
        )
    return done


def _withdraw(folder: Path, why: str) -> None:
    """Move a version folder out of view in one rename, then delete it."""
    hidden = staging_root(folder.parent.parent) / (
        f"{folder.parent.name}.{why}-{folder.name}-{uuid.uuid4().hex}"
    )
    os.rename(folder, hidden)
    shutil.rmtree(hidden, ignore_errors=True)


@dataclass
class AuditedRun:
    """Collects what the audit log needs about one release run as it becomes known."""

    target: str
    actor: str
    dataset: str | None = None
    spec_hash: str | None = None
    outcome: str | None = None
    notes: list[str] = field(default_factory=list)

    def started(self, inputs: ReleaseInputs) -> None:
        """Record the start, once the dataset and spec are known."""
        self.dataset, self.spec_hash = inputs.spec.dataset, inputs.spec.fingerprint()
        audit.audit(
            "release_started",
            "running",
            actor=self.actor,
            dataset=self.dataset,
            spec_hash=self.spec_hash,
            detail=f"method {inputs.spec.method}",
        )

    def finished(self, action: str, outcome: str, detail: str | None = None) -> None:
        """Record how the run ended."""
        self.outcome = outcome
        audit.audit(
            action,
            outcome,
            actor=self.actor,
            dataset=self.dataset,
            spec_hash=self.spec_hash,
            detail=detail,
        )

    def failed(self, exc: BaseException) -> None:
        """Record a refusal or failure; messages of Shareable errors hold no data values."""
        if isinstance(exc, ValidationFailed):
            self.finished("validation_failed", "nothing published", _short(exc))
        elif isinstance(exc, ShareableError):
            self.finished("refused", type(exc).__name__, _short(exc))
        else:
            self.finished("failed", type(exc).__name__, "internal error; see the run's logs")


def _short(exc: BaseException, limit: int = 1000) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= limit else text[: limit - 1] + "…"
