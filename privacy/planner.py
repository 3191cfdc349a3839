"""Decide: spec + policy + detection -> :class:`~privacy.plan.ReleasePlan`.

Every source column gets exactly one action and a reason a reviewer can read: a steward's
override from the spec, the subject id rule, a policy rule for the detected entity, or "no
identifier detected". Problems in the spec (unknown columns, actions that cannot apply to a
column's type, keeping an identifier without saying why, pseudonymising without a key) are
raised here, before anything is read in full or written.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

from privacy import actions
from privacy.entities import HIPAA_CATEGORY, ROW_LINKED_ENTITIES
from privacy.errors import SecretMissing, SpecError
from privacy.plan import ColumnPlan, ReleasePlan
from privacy.policy import Policy, PolicyRule
from privacy.report import ColumnFinding, DetectionReport
from privacy.spec import ColumnOverride, ReleaseSpec

PSEUDONYM_KEY_ENV = "SHAREABLE_PSEUDONYM_KEY"


def make_plan(
    spec: ReleaseSpec,
    report: DetectionReport,
    policy: Policy,
    *,
    pseudonym_key_available: bool,
    spec_path: Path | None = None,
    today: dt.date | None = None,
) -> ReleasePlan:
    """Return the release plan for ``spec`` given what detection found in its source."""
    where = str(spec_path) if spec_path else f"release of {spec.source.path.name}"
    columns = [finding.column for finding in report.columns]
    _check_columns_exist(spec, columns, where)
    plans = []
    for finding in report.columns:
        override = spec.columns.get(finding.column)
        if override is not None:
            plans.append(_from_override(finding, override, policy, where))
        elif finding.column == spec.subject_id:
            plans.append(_for_subject_id(finding, pseudonym_key_available))
        else:
            plans.append(_from_policy(finding, policy, pseudonym_key_available))
    plans = _link_row_identifiers(plans, spec, where)
    reference = spec.reference_date or today or dt.date.today()
    plans = [_explain_birth_cap(p, report, reference, spec) for p in plans]
    extra = {}
    if spec.reference_date is not None and spec.reference_date_reason:
        extra["reference_date_reason"] = f"set by the steward: {spec.reference_date_reason}"
    plan = ReleasePlan(
        dataset=spec.dataset,
        method="safe_harbor",
        subject_id=spec.subject_id,
        reference_date=reference,
        columns=tuple(plans),
        **extra,
    )
    if plan.needs_pseudonym_key and not pseudonym_key_available:
        asked = [c.column for c in plan.columns if c.action == "pseudonymize"]
        raise SecretMissing(
            f"{where}: columns {asked} are to be pseudonymised, which needs a secret key, but "
            f"{PSEUDONYM_KEY_ENV} is not set. Set it in the environment (at least 16 random "
            "characters, kept by the steward and never written to a config), or change those "
            "columns' action to `drop`."
        )
    return plan


def _link_row_identifiers(
    plans: list[ColumnPlan], spec: ReleaseSpec, where: str
) -> list[ColumnPlan]:
    """Give every redacted text the identifier columns whose same-row values it also loses.

    By default these are the columns the plan removes or transforms because they hold an
    identifier (a kept column is not secret, so its values stay). A steward may name them
    (``row_identifiers: [first_name, last_name]``) or switch the search off (``[]``).
    """
    names = [p.column for p in plans]
    default = [p.column for p in plans if p.action != "keep" and p.entity in ROW_LINKED_ENTITIES]
    linked = []
    for item in plans:
        if item.action != "redact":
            linked.append(item)
            continue
        override = spec.columns.get(item.column)
        if override is not None and override.row_identifiers is not None:
            chosen = list(override.row_identifiers)
            wrong = [n for n in chosen if n not in names or n == item.column]
            if wrong:
                raise SpecError(
                    f"{where}: `columns.{item.column}.row_identifiers` names "
                    + ", ".join(f"`{n}`" for n in wrong)
                    + ", which must be other columns of the source"
                    + _near(wrong[0], [n for n in names if n != item.column])
                    + f". The source has these columns: {', '.join(names)}."
                )
            why = "the steward's list" if chosen else "switched off by the steward"
        else:
            chosen = [n for n in default if n != item.column]
            why = "identifier columns the plan removes"
        if chosen:
            reason = (
                f"{item.reason}; also cuts out this row's own values of {', '.join(chosen)} "
                f"wherever they appear in the text ({why})"
            )
        else:
            reason = f"{item.reason}; no same-row identifier values searched ({why})"
        linked.append(item.model_copy(update={"row_identifiers": tuple(chosen), "reason": reason}))
    return linked


def _check_columns_exist(spec: ReleaseSpec, columns: list[str], where: str) -> None:
    problems = []
    if spec.subject_id is not None and spec.subject_id not in columns:
        problems.append(
            "`subject_id` names a column that is not in the source"
            + _near(spec.subject_id, columns)
        )
    for name in spec.columns:
        if name not in columns:
            problems.append(f"`columns.{name}` is not a column of the source{_near(name, columns)}")
    if problems:
        listing = ", ".join(columns)
        raise SpecError(
            f"{where}: " + "; ".join(problems) + f". The source has these columns: {listing}."
        )


def _near(name: str, columns: list[str]) -> str:
    close = difflib.get_close_matches(name, columns, n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _from_override(
    finding: ColumnFinding, override: ColumnOverride, policy: Policy, where: str
) -> ColumnPlan:
    column, action = finding.column, override.action
    key = actions.action_key(action, override.bins, override.mapping)
    if not actions.accepts(key, actions.kind_of_dtype(finding.dtype)):
        allowed = actions.DESCRIPTION[key]
        raise SpecError(
            f"{where}: `columns.{column}.action` is {action}, which applies to {allowed}; "
            f"column `{column}` is {finding.dtype}. Choose another action or set "
            f"`source.options.column_types` to read it as another type."
        )
    flagged = finding.entity is not None and finding.confidence >= policy.min_confidence
    suspect = finding.entity is None and finding.looks_like is not None
    if action == "keep" and (flagged or suspect) and not override.reason:
        what = (
            f"flags as {finding.entity} (confidence {finding.confidence:.2f})"
            if flagged
            else f"could not classify but looks like {finding.looks_like}"
        )
        raise SpecError(
            f"{where}: `columns.{column}` keeps a column that detection {what}, which "
            f"{policy.name} requires removing. If detection is wrong, say why: "
            f'`{column}: {{action: keep, reason: "..."}}`; otherwise choose drop, '
            "pseudonymize or a generalising action."
        )
    reason = "steward override"
    if override.reason:
        reason += f": {override.reason}"
    if finding.entity is not None:
        reason += f" (detected {finding.entity}, confidence {finding.confidence:.2f})"
    elif finding.looks_like is not None:
        reason += f" (unclassified, looked like {finding.looks_like})"
    return ColumnPlan(
        column=column,
        action=action,
        reason=reason,
        entity=finding.entity,
        hipaa_category=HIPAA_CATEGORY.get(finding.entity or ""),
        source="spec",
        birth=bool(override.birth)
        if override.birth is not None
        else finding.entity == "BIRTH_DATE",
        max_value=override.max_value,
        bins=override.bins,
        mapping=override.mapping,
    )


def _for_subject_id(finding: ColumnFinding, key_available: bool) -> ColumnPlan:
    if key_available:
        action, reason = (
            "pseudonymize",
            "subject id: replaced by a keyed HMAC-SHA256 pseudonym so rows of one individual "
            "stay linkable (re-identification code under 164.514(c); the key is not released)",
        )
    else:
        action, reason = (
            "drop",
            f"subject id: dropped because {PSEUDONYM_KEY_ENV} is not set; set it to keep a "
            "linkable pseudonym instead",
        )
    return ColumnPlan(
        column=finding.column,
        action=action,
        reason=reason,
        entity=finding.entity or "RECORD_ID",
        hipaa_category=HIPAA_CATEGORY["RECORD_ID"],
        source="subject_id",
    )


def _from_policy(finding: ColumnFinding, policy: Policy, key_available: bool) -> ColumnPlan:
    if finding.entity is None and finding.looks_like is not None:
        return _fail_safe(finding, policy, key_available)
    if finding.entity is None or finding.confidence < policy.min_confidence:
        return ColumnPlan(
            column=finding.column,
            action="keep",
            reason=f"no identifier detected{_evidence(finding)}",
            entity=None,
        )
    rule: PolicyRule = policy.rules[finding.entity]
    action = rule.action
    note = ""
    if action == "pseudonymize" and not key_available:
        action = rule.without_key or "drop"
        note = f"; {PSEUDONYM_KEY_ENV} is not set, so {action} instead of pseudonymize"
    birth = rule.birth
    if finding.entity == "DATE_TIME" and finding.header_entity is None and action == "year":
        birth = True
        note += (
            "; the header does not say what these dates are, so birth years implying age 90+ "
            "are aggregated in case they are birth dates"
        )
    return ColumnPlan(
        column=finding.column,
        action=action,
        reason=(
            f"{policy.name}: detected {finding.entity} (confidence {finding.confidence:.2f}"
            f"{_evidence(finding, inside=True)}) -> {action}{note}"
        ),
        entity=finding.entity,
        hipaa_category=HIPAA_CATEGORY.get(finding.entity),
        source="policy",
        birth=birth,
        max_value=rule.max_value,
    )


def _fail_safe(finding: ColumnFinding, policy: Policy, key_available: bool) -> ColumnPlan:
    """A column that resembles an identifier without being classified: never kept silently."""
    entity = finding.looks_like
    assert entity is not None
    rule = policy.rules.get(entity)
    action = rule.action if rule is not None else "drop"
    if action == "pseudonymize" and not key_available:
        action = (rule.without_key if rule else None) or "drop"
    if action in ("year", "zip3") and not actions.accepts(
        action, actions.kind_of_dtype(finding.dtype)
    ):
        action = "drop"
    return ColumnPlan(
        column=finding.column,
        action=action,
        reason=(
            f"{policy.name}: unclassified, looks like {entity}{_evidence(finding)} -> {action} "
            f"(fail safe); if it is not, keep it with `{finding.column}: "
            '{action: keep, reason: "..."}` in the spec'
        ),
        entity=entity,
        hipaa_category=HIPAA_CATEGORY.get(entity),
        source="policy",
        birth=bool(rule and rule.birth),
        max_value=rule.max_value if rule and action == "top_code" else None,
    )


def _explain_birth_cap(
    item: ColumnPlan, report: DetectionReport, reference: dt.date, spec: ReleaseSpec
) -> ColumnPlan:
    """Say in a birth column's reason how many sampled years the 90+ cap collapses, and why."""
    if item.action != "year" or not item.birth:
        return item
    try:
        cap = report.finding(item.column).birth_cap
    except KeyError:
        return item
    if not cap.get("years_sampled"):
        return item
    floor = reference.year - 90
    at_reference = cap["in_90_plus_at_release"] if spec.reference_date is None else None
    text = (
        f"; age 90+ cap at the reference date {reference.isoformat()} "
        f"({'the release day' if spec.reference_date is None else 'set by the steward'}): "
        f"birth years up to {floor} are shown as {floor}"
    )
    if at_reference is not None:
        text += f" ({at_reference}/{cap['years_sampled']} sampled values)"
    if "data_end_year" in cap:
        text += (
            f"; at the table's latest date ({cap['data_end_year']}) "
            f"{cap['in_90_plus_at_data_end']}/{cap['years_sampled']} sampled values are 90+"
        )
        if spec.reference_date is None:
            text += (
                "; to compute ages there instead, set `reference_date` with a written "
                "`reference_date_reason`"
            )
    return item.model_copy(update={"reason": item.reason + text})


def _evidence(finding: ColumnFinding, *, inside: bool = False) -> str:
    parts = []
    if finding.evidence:
        parts.append(finding.evidence)
    else:
        if finding.header_entity:
            parts.append(f"header suggests {finding.header_entity}")
        if finding.values_sampled:
            parts.append(
                f"{finding.values_matched}/{finding.values_sampled} sampled values matched"
            )
    if not parts:
        return ""
    return ("; " if inside else " (") + "; ".join(parts) + ("" if inside else ")")
