"""Open published releases for analysis (pandas or pyarrow), by folder or by dataset name.

A release folder holds ``part-*.parquet`` beside ``manifest.json`` and ``README.md``; these
helpers read only the parts, so callers need not know the layout.
"""

from __future__ import annotations

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


def read_dataset(dataset: str, version: int | None = None) -> pd.DataFrame:
    """Return a catalogued dataset's release (default: latest version) as a DataFrame.

    Looks the release up in the catalog (``shareable catalog``), wherever it was published.
    """
    return read_release(find_release(dataset, version).path)


def open_release(path: Path | str) -> ds.Dataset:
    """The release in folder ``path`` as a pyarrow dataset (lazy, columnar)."""
    parts = sorted(Path(path).glob("part-*.parquet"))
    if not parts:
        raise SourceError(f"{path}: not a release folder (no part-*.parquet files).")
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


def read_release(path: Path | str) -> pd.DataFrame:
    """Return the release in folder ``path`` as a pandas DataFrame, rows in release order.

    Integer columns with missing values (e.g. a year column where a date was absent) stay
    integers, as pandas' nullable ``Int32`` and friends, instead of turning into floats.
    """
    table = open_release(path).to_table()
    return table.to_pandas(types_mapper=_NULLABLE_INTEGERS.get)
