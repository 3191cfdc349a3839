"""The evidence that travels with a release: ``manifest.json``, the report and the dictionary.

Everything here is built from counts, scores, names and decisions; no function in this module
receives a data value, so none can leak one.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from flows.publish import PartInfo
from privacy.plan import ReleasePlan
from privacy.report import DetectionReport

MANIFEST_FORMAT = 1


def build_manifest(
    *,
    release_id: str,
    spec_hash: str,
    spec: dict[str, Any],
    source: dict[str, Any],
    release_plan: ReleasePlan,
    detection: DetectionReport,
    validation: dict[str, Any],
    transform_stats: dict[str, Any],
    schema: pa.Schema,
    parts: list[PartInfo],
    rows_in: int,
    started_at: str,
    finished_at: str,
    actor: str,
    libraries: dict[str, str],
    flow_run_id: str | None,
) -> dict[str, Any]:
    """Assemble the manifest of one release (its version is filled in at promotion)."""
    return {
        "manifest_format": MANIFEST_FORMAT,
        "dataset": release_plan.dataset,
        "version": None,
        "release_id": release_id,
        "method": release_plan.method,
        "guarantees": guarantees(release_plan),
        "spec_hash": spec_hash,
        "spec": spec,
        "source": source,
        "rows_in": rows_in,
        "rows_out": sum(part.rows for part in parts),
        "columns": [{"name": f.name, "type": str(f.type)} for f in schema.remove_metadata()],
        "parts": [vars(part) for part in parts],
        "plan": release_plan.model_dump(mode="json"),
        "detection": detection.model_dump(mode="json"),
        "validation": validation,
        "transform_stats": transform_stats,
        "actor": actor,
        "started_at": started_at,
        "finished_at": finished_at,
        "libraries": libraries,
        "prefect_flow_run_id": flow_run_id,
    }


def guarantees(release_plan: ReleasePlan) -> dict[str, Any]:
    """What the release promises, in the terms a reviewer checks."""
    return {
        "safe_harbor": release_plan.method == "safe_harbor",
        "standard": "HIPAA Safe Harbor, 45 CFR 164.514(b)(2)",
        "ages_top_coded_at": 90,
        "reference_date": release_plan.reference_date.isoformat(),
    }


def release_report_markdown(manifest: dict[str, Any]) -> str:
    """The release report (Prefect artifact, CLI summary): plan and validation, no values."""
    validation = manifest["validation"]
    lines = [
        f"# Release `{manifest['dataset']}`"
        + (f" v{manifest['version']}" if manifest.get("version") else ""),
        "",
        f"- Method: **{manifest['method']}** ({manifest['guarantees']['standard']})",
        f"- Rows in / out: {manifest['rows_in']:,} / {manifest['rows_out']:,}",
        f"- Source: `{manifest['source']['name']}` (sha256 `{manifest['source']['sha256'][:12]}`)",
        f"- Spec hash: `{manifest['spec_hash'][:12]}`",
        f"- Validation: **{'passed' if validation['success'] else 'FAILED'}** "
        f"({validation['passed']} of {validation['evaluated']} expectations)",
        "",
        "## Plan",
        "",
        "| column | action | detected | why |",
        "|---|---|---|---|",
    ]
    for column in manifest["plan"]["columns"]:
        lines.append(
            f"| `{column['column']}` | {column['action']} | {column['entity'] or '—'} | "
            f"{_cell(column['reason'])} |"
        )
    failed = [r for r in validation.get("results", []) if not r["success"]]
    if failed:
        lines += ["", "## Failed expectations", ""]
        lines += [
            f"- {r['expectation']} on `{r.get('column') or 'table'}`: "
            f"{r.get('unexpected_count', '?')} rows"
            for r in failed
        ]
    return "\n".join(lines) + "\n"


def data_dictionary_markdown(manifest: dict[str, Any]) -> str:
    """The ``README.md`` written into each release for analysts who only see the files."""
    by_name = {c["column"]: c for c in manifest["plan"]["columns"]}
    meaning = {
        "keep": "unchanged from the source",
        "pseudonymize": "keyed pseudonym (32 hex characters); equal values share a pseudonym",
        "year": "year only (all other date elements removed)",
        "zip3": "first 3 ZIP digits; '000' for the 17 prefixes with 20,000 people or fewer",
        "top_code": "values above the limit set to the limit",
        "generalize": "generalised into ranges or groups",
        "redact": "free text with identifiers replaced by their type, e.g. <PERSON>",
    }
    lines = [
        f"# {manifest['dataset']} — version {{version}}",
        "",
        f"De-identified by Shareable using **{manifest['method']}** "
        f"({manifest['guarantees']['standard']}). {manifest['rows_out']:,} rows.",
        "",
        'Read it with `pandas.read_parquet("part-00000.parquet")` (a part holds up to a '
        'million rows), or the whole folder with `flows.read.read_release("<this folder>")`. '
        "Evidence (plan, detection counts, validation results) is in `manifest.json`.",
        "",
        "## Columns",
        "",
        "| column | type | what was done | why |",
        "|---|---|---|---|",
    ]
    for column in manifest["columns"]:
        plan = by_name[column["name"]]
        what = meaning.get(plan["action"], plan["action"])
        if plan["action"] == "top_code":
            what = f"values above {plan['max_value']:g} set to {plan['max_value']:g}"
            if plan["entity"] == "AGE":
                what += f" (meaning {plan['max_value']:g} or older)"
        if plan["action"] == "year" and plan["birth"]:
            floor = int(manifest["guarantees"]["reference_date"][:4]) - 90
            what += f"; years up to {floor} all shown as {floor} (age 90 or older)"
        lines.append(
            f"| `{column['name']}` | {column['type']} | {what} | {_cell(plan['reason'])} |"
        )
    dropped = [c["column"] for c in manifest["plan"]["columns"] if c["action"] == "drop"]
    if dropped:
        lines += ["", "## Removed columns", ""]
        lines += [f"- `{name}`: {_cell(by_name[name]['reason'])}" for name in dropped]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
