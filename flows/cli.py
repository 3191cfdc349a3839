"""The ``shareable`` command: release, scan and inspect restricted datasets.

Errors a user can fix print as one paragraph (file, field, fix) with a non-zero exit code and
no traceback; ``--debug`` shows the traceback. On success ``shareable release`` prints the
release directory as the last line of stdout, so scripts can capture it.

Each command imports what it needs when it runs: Prefect must not be imported before
:func:`main` has pointed it at ``SHAREABLE_HOME``, and ``shareable --help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from flows.settings import configure_prefect_environment
from privacy.errors import InternalError, ShareableError

app = typer.Typer(
    name="shareable",
    help="Make restricted health datasets shareable: detect PHI, de-identify, validate, publish.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class _Console:
    """A rich console created at each print, so it follows the current streams and width."""

    def __init__(self, stderr: bool = False) -> None:
        self.stderr = stderr

    def print(self, *objects, **kwargs) -> None:
        """Print; text is shown as written (never read as rich markup, no control codes)."""
        shown = [plain(o) if isinstance(o, str) else o for o in objects]
        Console(stderr=self.stderr).print(*shown, **kwargs)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(value: object) -> Text:
    """``value`` as plain text, shown exactly as written.

    Rich markup (``[/evil]``) is not interpreted, and control characters (terminal escape
    sequences) are shown as ``?``.
    """
    return Text(_CONTROL.sub("?", "" if value is None else str(value)))


def _cells(*values: object) -> list[Text]:
    """Table cells shown as written (see :func:`plain`)."""
    return [plain(value) for value in values]


out = _Console()
err = _Console(stderr=True)

ActorOption = Annotated[
    str | None,
    typer.Option("--actor", help="Who is acting, for the audit log (default: the OS user)."),
]
DebugOption = Annotated[
    bool, typer.Option("--debug", help="Show the full traceback when something fails.")
]


@app.command()
def release(
    target: Annotated[
        Path,
        typer.Argument(
            help="A release spec (.yaml), or a .csv/.parquet file to release "
            "with the Safe Harbor defaults."
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Release root (default: $SHAREABLE_HOME/releases)."),
    ] = None,
    actor: ActorOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Publish even if source and spec are unchanged.")
    ] = False,
    dask_address: Annotated[
        str | None,
        typer.Option(
            "--dask-address",
            help="Process the partitions on this Dask cluster (tcp://HOST:PORT; default: "
            "$SHAREABLE_DASK_ADDRESS, else threads on this machine).",
        ),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Release a dataset as a validated, versioned, de-identified Parquet extract.

    TARGET may also be a directory or glob of Parquet (or CSV) partition files.
    """
    with _user_errors(debug):
        from flows.release import run_release

        _console_logging(debug)
        published = run_release(
            str(target),
            str(output) if output else None,
            actor=actor,
            force=force,
            dask_address=dask_address,
            debug=debug,
        )
    out.print(published, soft_wrap=True, highlight=False)


