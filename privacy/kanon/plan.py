r"""From a ``k_anonymity:`` section to the release plan: hierarchies, search, recodings.

* :func:`check_columns` refuses quasi-identifiers or a sensitive column absent from the source,
  and QIs also given a Safe Harbor action under ``columns:``;
* :func:`plan_k_anonymity` turns the Safe Harbor plan into the k-anonymity plan: each QI
  ``generalize``\ d at the level the optimal search chose (its recoding and the classes to
  suppress in the plan's ``k_anonymity`` part), the sensitive column kept, every other column
  as in Safe Harbor;
* :func:`load_hierarchies` builds each QI's hierarchy against the values counted;
* :func:`recodings` and :func:`suppressed_keys` turn the optimal solution into plan data that
  ``transforms.apply_plan`` applies to every batch.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from privacy.errors import SpecError
from privacy.hierarchies import Hierarchy, load_hierarchy
from privacy.kanon.counts import class_sizes
from privacy.kanon.search import Lattice, Solution, search
from privacy.kanon_spec import KAnonymitySpec
from privacy.plan import ColumnPlan, KAnonymityPlan, ReleasePlan
from privacy.recoding import Recoding, class_keys
from privacy.risk import risk_metrics


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


def plan_k_anonymity(
    plan: ReleasePlan, kanon: KAnonymitySpec, counts: pa.Table, schema: pa.Schema
) -> ReleasePlan:
    """Turn the Safe Harbor plan of the source into its k-anonymity plan.

    Builds each QI's hierarchy against the class counts of the whole source (``counts``, see
    :class:`~privacy.kanon.counts.ClassCounter`), finds the optimal generalisation, and returns
    the plan with its ``k_anonymity`` part (levels, recodings, classes to suppress, the search's
    facts, the source's risk) and each QI's action: ``generalize`` at the level chosen, or
    ``keep`` at level 0. The sensitive column is kept; every other column keeps its Safe Harbor
    action (direct identifiers are still dropped, pseudonymised or redacted).

    Raises:
        SpecError: A hierarchy misses values of its QI.
        NoSolution: No generalisation reaches k (and l) within ``max_suppression``.

    """
    hierarchies = load_hierarchies(kanon, counts, schema)
    sensitive = kanon.sensitive
    lattice = Lattice(
        counts,
        hierarchies,
        sensitive.column if sensitive else None,
        sensitive.measure if sensitive else "distinct",
    )
    solution = search(lattice, kanon.k, sensitive.l if sensitive else 1, kanon.max_suppression)
    recoded = recodings(solution, hierarchies)
    before, _ = class_sizes(counts, list(kanon.quasi_identifiers))
    part = KAnonymityPlan(
        k=kanon.k,
        l=sensitive.l if sensitive else None,
        l_measure=sensitive.measure if sensitive else None,
        max_suppression=kanon.max_suppression,
        quasi_identifiers=tuple(kanon.quasi_identifiers),
        sensitive=sensitive.column if sensitive else None,
        hierarchies={q: h.label for q, h in hierarchies.items()},
        search=solution.summary(),
        risk_before=risk_metrics(before),
        recodings=tuple(recoded),
        suppressed=suppressed_keys(counts, solution, recoded),
    )
    columns = tuple(_governed(item, kanon, part) for item in plan.columns)
    return plan.model_copy(
        update={"columns": columns, "method": "k_anonymity", "k_anonymity": part}
    )


def _governed(item: ColumnPlan, kanon: KAnonymitySpec, part: KAnonymityPlan) -> ColumnPlan:
    """A QI's or the sensitive column's plan under k-anonymity; other columns unchanged."""
    if item.column in kanon.quasi_identifiers:
        level = part.search["levels"][item.column]
        height = part.search["heights"][item.column] - 1
        reason = (
            f"k-anonymity quasi-identifier: generalised by its hierarchy "
            f"({part.hierarchies[item.column]}) to level {level} of {height}, the level the "
            f"optimal search chose for k={kanon.k}"
            + (
                " (Safe Harbor would keep it unchanged)"
                if item.action == "keep"
                else f", instead of Safe Harbor's {item.action}"
            )
        )
        update = {"action": "generalize", "level": level} if level > 0 else {"action": "keep"}
    elif kanon.sensitive is not None and item.column == kanon.sensitive.column:
        reason = (
            f"k-anonymity sensitive attribute: released unchanged, each class holding at "
            f"least l={kanon.sensitive.l} distinct values"
            + ("" if item.action == "keep" else f" (Safe Harbor: {item.action})")
        )
        update = {"action": "keep"}
    else:
        return item
    if item.entity is not None:
        reason += f" (detected {item.entity})"
    return item.model_copy(
        update={
            **update,
            "reason": reason,
            "source": "spec",
            "row_identifiers": (),
            "max_value": None,
            "bins": None,
            "mapping": None,
            "birth": False,
        }
    )


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
