"""What a release says to people: the data dictionary (``README.md``) and the release report.

Each function takes the release's typed :class:`~flows.manifest.Manifest` (never a re-read
``manifest.json``) and renders Markdown from its counts, names and decisions, so no value can
appear in it. :func:`readme_markdown` is the README written beside the files (the data
dictionary of a row-level release, with its k-anonymity section; the files and accuracy of a
DP release); :func:`report_markdown` is the Prefect artifact of the run. ``{version}`` in a
README is filled in with the version finally taken.
"""

from __future__ import annotations

from typing import Any

from flows.manifest import KAnonymityFacts, Manifest
from privacy.budget import parse_share
from privacy.dp.postprocess import CLAMP_NOTE, MEAN_INTERVAL

MEANING = {
    "keep": "unchanged from the source",
    "pseudonymize": "keyed pseudonym (32 hex characters); equal values share a pseudonym",
    "year": "year only (all other date elements removed)",
    "zip3": "first 3 ZIP digits; '000' for the 17 prefixes with 20,000 people or fewer",
    "top_code": "values above the limit set to the limit",
    "generalize": "generalised into ranges or groups",
    "redact": "free text with identifiers replaced by their type, e.g. <PERSON>",
}
"""What each action did, in an analyst's words."""


def readme_markdown(manifest: Manifest) -> str:
    """The ``README.md`` of a release, for analysts who only see the files."""
    if manifest.dp is not None:
        return dp_readme_markdown(manifest)
    text = data_dictionary_markdown(manifest)
    if manifest.k_anonymity is not None:
        text += kanon_markdown(manifest)
    return text


def report_markdown(manifest: Manifest) -> str:
    """The release report (Prefect artifact): plan, validation, method facts; no values."""
    if manifest.dp is not None:
        return accuracy_markdown(manifest)
    text = release_report_markdown(manifest)
    if manifest.k_anonymity is not None:
        text += kanon_markdown(manifest)
    return text


def _free_text_caveat(manifest: Manifest) -> list[str]:
    """A paragraph on the redacted free-text columns, which no Safe Harbor claim covers."""
    promised = manifest.guarantees
    if not promised.free_text_redacted:
        return []
    names = ", ".join(f"`{name}`" for name in promised.free_text_redacted)
    return [f"**Free text ({names}).** {promised.free_text_caveat}", ""]


def release_report_markdown(manifest: Manifest) -> str:
    """The report of a row-level release: rows, source, validation and the plan."""
    validation = manifest.validation
    lines = [
        f"# Release `{manifest.dataset}`" + (f" v{manifest.version}" if manifest.version else ""),
        "",
        f"- Method: **{manifest.method}** ({manifest.guarantees.standard})",
        *(f"- {line}" for line in _free_text_caveat(manifest)[:1]),
        f"- Rows in / out: {manifest.rows_in or 0:,} / {manifest.rows_out:,}",
        f"- Source: `{manifest.source.name}` (sha256 `{manifest.source.sha256[:12]}`)",
        f"- Spec hash: `{manifest.spec_hash[:12]}`",
        f"- Validation: **{'passed' if validation.success else 'FAILED'}** "
        f"({validation.passed} of {validation.evaluated} expectations)",
        "",
        "## Plan",
        "",
        "| column | action | detected | why |",
        "|---|---|---|---|",
    ]
    for column in manifest.plan.columns if manifest.plan else ():
        lines.append(
            f"| `{column.column}` | {column.action} | {column.entity or '—'} | "
            f"{_cell(column.reason)} |"
        )
    failed = [r for r in validation.results if not r.success]
    if failed:
        lines += ["", "## Failed expectations", ""]
        lines += [
            f"- {r.expectation} on `{r.column or 'table'}`: "
            f"{r.unexpected_count if r.unexpected_count is not None else '?'} rows"
            for r in failed
        ]
    return "\n".join(lines) + "\n"


def data_dictionary_markdown(manifest: Manifest) -> str:
    """The data dictionary: column, type, what was done and why."""
    plan = manifest.plan
    by_name = {c.column: c for c in plan.columns} if plan else {}
    lines = [
        f"# {manifest.dataset} — version {{version}}",
        "",
        f"De-identified by Shareable using **{manifest.method}** "
        f"({manifest.guarantees.standard}). {manifest.rows_out:,} rows.",
        "",
        *_free_text_caveat(manifest),
        'Read it with `pandas.read_parquet("part-00000.parquet")` (a part holds up to a '
        'million rows), or the whole folder with `flows.read.read_release("<this folder>")`. '
        "Evidence (plan, detection counts, validation results) is in `manifest.json`.",
        "",
        "## Columns",
        "",
        "| column | type | what was done | why |",
        "|---|---|---|---|",
    ]
    for column in manifest.columns:
        item = by_name[column.name]
        what = MEANING.get(item.action, item.action)
        if item.action == "top_code":
            what = f"values above {item.max_value:g} set to {item.max_value:g}"
            if item.entity == "AGE":
                what += f" (meaning {item.max_value:g} or older)"
        if item.action == "year" and item.birth:
            floor = plan.reference_date.year - 90
            what += f"; years up to {floor} all shown as {floor} (age 90 or older)"
        lines.append(f"| `{column.name}` | {column.type} | {what} | {_cell(item.reason)} |")
    dropped = plan.dropped_columns if plan else []
    if dropped:
        lines += ["", "## Removed columns", ""]
        lines += [f"- `{name}`: {_cell(by_name[name].reason)}" for name in dropped]
    return "\n".join(lines) + "\n"


