"""The evidence that travels with a release: one frozen, typed :class:`Manifest`.

``flows.evidence.build_manifest`` is the one place a manifest is made, for every method: the
facts every release has (dataset, spec hash, source fingerprint, rows, columns, parts,
validation, actor, library versions, times) and the part of its method (the plan, detection
counts and transform counts of a row-level release; :class:`KAnonymityFacts`; the DP
metadata). It is written once,
as ``manifest.json``, when the release is promoted (:meth:`Manifest.to_json`, with its
version), and the catalog and the data dictionary read the same object. Everything here is
built from counts, scores, names and decisions; no field can hold a data value.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from flows.inputs import ReleaseInputs
from privacy.dp.validation import DpValidationReport
from privacy.plan import Method, ReleasePlan
from privacy.report import DetectionReport
from privacy.validation_report import ValidationReport

MANIFEST_FORMAT = 1

LIBRARIES = (
    "shareable",
    "pandas",
    "pyarrow",
    "presidio-analyzer",
    "spacy",
    "great-expectations",
    "prefect",
    "opendp",
    "pydantic",
)

SAFE_HARBOR_STANDARD = "HIPAA Safe Harbor, 45 CFR 164.514(b)(2)"
SAFE_HARBOR_BUT_TEXT = (
    "HIPAA Safe Harbor, 45 CFR 164.514(b)(2), for every column but the automatically "
    "redacted free text"
)
FREE_TEXT_CAVEAT = (
    "Free text is redacted by automatic detection (a trained model with rule recognizers). "
    "Measured on held-out clinical notes it misses some identifiers (README, 'Measured "
    "quality'), so these columns are not covered by a Safe Harbor claim: have them reviewed "
    "(expert determination, 45 CFR 164.514(b)(1)) or drop them for a Safe Harbor release."
)
"""Why a release that keeps redacted free text makes no Safe Harbor claim for it."""
K_ANONYMITY_STANDARD = (
    "k-anonymity by optimal full-domain generalisation and record suppression (evidence for "
    "expert determination, 45 CFR 164.514(b)(1)); direct identifiers as in Safe Harbor"
)

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class SourceFacts(BaseModel):
    """Which source was released: its name, format, fingerprint and partitions."""

    model_config = _FROZEN

    name: str
    format: str
    sha256: str
    partitions: int


class ColumnFacts(BaseModel):
    """One released column (or one column of a DP query's table): its name and Arrow type."""

    model_config = _FROZEN

    name: str
    type: str


class PartFacts(BaseModel):
    """One released file: name, rows, SHA-256 (and, for DP, its query and columns)."""

    model_config = _FROZEN

    file: str
    rows: int
    sha256: str
    query: str | None = None
    columns: tuple[ColumnFacts, ...] | None = None


class Guarantees(BaseModel):
    """What the release promises, in the terms a reviewer checks (fields of its method)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    safe_harbor: bool | None = None
    standard: str | None = None
    ages_top_coded_at: int | None = None
    reference_date: str | None = None
    k: int | None = None
    l: int | None = None  # noqa: E741 - the letter of the literature
    l_diversity: str | None = None
    max_suppression: float | None = None
    unit: str | None = None
    differential_privacy: bool | None = None
    epsilon: str | None = None
    delta: str | None = None
    privacy_unit: str | None = None
    max_contributions: int | None = None
    free_text_redacted: tuple[str, ...] | None = None
    free_text_caveat: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The guarantees of the method, as stored in the manifest and the catalog."""
        return self.model_dump(mode="json", exclude_none=True) | (
            {"l": self.l, "l_diversity": self.l_diversity} if self.k is not None else {}
        )


class KAnonymityFacts(BaseModel):
    """A k-anonymity release's evidence: the search, suppression and risk (no values)."""

    model_config = _FROZEN

    levels: dict[str, int]
    heights: dict[str, int]
    records_in: int
    records_suppressed: int
    suppressed_fraction: float
    information_loss: float
    generalisation_loss: float
    discernibility: int
    discernibility_normalised: float
    lattice_size: int
    nodes_evaluated: int
    search_seconds: float
    metric: str
    suppression: str = "records of classes below k (or l) are removed from the release"
    hierarchies: dict[str, str]
    sensitive: str | None
    risk: dict[str, Any]
    risk_before: dict[str, Any]


class PrivacyUnitFacts(BaseModel):
    """Who a DP release protects, and how each one's contributions are bounded."""

    model_config = _FROZEN

    subject_id: str | None
    max_contributions: int
    contribution_bounding: str


class DpQueryFacts(BaseModel):
    """One DP query: its statistic, budget share, mechanism, bounds, keys and accuracy.

    The key origin is written as ``keys`` but named ``key_origin`` here: a model with a
    ``keys`` attribute passes for a mapping (``dict(model)`` calls it), which Prefect does.
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_by_name=True, serialize_by_alias=True
    )

    name: str
    statistic: str
    column: str | None
    by: tuple[str, ...]
    epsilon: str = Field(description="This query's share: exact (`1/3`, `0.25`) or 4 digits.")
    delta: str
    mechanism: str
    clamping_bounds: tuple[int | float, ...] | None
    bins: tuple[int | float, ...] | None
    quantiles: tuple[float, ...] | None
    candidates: int | None
    key_origin: str = Field(alias="keys", description="Where the group keys come from.")
    partition_threshold: int | None
    accuracy: tuple[dict[str, Any], ...]
    accuracy_derivation: str | None = Field(
        default=None, description="How a derived accuracy (a mean's) is computed."
    )
    feasible_range: tuple[float, float] = Field(
        description="What the estimate can possibly be; estimates outside are clamped to it."
    )
    estimates_clamped: int | None = Field(
        default=None, description="How many estimates were clamped (flagged `clamped`)."
    )
    clamping: str = Field(description="What the `clamped` flag means.")
    columns: tuple[str, ...]


class DpFacts(BaseModel):
    """A DP release's evidence: budgets, mechanism, privacy unit, queries and its charge."""

    model_config = _FROZEN

    mechanism: str
    privacy_unit: PrivacyUnitFacts
    budget_total: dict[str, str]
    per_release: dict[str, str]
    split: str
    max_rows: int
    accuracy_alpha: float
    queries: tuple[DpQueryFacts, ...]
    ledger_charge_id: str


class Manifest(BaseModel):
    """The evidence of one release; ``version`` is set when it is promoted."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    manifest_format: Literal[1] = MANIFEST_FORMAT
    dataset: str
    version: int | None = None
    release_id: str
    method: Method
    guarantees: Guarantees
    spec_hash: str
    spec: dict[str, Any] = Field(description="The spec as written (no source path or output).")
    source: SourceFacts
    rows_in: int | None = Field(description="None for DP: the exact count is not private.")
    rows_out: int
    columns: tuple[ColumnFacts, ...]
    parts: tuple[PartFacts, ...]
    plan: ReleasePlan | None = None
    detection: DetectionReport | None = None
    validation: ValidationReport | DpValidationReport
    transform_stats: dict[str, Any] | None = None
    rows_suppressed: int | None = None
    k_anonymity: KAnonymityFacts | None = None
    dp: DpFacts | None = Field(
        default=None, description="DP: budgets, mechanism, bounds, keys, accuracy, charge."
    )
    actor: str
    started_at: str
    finished_at: str
    libraries: dict[str, str]
    prefect_flow_run_id: str | None = None

    def published_as(self, version: int) -> Manifest:
        """This manifest with the version it was published as."""
        return self.model_copy(update={"version": version})

    def to_json(self) -> str:
        """The ``manifest.json`` text: every fact, without the parts of other methods."""
        absent = {
            name
            for name in ("plan", "detection", "transform_stats", "rows_suppressed", "k_anonymity")
            if getattr(self, name) is None
        } | ({"dp"} if self.dp is None else set())
        data = self.model_dump(mode="json", exclude=absent)
        data["guarantees"] = self.guarantees.as_dict()
        data["parts"] = [part.model_dump(mode="json", exclude_none=True) for part in self.parts]
        data["source"] = self.source.model_dump(mode="json")
        for name in ("spec", "plan"):
            if name in data:
                data[name] = without_mapping_keys(data[name])
        return _dumps(data)


class Fingerprint(BaseModel):
    """What a published manifest says about its inputs: enough to tell whether it is current."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    spec_hash: str | None = None
    source: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path) -> Fingerprint | None:
        """The fingerprint of the release in ``folder``; None if its manifest is unreadable."""
        try:
            return cls.model_validate_json((folder / "manifest.json").read_text("utf8"))
        except (OSError, ValueError):
            return None

    def matches(self, inputs: ReleaseInputs) -> bool:
        """Whether the spec and the source bytes are those of ``inputs``."""
        return (
            self.spec_hash == inputs.spec.fingerprint()
            and self.source.get("sha256") == inputs.source.fingerprint()
        )


