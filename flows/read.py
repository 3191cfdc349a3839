"""Open published releases for analysis (pandas or pyarrow), by folder or by dataset name.

A row-level release folder holds ``part-*.parquet`` beside ``manifest.json`` and ``README.md``;
a DP release holds one ``<query>.parquet`` table per query instead (its manifest's parts name
them). These helpers read only the data files, so callers need not know the layout: a DP
release reads as ``{query: DataFrame}``, or one table with ``query="<name>"``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from flows.catalog import find_release
from flows.publish import versions
from flows.settings import default_release_root
from privacy.errors import SourceError


def release_path(dataset: str, version: int | None = None, root: Path | None = None) -> Path:
    """The folder of ``dataset``'s release ``version`` (default: the latest) under ``root``."""
    dataset_dir = Path(root or default_release_root()) / dataset
    published = versions(dataset_dir)
    if not published:
        raise SourceError(f"{dataset_dir}: no published release of `{dataset}`.")
    chosen = version if version is not None else published[-1]
    if chosen not in published:
        raise SourceError(
            f"{dataset_dir}: `{dataset}` has no version {chosen}; published: {published}."
        )
    return dataset_dir / f"v{chosen}"


def read_dataset(
    dataset: str, version: int | None = None, query: str | None = None
) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Return a catalogued dataset's release (default: latest version) as a DataFrame.

    Looks the release up in the catalog (``shareable catalog``), wherever it was published. A
    DP release has one table per query: it is returned as ``{query name: DataFrame}``, or only
    the table of ``query``.
    """
    return read_release(find_release(dataset, version).path, query=query)


def query_tables(path: Path | str) -> list[str]:
    """The query tables of the DP release in folder ``path`` (empty for a row-level release)."""
    folder = Path(path)
    try:
        manifest = json.loads((folder / "manifest.json").read_text("utf8"))
        named = [part["query"] for part in manifest.get("parts", []) if part.get("query")]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        named = []
    if named:
        return named
    if any(folder.glob("part-*.parquet")):
        return []
    return sorted(p.stem for p in folder.glob("*.parquet"))


def open_release(path: Path | str, query: str | None = None) -> ds.Dataset:
    """The release in folder ``path`` (a DP release: its table ``query``) as a pyarrow dataset.

    Raises:
        SourceError: ``path`` holds no release, or ``query`` is missing, unknown, or given for a
            row-level release.

    """
    tables = query_tables(path)
    if tables:
        if query is None or query not in tables:
            given = "" if query is None else f"has no query `{query}`; it "
            raise SourceError(
                f"{path}: this DP release {given}holds one table per query "
                f"({', '.join(tables)}); pass `query=` one of them, e.g. query={tables[0]!r}."
            )
        return ds.dataset(str(Path(path) / f"{query}.parquet"), format="parquet")
    if query is not None:
        raise SourceError(f"{path}: a row-level release has no query tables; omit `query`.")
    parts = sorted(Path(path).glob("part-*.parquet"))
    if not parts:
        raise SourceError(
            f"{path}: not a release folder (no part-*.parquet files and no DP query tables)."
        )
    return ds.dataset([str(p) for p in parts], format="parquet")


_NULLABLE_INTEGERS = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}


def read_release(
    path: Path | str, query: str | None = None
) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Return the release in folder ``path`` as a pandas DataFrame, rows in release order.

    Integer columns with missing values (e.g. a year column where a date was absent) stay
    integers, as pandas' nullable ``Int32`` and friends, instead of turning into floats. A DP
    release is returned as ``{query name: DataFrame}``, or only the table of ``query``.
    """
    tables = query_tables(path)
    if tables and query is None:
        return {name: _pandas(open_release(path, name)) for name in tables}
    return _pandas(open_release(path, query))


def _pandas(dataset: ds.Dataset) -> pd.DataFrame:
    return dataset.to_table().to_pandas(types_mapper=_NULLABLE_INTEGERS.get)
