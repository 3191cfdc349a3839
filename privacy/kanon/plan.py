"""From a ``k_anonymity:`` section to what the release does: columns, hierarchies, recodings.

* :func:`check_columns` refuses quasi-identifiers or a sensitive column absent from the source,
  and QIs also given a Safe Harbor action under ``columns:``;
* :func:`govern` rewrites the Safe Harbor plan so that QIs and the sensitive column are kept
  for the generalisation step (their reasons say so); every other column keeps its Safe Harbor
  action (direct identifiers are still dropped, pseudonymised or redacted);
* :func:`load_hierarchies` builds each QI's hierarchy against the values counted;
* :func:`recodings` and :func:`suppressed_keys` turn the optimal solution into what
  ``transforms.generalise`` applies to every batch.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from privacy.errors import SpecError
from privacy.hierarchies import Hierarchy, load_hierarchy
from privacy.kanon.search import Solution
from privacy.kanon_spec import KAnonymitySpec
from privacy.plan import ReleasePlan
from transforms.generalise import Recoding, class_keys


def check_columns(
    kanon: KAnonymitySpec, columns: list[str], overridden: list[str], where: str
) -> None:
    """Raise :class:`SpecError` if a QI or the sensitive column is not a source column.

    Args:
        kanon: The ``k_anonymity`` section.
        columns: The source's columns.
        overridden: Columns with an action under the spec's ``columns:``.
        where: The spec file, for messages.

    """
    problems = []
    named = [(f"k_anonymity.quasi_identifiers.{q}", q) for q in kanon.quasi_identifiers]
    if kanon.sensitive is not None:
        named.append(("k_anonymity.sensitive.column", kanon.sensitive.column))
    for field, column in named:
        if column not in columns:
            close = difflib.get_close_matches(column, columns, n=1)
            problems.append(
                f"`{field}` names `{column}`, which is not a column of the source"
                + (f" (did you mean `{close[0]}`?)" if close else "")
            )
    both = [q for q in kanon.quasi_identifiers if q in overridden]
    if both:
        problems.append(
            f"{', '.join(f'`{q}`' for q in both)} is both a quasi-identifier and listed under "
            "`columns:`; a QI is governed by its hierarchy, so remove it from `columns:`"
        )
    if problems:
        raise SpecError(
            f"{where}: " + "; ".join(problems) + f". The source has these columns: "
            f"{', '.join(columns)}."
        )


def govern(plan: ReleasePlan, kanon: KAnonymitySpec, origins: Mapping[str, str]) -> ReleasePlan:
    """Keep QIs and the sensitive column in the Safe Harbor plan, for the generalisation step.

    Args:
        plan: The Safe Harbor plan of the source.
        kanon: The ``k_anonymity`` section.
        origins: Where each QI's hierarchy comes from (file, inline, auto ...), for reasons.

    Returns:
        The plan with those columns' action ``keep`` and a reason naming what Safe Harbor would
        have done; all other columns unchanged.

    """
    sensitive = kanon.sensitive.column if kanon.sensitive is not None else None
    columns = []
    for item in plan.columns:
        if item.column in kanon.quasi_identifiers:
            reason = (
                f"k-anonymity quasi-identifier: generalised by its hierarchy "
                f"({origins.get(item.column, 'hierarchy')}) to the level the optimal search "
                f"chooses for k={kanon.k}"
                + (
                    " (Safe Harbor would keep it unchanged)"
                    if item.action == "keep"
                    else f", instead of Safe Harbor's {item.action}"
                )
            )
        elif item.column == sensitive:
            reason = (
                f"k-anonymity sensitive attribute: released unchanged, each class holding at "
                f"least l={kanon.sensitive.l} distinct values"
                + ("" if item.action == "keep" else f" (Safe Harbor: {item.action})")
            )
        else:
            columns.append(item)
            continue
        if item.entity is not None:
            reason += f" (detected {item.entity})"
        columns.append(
            item.model_copy(
                update={"action": "keep", "reason": reason, "source": "spec", "row_identifiers": ()}
            )
        )
    return plan.model_copy(update={"columns": tuple(columns), "method": "k_anonymity"})


def load_hierarchies(
    kanon: KAnonymitySpec, counts: pa.Table, schema: pa.Schema
) -> dict[str, Hierarchy]:
    """Build every QI's hierarchy (in spec order) and check it covers the values counted."""
    return {
        name: load_hierarchy(
            name, qi, pc.unique(counts.column(name).combine_chunks()), schema.field(name).type
        )
        for name, qi in kanon.quasi_identifiers.items()
    }


def recodings(solution: Solution, hierarchies: Mapping[str, Hierarchy]) -> list[Recoding]:
    """The generalisation of each QI at the solution's level."""
    return [
        Recoding(
            column=name,
            level=level,
            domain=pa.array(hierarchies[name].values, pa.string()),
            labels=pa.array(hierarchies[name].labels(level), pa.string()),
        )
        for name, level in solution.levels.items()
    ]


def suppressed_keys(counts: pa.Table, solution: Solution, recoded: list[Recoding]) -> pa.Array:
    """Class keys (``transforms.generalise.class_keys``) of the classes the solution suppresses."""
    rows = np.flatnonzero(solution.best.suppressed_rows)
    if len(rows) == 0:
        return pa.array([], pa.string())
    chosen = counts.take(pa.array(rows))
    keys = class_keys([r.apply(chosen.column(r.column)) for r in recoded])
    return pc.unique(keys)
