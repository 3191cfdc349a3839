"""The release spec: a steward's written, reviewable instructions for one dataset.

A spec is a YAML file (``configs/releases/*.yaml``) parsed into a frozen :class:`ReleaseSpec`.
Every mistake is reported as a :class:`~privacy.errors.SpecError` naming the file, the field,
the kind of value found and what is allowed; values themselves are never echoed, since a spec
can sit next to restricted data. A data file released without a spec gets
:func:`implicit_spec`: Safe Harbor with every action taken from detection.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from privacy.dp_spec import DpSpec
from privacy.errors import SpecError
from privacy.kanon_spec import KAnonymitySpec
from privacy.plan import ACTIONS, Action

DATA_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
"""File suffixes accepted as sources, and the format each implies."""

GLOB_CHARACTERS = "*?["
"""Characters that make a source path a glob pattern over partition files."""

RESERVED_METHODS: tuple[str, ...] = ()
"""Methods the spec format reserves for releases this version cannot yet produce."""

_DATASET_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class SourceOptions(BaseModel):
    """Reader options for a CSV source (ignored keys are errors, not surprises)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sep: str = Field(default=",", min_length=1, max_length=1, description="Field delimiter.")
    quote_char: str = Field(default='"', min_length=1, max_length=1)
    encoding: str = Field(default="utf8", description="Text encoding of the file.")
    null_values: tuple[str, ...] = Field(
        default=("", "NA", "N/A", "NULL", "null", "NaN"),
        description="Strings read as missing values.",
    )
    column_types: dict[
        str, Literal["string", "int64", "float64", "bool", "date32", "timestamp"]
    ] = Field(
        default_factory=dict,
        description="Force a column's type instead of inferring it (e.g. ZIP codes as string).",
    )
    skip_rows: int = Field(default=0, ge=0, description="Lines to skip before the header.")


class SourceSpec(BaseModel):
    """Where the restricted data is and how to read it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: Path = Field(
        description="A file, a directory of partition files, or a glob such as "
        "`claims/*.parquet`; relative paths are relative to the spec file."
    )
    format: Literal["csv", "parquet"] | None = Field(
        default=None,
        description="csv or parquet; inferred from the suffix when omitted (a directory of "
        "CSV files means CSV partitions; another directory or a suffix-less glob, Parquet).",
    )
    options: SourceOptions = Field(default_factory=SourceOptions)

    @model_validator(mode="after")
    def _infer_format(self) -> SourceSpec:
        if self.format is None:
            inferred = DATA_SUFFIXES.get(self.path.suffix.lower())
            if inferred is None and not self.path.suffix:
                inferred = directory_format(self.path)  # a directory (or glob) of partitions
            if inferred is None:
                raise ValueError(
                    f"cannot tell the format from the suffix {self.path.suffix!r}; "
                    "add `format: csv` or `format: parquet`"
                )
            object.__setattr__(self, "format", inferred)
        return self


def directory_format(path: Path) -> Literal["csv", "parquet"]:
    """The format of a directory of partitions: csv when it holds CSV files and no Parquet.

    Hidden and ``_``-prefixed entries are ignored, as when the partitions are read. A path that
    is no directory (a glob, or a folder not yet there) means Parquet.
    """
    if not path.is_dir():
        return "parquet"
    suffixes = {
        p.suffix.lower()
        for p in path.rglob("*")
        if p.is_file()
        and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
    }
    if ".csv" in suffixes and not suffixes & {".parquet", ".pq"}:
        return "csv"
    return "parquet"


def _shorthand_action(value: Any) -> Any:
    """Allow ``column: drop`` as shorthand for ``column: {action: drop}``."""
    if isinstance(value, str):
        return {"action": value}
    return value


class ColumnOverride(BaseModel):
    """A steward's decision for one column, overriding the policy default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Action = Field(description="One of: " + ", ".join(ACTIONS) + ".")
    reason: str | None = Field(
        default=None,
        description="Why. Required to keep a column that detection flags as an identifier.",
    )
    max_value: float | None = Field(default=None, description="top_code: largest value kept.")
    bins: tuple[float, ...] | None = Field(default=None, description="generalize: bin edges.")
    mapping: dict[str, str] | None = Field(
        default=None, description="generalize: category -> more general category."
    )
    birth: bool | None = Field(
        default=None, description="year: the column is a birth date (ages over 89 aggregated)."
    )
    row_identifiers: tuple[str, ...] | None = Field(
        default=None,
        description="redact: columns whose value in the same row is also cut out of this text "
        "(default: every identifier column the plan removes; [] for none).",
    )

    @model_validator(mode="after")
    def _parameters_fit_action(self) -> ColumnOverride:
        given = {
            name
            for name in ("max_value", "bins", "mapping", "birth", "row_identifiers")
            if getattr(self, name) is not None
        }
        allowed = {
            "top_code": {"max_value"},
            "generalize": {"bins", "mapping"},
            "year": {"birth"},
            "redact": {"row_identifiers"},
        }.get(self.action, set())
        if given - allowed:
            raise ValueError(
                f"{', '.join(sorted(given - allowed))} does not apply to action {self.action!r}"
                + (f" (it takes: {', '.join(sorted(allowed))})" if allowed else "")
            )
        if self.action == "top_code" and self.max_value is None:
            raise ValueError(
                "action top_code needs `max_value`, e.g. {action: top_code, max_value: 90}"
            )
        if self.action == "generalize" and (self.bins is None) == (self.mapping is None):
            raise ValueError(
                "action generalize needs exactly one of `bins: [0, 18, 65, 120]` or "
                "`mapping: {value: group}`"
            )
        if self.bins is not None and list(self.bins) != sorted(set(self.bins)):
            raise ValueError("`bins` must be strictly ascending numbers")
        return self


