"""The k-anonymity path of the ``release`` flow (``method: k_anonymity``).

scan -> Safe Harbor plan (quasi-identifiers and the sensitive column kept for generalisation,
every other column as in Safe Harbor) -> pass 1: count QI classes -> hierarchies -> optimal
search -> pass 2, per batch: Safe Harbor transforms, generalisation, suppression, GX suite ->
k and l checked on the whole output -> manifest with risk and utility -> atomic publish, all
inside a Prefect transaction whose rollback removes the staging folder.

Suppressed records are removed (not starred): the manifest states ``rows_in``,
``rows_suppressed`` and ``rows_out``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.context import get_run_context
from prefect.transactions import transaction

from flows import steps
from flows.load import Source
from flows.manifest import data_dictionary_markdown, release_report_markdown
from flows.publish import Staging
from flows.release import map_partitions, plan_task, scan_task, stage_task
from privacy.errors import InternalError, SourceError
from privacy.hierarchies import Hierarchy
from privacy.kanon.counts import ClassCounter, class_sizes, effective_l
from privacy.kanon.plan import check_columns, govern, load_hierarchies, recodings, suppressed_keys
from privacy.kanon.search import Lattice, Solution, search
from privacy.kanon_spec import KAnonymitySpec
from privacy.plan import ReleasePlan
from privacy.risk import risk_metrics
from transforms.generalise import Recoding, generalise

STANDARD = (
    "k-anonymity by optimal full-domain generalisation and record suppression (evidence for "
    "expert determination, 45 CFR 164.514(b)(1)); direct identifiers as in Safe Harbor"
)


def _columns(kanon: KAnonymitySpec) -> list[str]:
    sensitive = [kanon.sensitive.column] if kanon.sensitive is not None else []
    return [*kanon.quasi_identifiers, *sensitive]


@steps.phi_safe
def count_classes(source: Source, kanon: KAnonymitySpec):
    """Pass 1: count the QI (+ sensitive) combinations of the whole source."""
    counter = ClassCounter(_columns(kanon))
    for batch in source.batches():
        counter.add(batch)
    return counter.table()


@task(name="count-classes", cache_policy=NONE, task_run_name="count-classes-{unit}")
def count_task(partition: Source, kanon: KAnonymitySpec, unit: int | None):
    """Count one partition's equivalence classes (first pass; a partial aggregate)."""
    return count_classes(partition, kanon)


def count_all_classes(source: Source, kanon: KAnonymitySpec) -> pa.Table:
    """Equivalence-class counts of the whole source, added up from per-partition counts.

    Each partition is counted by its own task (on a Dask worker if the flow runs on one), so
    no worker ever holds more than one partition's batch and the class counts.
    """
    total = ClassCounter(_columns(kanon))
    for counts in map_partitions(count_task, source, kanon):
        total.add_counts(counts)
    return total.table()


@task(name="hierarchies", cache_policy=NONE)
def hierarchies_task(kanon: KAnonymitySpec, counts, schema: pa.Schema) -> dict[str, Hierarchy]:
    """Build and check each quasi-identifier's hierarchy."""
    return load_hierarchies(kanon, counts, schema)


@task(name="search", cache_policy=NONE)
def search_task(counts, hierarchies: dict[str, Hierarchy], kanon: KAnonymitySpec) -> Solution:
    """Find the optimal generalisation (or refuse, saying what would work)."""
    sensitive = kanon.sensitive.column if kanon.sensitive is not None else None
    measure = kanon.sensitive.measure if kanon.sensitive is not None else "distinct"
    lattice = Lattice(counts, hierarchies, sensitive, measure)
    l_value = kanon.sensitive.l if kanon.sensitive is not None else 1
    return search(lattice, kanon.k, l_value, kanon.max_suppression)


def _process_batch(
    batch: pa.RecordBatch,
    release_plan: ReleasePlan,
    recoded: list[Recoding],
    suppressed: pa.Array,
    schema: pa.Schema,
    find_spans=None,
):
    """De-identify and generalise one batch: (transform stats, records removed, batch)."""
    out, stats = steps.apply(batch, release_plan, find_spans)
    out, removed = steps.phi_safe(generalise)(out, recoded, suppressed, schema)
    return stats, removed, out


def _validate(rows: list[pa.RecordBatch], release_plan: ReleasePlan, schema, qis):
    """Validate a window of generalised rows (QI columns checked as generalised)."""
    from privacy.validation import validate_release

    frame = pa.Table.from_batches(rows, schema=schema).to_pandas()
    return steps.phi_safe(validate_release)(frame, release_plan, schema, None, qis)


@dataclass(frozen=True)
class KanonUnitResult:
    """What one partition of a k-anonymity release returns: counts and parts, never rows."""

    unit: steps.UnitResult
    removed: int
    classes: pa.Table