def kanon_markdown(manifest: Manifest) -> str:
    """The k-anonymity section of the report and README (counts and levels only)."""
    facts: KAnonymityFacts = manifest.k_anonymity
    promised = manifest.guarantees
    risk, before = facts.risk, facts.risk_before
    lines = [
        "",
        "## k-anonymity",
        "",
        f"- k = {promised.k} (achieved {risk['k_achieved']})"
        + (
            f", l = {promised.l} on `{facts.sensitive}` (achieved {risk['l_achieved']})"
            if promised.l
            else ""
        ),
        f"- Records suppressed (removed): {facts.records_suppressed:,} of "
        f"{facts.records_in:,} (limit {promised.max_suppression:.2%})",
        f"- Information loss: {facts.information_loss:.4f} (normalised certainty penalty; "
        f"0 = unchanged); discernibility {facts.discernibility:,}",
        f"- Prosecutor risk: max {risk['prosecutor']['max']:.4f}, average "
        f"{risk['prosecutor']['average']:.4f} (before: max {before['prosecutor']['max']:.4f}, "
        f"average {before['prosecutor']['average']:.4f}); marketer {risk['marketer']:.4f}; "
        "journalist = prosecutor (no population table: upper bound)",
        f"- Search: {facts.nodes_evaluated} of {facts.lattice_size} lattice nodes "
        f"evaluated in {facts.search_seconds} s",
        "",
        "| quasi-identifier | level | of | hierarchy |",
        "|---|---|---|---|",
    ]
    for name, level in facts.levels.items():
        lines.append(
            f"| `{name}` | {level} | {facts.heights[name] - 1} | "
            f"{facts.hierarchies[name].replace('|', '/')} |"
        )
    lines += ["", "| class size | classes | records |", "|---|---|---|"]
    lines += [f"| {r['size']} | {r['classes']} | {r['records']} |" for r in risk["class_sizes"]]
    return "\n".join(lines) + "\n"


def accuracy_markdown(manifest: Manifest) -> str:
    """A DP release's report: budgets per query and the accuracy OpenDP reports (no values)."""
    dp = manifest.dp
    spent, total = dp.per_release, dp.budget_total
    lines = [
        f"# DP release `{manifest.dataset}`",
        "",
        f"- budget spent: epsilon {spent['epsilon']}, delta {spent['delta']} "
        f"(ledger charge `{dp.ledger_charge_id}`)",
        f"- lifetime total: epsilon {total['epsilon']}, delta {total['delta']}",
        f"- contribution bound: {dp.privacy_unit.contribution_bounding}",
        "",
        "| query | statistic | epsilon | delta | keys | component | noise | scale | "
        "95% half-width | clamped |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for query in dp.queries:
        clamped = "" if query.estimates_clamped is None else str(query.estimates_clamped)
        for row in query.accuracy or [{}]:
            half_width = _fmt(row.get("accuracy_95"))
            if row.get("distribution") == "derived (post-processing)":
                half_width = "per group (column `accuracy`)"
            elif row.get("accuracy_97_5") is not None:
                half_width += f" (97.5%: {_fmt(row['accuracy_97_5'])})"
            lines.append(
                f"| {query.name} | {query.statistic} | {_share(query.epsilon)} | "
                f"{_share(query.delta)} | {query.key_origin} | {row.get('aggregate', '')} | "
                f"{row.get('distribution', '')} | {_fmt(row.get('scale'))} | "
                f"{half_width} | {clamped} |"
            )
    lines += [
        "",
        "Accuracy: with 95% confidence, a released estimate differs from the value on the "
        "(contribution-bounded, clamped) data by at most the half-width. A mean is a noisy sum "
        "divided by a noisy count (both listed); its accuracy is derived per group: "
        f"{MEAN_INTERVAL}. Quantiles use the exponential mechanism, for which OpenDP reports "
        "no half-width.",
        "",
        f"Clamping: an estimate outside what is possible (a count below 0, a mean outside its "
        f"bounds, a sum beyond `max_rows` times a bound) is {CLAMP_NOTE}; the column `clamped` "
        "says which. It never makes an estimate less accurate.",
    ]
    return "\n".join(lines) + "\n"


def dp_readme_markdown(manifest: Manifest) -> str:
    """The README beside a DP release's files: what each file holds, and the accuracy."""
    lines = [
        f"# {manifest.dataset} v{{version}} (differentially private aggregates)",
        "",
        "Each `<query>.parquet` holds group columns, `estimate`, `accuracy` (the 95% "
        "half-width; empty where OpenDP reports none) and `clamped` (the estimate was moved "
        "into its feasible range). Read one with "
        '`flows.read.read_dataset("<dataset>", query="<query>")`.',
        "",
    ]
    queries = {query.name: query for query in manifest.dp.queries}
    for part in manifest.parts:
        names = ", ".join(c.name for c in part.columns or ())
        query = queries.get(part.query or "")
        what = f" ({query.statistic}" + (f" of {query.column}" if query.column else "") + ")"
        lines.append(f"- `{part.file}`{what if query else ''}: {part.rows} rows; columns {names}")
    lines += ["", accuracy_markdown(manifest)]
    return "\n".join(lines)


def _share(text: str) -> str:
    """A budget share as written in the manifest, with its decimal value beside a fraction."""
    return f"{text} (≈ {parse_share(text):.4g})" if "/" in text else text


def _fmt(value: Any) -> str:
    return "" if value is None else f"{value:.4g}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