def guarantees(inputs: ReleaseInputs, plan: ReleasePlan) -> Guarantees:
    """What a release of ``plan`` promises."""
    if plan.dp is not None:
        spent = plan.dp.per_release.as_dict()
        return Guarantees(
            differential_privacy=True,
            epsilon=spent["epsilon"],
            delta=spent["delta"],
            privacy_unit=inputs.spec.subject_id or "row",
            max_contributions=plan.dp.spec.max_contributions,
        )
    redacted = tuple(c.column for c in plan.columns if c.action == "redact") or None
    caveat = FREE_TEXT_CAVEAT if redacted else None
    if plan.k_anonymity is not None:
        part = plan.k_anonymity
        return Guarantees(
            free_text_redacted=redacted,
            free_text_caveat=caveat,
            safe_harbor=False,
            standard=K_ANONYMITY_STANDARD,
            k=part.k,
            l=part.l,
            l_diversity=part.l_measure if part.sensitive else None,
            max_suppression=part.max_suppression,
            unit="record"
            if plan.subject_id is None
            else "record: the rows of one subject_id count separately, so k is a bound on "
            "rows, not on individuals",
            reference_date=plan.reference_date.isoformat(),
        )
    return Guarantees(
        # Detection of identifiers in free text is measured, not perfect: a release that keeps
        # redacted text claims Safe Harbor for its other columns only (fail safe).
        safe_harbor=redacted is None,
        standard=SAFE_HARBOR_STANDARD if redacted is None else SAFE_HARBOR_BUT_TEXT,
        free_text_redacted=redacted,
        free_text_caveat=caveat,
        ages_top_coded_at=90,
        reference_date=plan.reference_date.isoformat(),
    )


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries a release depends on (for the manifest)."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def now() -> str:
    """The current UTC time, ISO 8601."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def without_mapping_keys(data: Any) -> Any:
    """``data`` with every ``generalize`` mapping reduced to its size and its groups.

    A mapping's keys are raw values of the source (``{"Puerto Rican": "Hispanic"}``); the
    published manifest keeps how many values were mapped and the groups they were mapped to
    (which are the values the release publishes), never the keys.
    """
    if isinstance(data, dict):
        return {
            key: (
                {"values_mapped": len(value), "groups": sorted({str(v) for v in value.values()})}
                if key == "mapping" and isinstance(value, dict)
                else without_mapping_keys(value)
            )
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [without_mapping_keys(item) for item in data]
    return data


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=False, default=str) + "\n"