@app.command()
def scan(
    target: Annotated[Path, typer.Argument(help="A .csv/.parquet file or a release spec.")],
    write_spec: Annotated[
        Path | None,
        typer.Option("--write-spec", help="Write the proposed release spec to this YAML file."),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Show what detection finds in each column (types, confidence and counts, never values)."""
    with _user_errors(debug):
        from flows import planning
        from flows.inputs import open_inputs

        inputs = open_inputs(target, debug)
        report = planning.scan_columns(inputs)
        release_plan = planning.safe_harbor_plan(inputs, report)
        table = Table(title=f"{inputs.source.name}: {report.rows_sampled:,} rows sampled")
        for heading in ("column", "type", "detected", "confidence", "evidence", "proposed"):
            table.add_column(heading)
        for finding in report.columns:
            evidence = [f"{finding.values_matched}/{finding.values_sampled} values"]
            if finding.header_entity:
                evidence.append(f"header: {finding.header_entity}")
            if finding.span_counts:
                evidence.append(
                    "spans: "
                    + ", ".join(f"{k} {v}" for k, v in sorted(finding.span_counts.items()))
                )
            detected = finding.entity or "—"
            if finding.entity is None and finding.looks_like:
                detected = f"unclassified, looks like {finding.looks_like}"
            table.add_row(
                finding.column,
                finding.dtype,
                detected,
                f"{finding.confidence:.2f}" if finding.entity else "",
                "; ".join(evidence),
                release_plan.for_column(finding.column).action,
            )
        out.print(table)
        _print_steward_notes(report, release_plan)
        if write_spec is not None:
            _write_proposed_spec(write_spec, inputs, release_plan)
            out.print(f"Proposed spec written to {write_spec}", highlight=False)


@app.command()
def detect(
    path: Annotated[Path, typer.Argument(help="JSON lines file, one object per line with an id.")],
    field: Annotated[str, typer.Option("--field", help="Key of the text in each object.")] = "text",
    debug: DebugOption = False,
) -> None:
    """Find PHI spans in free text: writes {"id", "spans": [{start, end, entity, score}]} lines."""
    with _user_errors(debug):
        from flows.detect import run_detect

        run_detect(path, field, sys.stdout)


@app.command()
def budget(
    dataset: Annotated[str, typer.Argument(help="Dataset whose privacy budget to show.")],
    set_total: Annotated[
        str | None,
        typer.Option("--set-total", help="Steward: set the lifetime total, EPSILON[,DELTA]."),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why the total changes (audit log).")
    ] = None,
    actor: ActorOption = None,
    debug: DebugOption = False,
) -> None:
    """Show a dataset's privacy budget: total, spent, remaining and every charge."""
    with _user_errors(debug):
        from flows.budget import budget_report, render_budget, set_budget_total
        from flows.inputs import actor as current_actor

        if set_total is not None:
            epsilon, _, delta = set_total.partition(",")
            try:
                values = float(epsilon), float(delta or 0)
            except ValueError:
                raise ShareableError(
                    f"--set-total {set_total!r}: write EPSILON or EPSILON,DELTA, e.g. 4 or 4,1e-6."
                ) from None
            if not reason:
                raise ShareableError("--set-total needs --reason: the audit log records why.")
            set_budget_total(dataset, *values, actor=actor or current_actor(), reason=reason)
        out.print(render_budget(budget_report(dataset)), highlight=False, soft_wrap=True)


@app.command()
def sample(
    path: Annotated[Path, typer.Argument(help="Output file, .csv or .parquet.")],
    rows: Annotated[int, typer.Option("--rows", "-n", min=1, help="Number of rows.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same table).")] = 0,
    debug: DebugOption = False,
) -> None:
    """Generate a synthetic restricted patient table holding every Safe Harbor category."""
    with _user_errors(debug):
        from examples.sample_data import write_sample

        written = write_sample(path, rows, seed)
    out.print(str(written), soft_wrap=True, highlight=False)


@app.command()
def catalog(debug: DebugOption = False) -> None:
    """List every released dataset: latest version, method, guarantees, rows, columns."""
    with _user_errors(debug):
        from flows import catalog as store

        entries = store.list_datasets()
        if not entries:
            out.print("No releases yet. Start with: shareable release FILE.csv")
            return
        table = Table(title="Shareable catalog")
        for heading in (
            "dataset",
            "latest",
            "method",
            "guarantees",
            "rows",
            "columns",
            "released",
            "steward",
        ):
            table.add_column(heading)
        for entry in entries:
            table.add_row(
                *_cells(
                    entry.dataset,
                    f"v{entry.version}",
                    entry.method,
                    store.describe_guarantees(entry.method, entry.guarantees),
                    *store.describe_contents(entry),
                    entry.created_at.strftime("%Y-%m-%d %H:%M"),
                    entry.steward or "",
                )
            )
        out.print(table)


@app.command()
def show(
    dataset: Annotated[str, typer.Argument(help="DATASET or DATASET@vN (default: latest).")],
    debug: DebugOption = False,
) -> None:
    """Print a release's data dictionary (column, type, what was done and why) and guarantees."""
    with _user_errors(debug):
        from rich.markdown import Markdown

        from flows import catalog as store

        name, _, version = dataset.partition("@")
        if version and not version.lstrip("v").isdigit():
            raise ShareableError(f"`{dataset}`: write a version as DATASET@vN, e.g. {name}@v2.")
        entry = store.find_release(name, int(version.lstrip("v")) if version else None)
        readme = Path(entry.path) / "README.md"
        out.print(
            f"{entry.dataset} v{entry.version}: "
            f"{store.describe_guarantees(entry.method, entry.guarantees)}; "
            f"{_contents_line(entry)}; "
            f"released {entry.created_at:%Y-%m-%d %H:%M}; {entry.path}",
            highlight=False,
            soft_wrap=True,
        )
        if readme.is_file():
            out.print(Markdown(readme.read_text("utf8")))
        else:
            out.print(f"(the release folder {entry.path} is gone; the catalog keeps its facts)")


def _contents_line(entry) -> str:
    """What a release holds, in one phrase: its rows, or a DP release's tables and queries."""
    from flows import catalog as store

    rows, columns = store.describe_contents(entry)
    return f"{rows}, {columns}" if entry.method == "dp_aggregates" else f"{rows} rows"


@app.command()
def audit(
    dataset: Annotated[str | None, typer.Argument(help="Only this dataset.")] = None,
    limit: Annotated[int, typer.Option(help="Most recent entries to show.")] = 50,
    debug: DebugOption = False,
) -> None:
    """Show the audit log: who did what, when, to which dataset, with what outcome."""
    with _user_errors(debug):
        from flows import audit as store

        table = Table(title="Audit log" + (f": {dataset}" if dataset else ""))
        for heading in ("time (UTC)", "actor", "action", "dataset", "outcome", "spec", "detail"):
            table.add_column(heading)
        for row in store.audit_entries(dataset, limit):
            table.add_row(
                *_cells(
                    row["at"].strftime("%Y-%m-%d %H:%M:%S"),
                    row["actor"],
                    row["action"],
                    row["dataset"] or "",
                    row["outcome"],
                    (row["spec_hash"] or "")[:12],
                    row["detail"] or "",
                )
            )
        out.print(table)


@app.command()
def request(
    dataset: Annotated[str, typer.Argument(help="The dataset you need in more detail.")],
    purpose: Annotated[str, typer.Option("--purpose", help="What it is for, and why.")],
    actor: ActorOption = None,
    debug: DebugOption = False,
) -> None:
    """Ask the steward for a more detailed release than the default; starts the clock."""
    with _user_errors(debug):
        from flows import requests as store
        from flows.inputs import actor as current_actor

        request_id = store.open_request(dataset, purpose, actor or current_actor())
        out.print(f"Request {request_id} opened for {dataset}.", highlight=False)


@app.command()
def requests(
    all_: Annotated[bool, typer.Option("--all", help="Include decided requests.")] = False,
    sla_days: Annotated[
        float,
        typer.Option(
            "--sla-days",
            envvar="SHAREABLE_REQUEST_SLA_DAYS",
            help="Flag open requests older than this.",
        ),
    ] = 14,
    debug: DebugOption = False,
) -> None:
    """List access requests with their age; open ones older than the SLA are flagged."""
    with _user_errors(debug):
        from flows import requests as store

        rows = store.list_requests(include_decided=all_)
        table = Table(title=f"Access requests (SLA {sla_days:g} days)")
        for heading in (
            "id",
            "dataset",
            "requester",
            "status",
            "age (days)",
            "purpose",
            "decision",
        ):
            table.add_column(heading)
        overdue = 0
        for row in rows:
            age = store.request_age_days(row)
            late = row["status"] == "open" and age > sla_days
            overdue += late
            table.add_row(
                *_cells(
                    str(row["id"]),
                    row["dataset"],
                    row["requester"],
                    "OVERDUE" if late else row["status"],
                    f"{age:.1f}",
                    row["purpose"],
                    row["decision_reason"] or "",
                ),
                style="bold red" if late else None,
            )
        out.print(table)
        if overdue:
            out.print(f"{overdue} open request(s) older than {sla_days:g} days.")


def _decide(request_id: int, approve: bool, reason: str, actor: str | None) -> None:
    from flows import requests as store
    from flows.inputs import actor as current_actor

    row = store.decide_request(request_id, approve, reason, actor or current_actor())
    out.print(f"Request {request_id} ({row['dataset']}) {row['status']}.", highlight=False)


@app.command()
def approve(
    request_id: Annotated[int, typer.Argument(help="Request id (see `shareable requests`).")],
    reason: Annotated[str, typer.Option("--reason", help="Why, for the requester and audit.")],
    actor: ActorOption = None,
    debug: DebugOption = False,
) -> None:
    """Approve an access request (stewards)."""
    with _user_errors(debug):
        _decide(request_id, True, reason, actor)


@app.command()
def deny(
    request_id: Annotated[int, typer.Argument(help="Request id (see `shareable requests`).")],
    reason: Annotated[str, typer.Option("--reason", help="Why, for the requester and audit.")],
    actor: ActorOption = None,
    debug: DebugOption = False,
) -> None:
    """Deny an access request (stewards)."""
    with _user_errors(debug):
        _decide(request_id, False, reason, actor)


SpecsArgument = Annotated[
    list[Path] | None,
    typer.Argument(help="Release specs with a `schedule:` (default: configs/releases/*.yaml)."),
]


@app.command()
def deploy(
    specs: SpecsArgument = None,
    work_pool: Annotated[
        str, typer.Option("--work-pool", help="Prefect work pool whose workers run the releases.")
    ] = "shareable",
    actor: ActorOption = None,
    debug: DebugOption = False,
) -> None:
    """Register one Prefect deployment per scheduled spec with the Prefect server."""
    with _user_errors(debug):
        from flows import schedule

        found = schedule.scheduled_specs(specs)
        schedule.deploy(found, work_pool, actor)
        for _, spec in found:
            out.print(
                f"release/{schedule.deployment_name(spec)}: {spec.schedule.cron} "
                f"({spec.schedule.timezone}) on work pool {work_pool}",
                highlight=False,
            )


@app.command()
def serve(
    specs: SpecsArgument = None,
    actor: ActorOption = None,
    debug: DebugOption = False,
) -> None:
    """Run the scheduled releases from this process (Prefect serve) until stopped."""
    with _user_errors(debug):
        from flows import schedule

        schedule.serve(schedule.scheduled_specs(specs), actor)


def _print_steward_notes(report, release_plan) -> None:
    """List the columns the plan fails safe on, and explain the age-90 cap of birth columns."""
    suspects = [f for f in report.columns if f.entity is None and f.looks_like]
    if suspects:
        out.print(
            "Unclassified columns the plan removes or generalises to be safe (keep one with "
            '`columns.<name>: {action: keep, reason: "..."}` in the spec if it is not an '
            "identifier):",
            highlight=False,
        )
        for finding in suspects:
            action = release_plan.for_column(finding.column).action
            out.print(
                f"  - {finding.column}: looks like {finding.looks_like} -> {action} "
                f"({finding.evidence})",
                soft_wrap=True,
                highlight=False,
            )
    reference = release_plan.reference_date
    for finding in report.columns:
        cap = finding.birth_cap
        if not cap.get("years_sampled"):
            continue
        line = (
            f"Birth column {finding.column}: ages are computed at {reference.isoformat()} "
            f"({release_plan.reference_date_reason}); at the release year "
            f"{cap['in_90_plus_at_release']}/{cap['years_sampled']} sampled birth years fall "
            f"in the single '90 or older' year {cap['release_year'] - 90}"
        )
        if "data_end_year" in cap:
            line += (
                f", at the table's latest date ({cap['data_end_year']}) "
                f"{cap['in_90_plus_at_data_end']}. Set `reference_date` with a written "
                "`reference_date_reason` to compute ages at the data's end instead"
            )
        out.print(line + ".", soft_wrap=True, highlight=False)


def _write_proposed_spec(path: Path, inputs, release_plan) -> None:
    """Write a commented spec with one explicit decision per column for the steward to edit."""
    source_path = Path(os.path.relpath(inputs.source.path, path.resolve().parent))
    subject = release_plan.subject_id
    lines = [
        f"# Proposed by `shareable scan` on {dt.date.today().isoformat()} from "
        f"{inputs.source.name}.",
        "# Review every column, edit, then run: shareable release " + path.name,
        "# Actions: keep, drop, redact, pseudonymize, year, zip3, top_code, generalize.",
        yaml.safe_dump({"dataset": release_plan.dataset}, sort_keys=False).strip(),
        yaml.safe_dump(
            {"source": {"path": str(source_path), "format": inputs.source.format}},
            sort_keys=False,
        ).strip(),
        "method: safe_harbor",
        (
            f"subject_id: {subject}"
            if subject
            else "# subject_id: <column>   # the id column of the individual, if rows repeat"
        ),
        "columns:",
    ]
    for column in release_plan.columns:
        entry = {"action": column.action}
        if column.action == "top_code":
            entry["max_value"] = column.max_value
        if column.action == "year" and column.birth:
            entry["birth"] = True
        value = entry["action"] if len(entry) == 1 else entry
        rendered = yaml.safe_dump({column.column: value}, default_flow_style=True, width=1000)
        rendered = rendered.strip().removeprefix("{").removesuffix("}")
        lines.append(f"  {rendered}  # {column.reason}")
    try:
        path.write_text("\n".join(lines) + "\n", encoding="utf8")
    except OSError as exc:
        raise ShareableError(f"{path}: cannot write the spec ({exc.strerror}).") from None


class _CurrentStderr:
    """A stream that always writes to the current ``sys.stderr`` (which tests replace)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


class _DropTracebacks:
    """Logging filter: keep Prefect's console free of tracebacks (the CLI explains errors)."""

    def filter(self, record) -> bool:
        return record.exc_info is None


def _console_logging(debug: bool) -> None:
    """Point Prefect's console handlers at this process's stderr, without tracebacks.

    Prefect logs a failed run's traceback to the console; the CLI prints its own one-paragraph
    explanation instead (``--debug`` keeps the traceback). Records still reach Prefect's API.
    """
    import logging

    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger(name) for name in list(logging.Logger.manager.loggerDict)]
    for logger in [logging.getLogger(), *loggers]:
        for handler in getattr(logger, "handlers", []):
            if not isinstance(handler, PrefectConsoleHandler):
                continue
            stream = _CurrentStderr()
            handler.setStream(stream)
            handler.console.file = stream
            handler.filters = [f for f in handler.filters if not isinstance(f, _DropTracebacks)]
            if not debug:
                handler.addFilter(_DropTracebacks())


class _user_errors:  # noqa: N801 - used as a lowercase context manager
    """Turn Shareable's errors into a clear paragraph and an exit code."""

    def __init__(self, debug: bool) -> None:
        self.debug = debug

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> bool:
        if exc is None or isinstance(exc, (typer.Exit, KeyboardInterrupt)):
            return False
        if self.debug:
            traceback.print_exception(kind, exc, tb)
        if isinstance(exc, ShareableError):
            err.print(_error_text(type(exc).__name__, exc), highlight=False)
            raise typer.Exit(code=exc.exit_code)
        if isinstance(exc, InternalError):
            err.print(_error_text("Internal error", exc), highlight=False)
            raise typer.Exit(code=exc.exit_code)
        err.print(
            Text.assemble(
                ("Unexpected error", "bold red"),
                f" ({type(exc).__name__}); this is a bug in Shareable. "
                "Run again with --debug for the traceback and report it.",
            ),
            highlight=False,
        )
        raise typer.Exit(code=70)


def _error_text(title: str, exc: BaseException) -> Text:
    """``title: message`` with the title in bold red and the message as plain text."""
    return Text.assemble((title, "bold red"), ": ", plain(exc))


def main() -> None:
    """Entry point of the ``shareable`` console script.

    Points Prefect at a home under ``SHAREABLE_HOME`` first (only variables the user has not
    set), before any command imports Prefect.
    """
    configure_prefect_environment()
    app(prog_name="shareable")


if __name__ == "__main__":
    sys.exit(main())