@task(name="partition", cache_policy=NONE, task_run_name="partition-{unit}")
def partition_task(
    partition: Source,
    release_plan: ReleasePlan,
    recoded: list[Recoding],
    suppressed: pa.Array,
    schema: pa.Schema,
    qis: frozenset[str],
    staging: Staging,
    qi_columns: list[str],
    unit: int | None,
) -> KanonUnitResult:
    """De-identify, generalise, validate and stage one partition; returns counts only.

    Batches never cross a task boundary (Prefect keeps task arguments alive until the run
    ends, which would make memory grow with the source).
    """
    from privacy.validation import combine

    writer = staging.part_writer(unit)
    rows_in = removed = 0
    stats, reports = None, []
    released = ClassCounter(qi_columns)
    find_spans = steps.span_finder()
    window: list[pa.RecordBatch] = []  # written, awaiting validation
    try:
        for batch in partition.batches():
            rows_in += batch.num_rows
            batch_stats, dropped, out = _process_batch(
                batch, release_plan, recoded, suppressed, schema, find_spans
            )
            writer.write(out)
            released.add(out)
            window.append(out)
            if sum(b.num_rows for b in window) >= steps.VALIDATION_ROWS:
                reports.append(_validate(window, release_plan, schema, qis))
                window = []
            removed += dropped
            stats = batch_stats if stats is None else stats.merge(batch_stats)
        if window:
            reports.append(_validate(window, release_plan, schema, qis))
    except BaseException:
        writer.abort()
        raise
    unit_result = steps.UnitResult(
        rows_in=rows_in,
        stats=stats,
        validation=combine(reports) if reports else None,
        parts=writer.close(),
    )
    return KanonUnitResult(unit=unit_result, removed=removed, classes=released.table())


@task(name="publish", cache_policy=NONE)
def publish_task(staging: Staging, manifest: dict) -> str:
    """Promote the validated staging folder to the next version."""
    return steps.promote(staging, manifest, dictionary_markdown(manifest))


def release_kanon(inputs: steps.ReleaseInputs) -> str:
    """Release ``inputs`` by k-anonymity; returns the published version folder."""
    from privacy.validation import check_k_anonymity, check_parts, check_row_count, combine

    logger = get_run_logger()
    started_at = steps.now()
    kanon = inputs.spec.k_anonymity
    if kanon is None:
        raise InternalError("release_kanon called for a spec without a k_anonymity section")
    source = inputs.source
    where = str(inputs.spec_path or source.name)
    check_columns(kanon, source.schema.names, list(inputs.spec.columns), where)
    report = scan_task(source)
    release_plan = plan_task(inputs, report)
    steps.pseudonym_key(release_plan)  # fail now, before staging, if a needed key is missing
    counts = count_all_classes(source, kanon)
    hierarchies = hierarchies_task(kanon, counts, source.schema)
    solution = search_task(counts, hierarchies, kanon)
    release_plan = govern(release_plan, kanon, {q: h.label for q, h in hierarchies.items()})
    recoded = recodings(solution, hierarchies)
    suppressed = suppressed_keys(counts, solution, recoded)
    schema = _output_schema(release_plan, source, recoded)
    qis = frozenset(kanon.quasi_identifiers)
    sensitive = kanon.sensitive.column if kanon.sensitive is not None else None
    with transaction():
        kanon = inputs.spec.k_anonymity
        staging = stage_task(inputs, schema, {"k": str(kanon.k if kanon else "")})
        results = map_partitions(
            partition_task,
            source,
            release_plan,
            recoded,
            suppressed,
            schema,
            qis,
            staging,
            _columns(kanon),
        )
        released = ClassCounter(_columns(kanon))
        for result in results:
            staging.add_parts(result.unit.parts)
            released.add_counts(result.classes)
        rows_in, stats, reports = steps.merge_units([r.unit for r in results])
        removed = sum(result.removed for result in results)
        staging.finish()
        if rows_in != solution.records:
            raise SourceError(
                f"{source.name}: the source changed during the release ({solution.records} rows "
                f"counted, {rows_in} read); nothing was published. Run the release again."
            )
        output_counts = released.table()
        sizes, distinct = class_sizes(output_counts, list(qis), sensitive)
        l_value = kanon.sensitive.l if kanon.sensitive is not None else None
        entropy = None
        if kanon.sensitive is not None and kanon.sensitive.measure == "entropy":
            entropy = effective_l(output_counts, list(qis), kanon.sensitive.column)
        validation = combine(
            [
                *reports,
                check_row_count(staging.rows, rows_in - removed),
                check_parts(staging.path, [(p.file, p.rows) for p in staging.parts], schema),
                *steps.fresh_scan(staging, release_plan, schema),
                *check_k_anonymity(sizes, kanon.k, distinct, l_value, entropy),
            ]
        )
        manifest = steps.release_manifest(
            inputs,
            release_plan,
            report,
            staging,
            validation,
            stats,
            rows_in,
            started_at,
            flow_run_id=str(get_run_context().flow_run.id),
        )
        before, _ = class_sizes(counts, list(qis))
        manifest.update(
            method="k_anonymity",
            guarantees={
                "safe_harbor": False,
                "standard": STANDARD,
                "k": kanon.k,
                "l": l_value,
                "l_diversity": kanon.sensitive.measure if kanon.sensitive is not None else None,
                "max_suppression": kanon.max_suppression,
                "unit": "record"
                if inputs.spec.subject_id is None
                else "record: the rows of one subject_id count separately, so k is a bound on "
                "rows, not on individuals",
                "reference_date": release_plan.reference_date.isoformat(),
            },
            rows_suppressed=removed,
            k_anonymity={
                **solution.summary(),
                "records_suppressed": removed,
                "suppression": "records of classes below k (or l) are removed from the release",
                "hierarchies": {q: h.label for q, h in hierarchies.items()},
                "sensitive": sensitive,
                "risk": risk_metrics(sizes, distinct),
                "risk_before": risk_metrics(before),
            },
        )
        create_markdown_artifact(
            key=f"release-{release_plan.dataset.replace('_', '-')}",
            markdown=release_report_markdown(manifest) + kanon_markdown(manifest),
            description=f"Release report for {release_plan.dataset}",
        )
        validation.raise_if_failed()
        published = publish_task(staging, manifest)
    logger.info(
        "Published %s rows of %s (k=%s, %s suppressed) to %s",
        staging.rows,
        release_plan.dataset,
        kanon.k,
        removed,
        published,
    )
    return published