class ScheduleSpec(BaseModel):
    """When scheduled refresh runs release the dataset again (a Prefect deployment)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cron: str = Field(description="Cron expression, e.g. '0 2 * * *' for 02:00 every day.")
    timezone: str = Field(default="UTC", description="IANA time zone of the cron expression.")

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError(
                "must be a cron expression with 5 fields (minute hour day month weekday), "
                "e.g. '0 2 * * *'"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as UTC or America/New_York") from None
        return value


class ReleaseSpec(BaseModel):
    """One dataset's release instructions (``configs/releases/<dataset>.yaml``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dataset: str = Field(
        description="Dataset name: lowercase letters, digits and _, starting with a letter."
    )
    description: str | None = Field(default=None, description="What the dataset holds.")
    steward: str | None = Field(default=None, description="Who owns this release policy.")
    source: SourceSpec
    subject_id: str | None = Field(
        default=None,
        description="Column identifying the individual; omit when each row is one individual.",
    )
    method: Literal["safe_harbor", "k_anonymity", "dp_aggregates"] = Field(
        default="safe_harbor", description="De-identification method."
    )
    dp: DpSpec | None = Field(
        default=None,
        description="Differential privacy: contribution bound, budgets and queries "
        "(required by, and only allowed with, `method: dp_aggregates`).",
    )
    columns: dict[str, Annotated[ColumnOverride, BeforeValidator(_shorthand_action)]] = Field(
        default_factory=dict, description="Per-column overrides of the policy's decisions."
    )
    output: Path | None = Field(
        default=None,
        description="Release root; relative to the spec. Default: $SHAREABLE_HOME/releases.",
    )
    schedule: ScheduleSpec | None = Field(
        default=None, description="Scheduled refresh (see `shareable deploy` / `serve`)."
    )
    retain: int | None = Field(
        default=None, ge=1, description="Keep only the last N published versions."
    )
    reference_date: dt.date | None = Field(
        default=None,
        description="Date ages are computed at (birth years implying 90+ are aggregated). "
        "Default: the day of the release. Needs `reference_date_reason`.",
    )
    reference_date_reason: str | None = Field(
        default=None,
        min_length=10,
        description="Why ages are computed at `reference_date` rather than at the release, "
        "e.g. 'the claims end on 2008-12-31; nobody is older in the data than on that day'. "
        "Written into the plan and the manifest.",
    )
    k_anonymity: KAnonymitySpec | None = Field(
        default=None,
        description="k-anonymity parameters (quasi-identifiers, k, l, suppression); required "
        "by `method: k_anonymity` and only allowed with it.",
    )

    @model_validator(mode="after")
    def _reference_date_has_reason(self) -> ReleaseSpec:
        if self.reference_date is not None and not self.reference_date_reason:
            raise ValueError(
                "`reference_date` moves the age-90 cap away from the release date, so it needs "
                "a written `reference_date_reason` (e.g. 'the data end on that date'); remove "
                "`reference_date` to compute ages at the release"
            )
        if self.reference_date_reason and self.reference_date is None:
            raise ValueError("`reference_date_reason` is given without a `reference_date`")
        return self

    @model_validator(mode="after")
    def _k_anonymity_section_fits_method(self) -> ReleaseSpec:
        if self.method == "k_anonymity" and self.k_anonymity is None:
            raise ValueError(
                "`method: k_anonymity` needs a `k_anonymity:` section, e.g. "
                "`k_anonymity: {k: 5, quasi_identifiers: {age: {hierarchy: auto}}}`"
            )
        if self.method != "k_anonymity" and self.k_anonymity is not None:
            raise ValueError(
                f"a `k_anonymity:` section is only used with `method: k_anonymity` (method is "
                f"{self.method}); remove the section or change the method"
            )
        return self

    @field_validator("dataset")
    @classmethod
    def _dataset_name(cls, value: str) -> str:
        if not _DATASET_NAME.match(value):
            raise ValueError(
                "must be lowercase letters, digits and '_', starting with a letter "
                "(at most 63 characters), e.g. `patients_2024`"
            )
        return value

    @field_validator("method")
    @classmethod
    def _method_available(cls, value: str) -> str:
        if value in RESERVED_METHODS:
            raise ValueError(
                f"method {value!r} is reserved but not available in this version; "
                "use `method: safe_harbor`"
            )
        return value

    @model_validator(mode="after")
    def _dp_section_fits_method(self) -> ReleaseSpec:
        if self.method == "dp_aggregates" and self.dp is None:
            raise ValueError(
                "`method: dp_aggregates` needs a `dp:` section with `max_contributions`, "
                "`budget`, `per_release` and `queries`"
            )
        if self.dp is not None and self.method != "dp_aggregates":
            raise ValueError(
                "a `dp:` section applies only to `method: dp_aggregates`; set that method or "
                "remove `dp`"
            )
        return self

    def fingerprint(self) -> str:
        """SHA-256 of the spec's canonical JSON (the ``spec_hash`` of manifests).

        Only fields that decide the released content count: changing the schedule, the
        retention, the output folder, the description or the steward is not a new release.
        """
        content = self.model_dump(
            mode="json", exclude={"schedule", "retain", "output", "description", "steward"}
        )
        if content.get("reference_date_reason") is None:  # hashes of older specs stay valid
            content.pop("reference_date_reason", None)
        canonical = json.dumps(content, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


def dataset_name_from_path(path: Path) -> str:
    """Derive a valid dataset name from a file name (``Patients 2024.csv`` -> ``patients_2024``)."""
    stem = re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_") or "dataset"
    if not stem[0].isalpha():
        stem = f"d_{stem}"
    return stem[:63]


def is_partitioned_path(path: Path) -> bool:
    """Whether ``path`` names several partition files: a directory, or a glob pattern."""
    return path.is_dir() or any(char in str(path) for char in GLOB_CHARACTERS)


def implicit_spec(data_path: Path) -> ReleaseSpec:
    """Return the spec used when a data file is released with no spec: Safe Harbor by detection.

    ``data_path`` may also be a directory or glob of partition files (Parquet unless the
    pattern ends in ``.csv``); the dataset is then named after the directory.
    """
    if is_partitioned_path(data_path):
        fmt = DATA_SUFFIXES.get(data_path.suffix.lower()) or directory_format(data_path)
        folder = data_path if data_path.is_dir() else glob_root(data_path)
        return ReleaseSpec(
            dataset=dataset_name_from_path(Path(folder.name or "dataset")),
            source=SourceSpec(path=data_path.absolute(), format=fmt),
        )
    fmt = DATA_SUFFIXES.get(data_path.suffix.lower())
    if fmt is None:
        raise SpecError(
            f"{data_path}: cannot release a {data_path.suffix or 'suffix-less'} file directly. "
            "Give a .csv or .parquet file, or a release spec (.yaml) whose `source.format` "
            "says how to read it."
        )
    return ReleaseSpec(
        dataset=dataset_name_from_path(data_path),
        source=SourceSpec(path=data_path.resolve(), format=fmt),
    )


def glob_root(pattern: Path) -> Path:
    """The folder a glob pattern starts from (``a/b/*/x.parquet`` -> ``a/b``)."""
    parts = []
    for part in pattern.parts:
        if any(char in part for char in GLOB_CHARACTERS):
            break
        parts.append(part)
    return Path(*parts) if parts else Path(".")


MAX_SPEC_BYTES = 1 << 20
"""Largest release spec read (a spec is a few KiB; a bigger file is refused unread)."""


class _SpecLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases.

    A spec never needs them, and nested aliases (a "billion laughs" file) expand to
    gigabytes from a few hundred bytes.
    """

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML's hook
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases (*name) are not allowed in a release spec", mark
            )
        return super().compose_node(parent, index)


def parse_yaml(text: str):
    """Parse spec YAML safely: no Python objects, no aliases."""
    return yaml.load(text, Loader=_SpecLoader)  # noqa: S506 - a SafeLoader subclass


def load_spec(path: Path) -> ReleaseSpec:
    """Read and validate a release spec; relative paths in it are resolved against its folder."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_SPEC_BYTES:
            raise SpecError(
                f"{path}: the spec is larger than {MAX_SPEC_BYTES >> 10} KiB; a release spec "
                "is a short YAML file. Check the path."
            )
        text = path.read_text(encoding="utf8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such spec file. Check the path.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read the spec ({type(exc).__name__}).") from None
    try:
        raw = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        if "aliases" in str(getattr(exc, "problem", "")):
            raise SpecError(
                f"{path}: YAML aliases (*name){where} are not allowed in a release spec; write "
                "the values out."
            ) from None
        raise SpecError(f"{path}: not valid YAML{where}. Fix the syntax and retry.") from None
    if not isinstance(raw, dict):
        raise SpecError(
            f"{path}: a release spec is a YAML mapping with at least `dataset` and `source`; "
            f"found a {type(raw).__name__}."
        )
    try:
        spec = ReleaseSpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(format_validation_error(path, exc)) from None
    base = path.resolve().parent
    resolved = (base / spec.source.path).resolve()
    update: dict[str, Any] = {"path": resolved}
    given = raw.get("source")
    if isinstance(given, dict) and "format" not in given and not resolved.suffix:
        update["format"] = directory_format(resolved)  # the folder is now found from the spec
    source = spec.source.model_copy(update=update)
    output = (base / spec.output).resolve() if spec.output is not None else None
    kanon = spec.k_anonymity.resolved(base) if spec.k_anonymity is not None else None
    return spec.model_copy(update={"source": source, "output": output, "k_anonymity": kanon})


def format_validation_error(path: Path, exc: ValidationError) -> str:
    """Turn a pydantic error into lines naming file, field, the kind of value and the fix."""
    lines = [f"{path}: invalid release spec ({exc.error_count()} problem(s)):"]
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "(top level)"
        kind = error["type"]
        if kind == "extra_forbidden":
            parent = ".".join(str(p) for p in error["loc"][:-1])
            allowed = _allowed_keys(error["loc"][:-1])
            close = difflib.get_close_matches(str(error["loc"][-1]), allowed, n=1)
            lines.append(
                f"  - `{field}`: unknown key"
                + (f" under `{parent}`" if parent else "")
                + (f" (did you mean `{close[0]}`?)" if close else "")
                + (f"; allowed keys: {', '.join(allowed)}" if allowed else "")
            )
        elif kind == "missing":
            lines.append(f"  - `{field}`: required but missing")
        elif kind == "literal_error":
            expected = error.get("ctx", {}).get("expected", "")
            lines.append(
                f"  - `{field}`: got a {type(error['input']).__name__} value that is not "
                f"allowed; expected one of {expected}"
            )
        else:
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"  - `{field}`: {message} (got a {type(error['input']).__name__})")
    return "\n".join(lines)


def _allowed_keys(location: tuple[Any, ...]) -> list[str]:
    """Keys allowed at a location of the spec, for 'unknown key' messages."""
    model: type[BaseModel] = ReleaseSpec
    for part in location:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            # A key of a dict (a column name under `columns`).
            model = ColumnOverride
            continue
        annotation = field.annotation
        # Unwrap `X | None` and `tuple[X, ...]` (e.g. `dp`, `dp.queries`).
        for candidate in (annotation, *typing.get_args(annotation)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
    return sorted(info.alias or name for name, info in model.model_fields.items())


def dump_spec(spec: ReleaseSpec) -> str:
    """Render a spec as YAML for a steward to edit (paths as given, defaults omitted)."""
    data = spec.model_dump(mode="json", exclude_defaults=True)
    data["source"]["path"] = str(spec.source.path)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
