"""Refresh semantics and bookkeeping around a release: up to date?, catalog, retention, audit.

A release whose source bytes and spec are unchanged since the latest published version
publishes nothing ("up to date"); any change publishes the next version. After publication
the release is recorded in the catalog and, with ``retain: N``, older versions are removed.
Every outcome, including refusals, is appended to the audit log.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from flows import audit, catalog
from flows.budget import ledger_engine
from flows.inputs import ReleaseInputs
from flows.manifest import Fingerprint, Manifest
from flows.publish import versions
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
    """Remove versions beyond the spec's ``retain: N`` (oldest first); never the newest."""
    keep = inputs.spec.retain
    if keep is None:
        return []
    dataset_dir = published.parent
    removed = []
    for version in versions(dataset_dir)[:-keep]:
        folder = dataset_dir / f"v{version}"
        if folder == published:
            continue
        shutil.rmtree(folder)
        catalog.mark_retired(folder)
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