def _output_schema(release_plan: ReleasePlan, source: Source, recoded: list[Recoding]):
    """Safe Harbor's output schema with generalised QIs (levels above 0) as strings."""
    schema = steps.output_schema(release_plan, source)
    for recoding in recoded:
        if recoding.level > 0:
            index = schema.get_field_index(recoding.column)
            schema = schema.set(index, pa.field(recoding.column, pa.string(), nullable=True))
    return schema


def kanon_markdown(manifest: dict[str, Any]) -> str:
    """The k-anonymity section of the release report and README (counts and levels only)."""
    facts = manifest["k_anonymity"]
    risk, before = facts["risk"], facts["risk_before"]
    lines = [
        "",
        "## k-anonymity",
        "",
        f"- k = {manifest['guarantees']['k']} (achieved {risk['k_achieved']})"
        + (
            f", l = {manifest['guarantees']['l']} on `{facts['sensitive']}` "
            f"(achieved {risk['l_achieved']})"
            if manifest["guarantees"]["l"]
            else ""
        ),
        f"- Records suppressed (removed): {facts['records_suppressed']:,} of "
        f"{facts['records_in']:,} (limit {manifest['guarantees']['max_suppression']:.2%})",
        f"- Information loss: {facts['information_loss']:.4f} (normalised certainty penalty; "
        f"0 = unchanged); discernibility {facts['discernibility']:,}",
        f"- Prosecutor risk: max {risk['prosecutor']['max']:.4f}, average "
        f"{risk['prosecutor']['average']:.4f} (before: max {before['prosecutor']['max']:.4f}, "
        f"average {before['prosecutor']['average']:.4f}); marketer {risk['marketer']:.4f}; "
        "journalist = prosecutor (no population table: upper bound)",
        f"- Search: {facts['nodes_evaluated']} of {facts['lattice_size']} lattice nodes "
        f"evaluated in {facts['search_seconds']} s",
        "",
        "| quasi-identifier | level | of | hierarchy |",
        "|---|---|---|---|",
    ]
    for name, level in facts["levels"].items():
        lines.append(
            f"| `{name}` | {level} | {facts['heights'][name] - 1} | "
            f"{facts['hierarchies'][name].replace('|', '/')} |"
        )
    lines += ["", "| class size | classes | records |", "|---|---|---|"]
    lines += [f"| {r['size']} | {r['classes']} | {r['records']} |" for r in risk["class_sizes"]]
    return "\n".join(lines) + "\n"


def dictionary_markdown(manifest: dict[str, Any]) -> str:
    """The release README: the data dictionary (QIs shown as generalised) + the k section."""
    shown = copy.deepcopy(manifest)
    levels = manifest["k_anonymity"]["levels"]
    for column in shown["plan"]["columns"]:
        if levels.get(column["column"], 0) > 0:
            column["action"] = "generalize"
    return data_dictionary_markdown(shown) + kanon_markdown(manifest)
