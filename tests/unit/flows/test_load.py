from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.load import open_source
from privacy.errors import SourceError
from privacy.spec import SourceOptions, SourceSpec

SECRET = "Zebediah Quartermaine"


def source_of(path: Path, **options) -> SourceSpec:
    return SourceSpec(path=path, options=SourceOptions(**options))


def test_csv_types_are_inferred_but_leading_zero_codes_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("zip,age,admitted,name\n02138,95,2020-01-01,Ann\n10001,3,2021-02-03,Bob\n")
    source = open_source(source_of(path))
    assert source.schema.field("zip").type == pa.string()
    assert source.schema.field("age").type == pa.int64()
    assert source.schema.field("admitted").type == pa.date32()
    table = pa.Table.from_batches(list(source.batches()))
    assert table.column("zip").to_pylist() == ["02138", "10001"]


def test_column_types_option_overrides_inference(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("code,value\n123,1\n456,2\n")
    source = open_source(source_of(path, column_types={"code": "string"}))
    assert source.schema.field("code").type == pa.string()
    with pytest.raises(SourceError, match="column_types` names `nope`"):
        open_source(source_of(path, column_types={"nope": "string"}))


def test_semicolon_separated(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a;b\n1;x\n")
    assert open_source(source_of(path, sep=";")).schema.names == ["a", "b"]


def test_batches_are_bounded_and_complete(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("n,text\n" + "".join(f"{i},row number {i}\n" for i in range(400_000)))
    source = open_source(source_of(path))
    sizes = [batch.num_rows for batch in source.batches()]
    assert len(sizes) > 1 and sum(sizes) == 400_000
    assert source.head(10).num_rows == 10


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ("", "the file is empty"),
        ("a,b\n", "header but no rows"),
        (f"a,b\n1,2\n3,{SECRET},5\n", "malformed CSV: a row has 3 fields where the header has 2"),
        ("a,a\n1,2\n", r"duplicate column names \['a'\]"),
        ("a,\n1,2\n", "a column has an empty name"),
    ],
)
def test_bad_csv_is_refused_without_quoting_data(
    tmp_path: Path, content: str, pattern: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(SourceError, match=pattern) as caught:
        list(open_source(source_of(path)).batches())
    assert str(path) in str(caught.value)
    assert SECRET not in str(caught.value)


def test_late_type_change_names_column_and_fix_not_value(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_text("id,n\n" + "1,2\n" * 3_000_000 + f"{SECRET},3\n")
    source = open_source(source_of(path))
    with pytest.raises(
        SourceError, match=r"column `id` .*int64.*column_types: \{id: string\}"
    ) as caught:
        list(source.batches())
    assert SECRET not in str(caught.value)


def test_wrong_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name,n\nJosé,1\n".encode("latin1"))
    with pytest.raises(SourceError, match="not valid utf8 text.*encoding"):
        list(open_source(source_of(path)).batches())
    source = open_source(source_of(path, encoding="latin1"))
    assert pa.Table.from_batches(list(source.batches())).num_rows == 1


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        open_source(source_of(tmp_path / "absent.csv"))
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    with pytest.raises(SourceError, match="directory holds no csv partition files"):
        open_source(source_of(folder))


def test_parquet_source_and_corrupt_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"a": [1, 2, 3], "b": ["x", "y", "z"]}), path)
    source = open_source(source_of(path))
    assert source.format == "parquet"
    assert sum(b.num_rows for b in source.batches()) == 3
    assert len(source.fingerprint()) == 64
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(SourceError, match="not a readable Parquet file"):
        open_source(source_of(broken))
    empty = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"a": pa.array([], pa.int64())}), empty)
    with pytest.raises(SourceError, match="no rows"):
        open_source(source_of(empty))
