"""Partitioned sources: a directory or glob of Parquet (or CSV) files read as one table."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from flows.load import open_source, spread_sample
from privacy.errors import SourceError
from privacy.spec import SourceSpec, implicit_spec, load_spec


def write_parts(folder: Path, tables: list[pa.Table], fmt: str = "parquet") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, table in enumerate(tables):
        path = folder / f"part-{i}.{fmt}"
        if fmt == "parquet":
            pq.write_table(table, path)
        else:
            pacsv.write_csv(table, path)
        paths.append(path)
    return paths


def table(start: int, n: int, flag: str = "x") -> pa.Table:
    ids = list(range(start, start + n))
    return pa.table({"id": ids, "zip": [f"{i:05d}" for i in ids], "flag": [flag] * n})


def test_directory_of_parquet_reads_every_partition_in_order(tmp_path: Path) -> None:
    write_parts(tmp_path / "ds", [table(0, 5), table(5, 3), table(8, 4)])
    (tmp_path / "ds" / "_SUCCESS").write_text("")  # marker files are skipped
    (tmp_path / "ds" / ".part-9.parquet.crc").write_text("")
    source = open_source(SourceSpec(path=tmp_path / "ds"))
    assert source.format == "parquet" and source.is_partitioned
    assert [p.name for p in source.files] == ["part-0.parquet", "part-1.parquet", "part-2.parquet"]
    assert [p.path.name for p in source.partitions()] == [p.name for p in source.files]
    rows = pa.Table.from_batches(list(source.batches())).column("id").to_pylist()
    assert rows == list(range(12))
    assert source.name == "ds/"


def test_glob_selects_partitions_and_csv_partitions_work(tmp_path: Path) -> None:
    write_parts(tmp_path / "ds", [table(0, 2), table(2, 2)], fmt="csv")
    (tmp_path / "ds" / "notes.txt").write_text("not data")
    source = open_source(SourceSpec(path=tmp_path / "ds" / "*.csv"))
    assert source.format == "csv" and len(source.files) == 2
    zips = pa.Table.from_batches(list(source.batches())).column("zip").to_pylist()
    assert zips == ["00000", "00001", "00002", "00003"]  # leading zeros kept as text


def test_directory_of_csv_files_is_a_csv_source(tmp_path: Path) -> None:
    write_parts(tmp_path / "ds", [table(0, 2), table(2, 3)], fmt="csv")
    (tmp_path / "ds" / "_SUCCESS").write_text("")
    for source_spec in (implicit_spec(tmp_path / "ds").source, SourceSpec(path=tmp_path / "ds")):
        assert source_spec.format == "csv"
        source = open_source(source_spec)
        assert source.format == "csv" and len(source.files) == 2
        rows = pa.Table.from_batches(list(source.batches())).column("id").to_pylist()
        assert rows == list(range(5))


def test_directory_format_found_from_a_spec_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_parts(tmp_path / "data" / "ds", [table(0, 2)], fmt="csv")
    spec_path = tmp_path / "release.yaml"
    spec_path.write_text("dataset: ds\nsource:\n  path: data/ds\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the relative path resolves against the spec's folder
    spec = load_spec(spec_path)
    assert spec.source.format == "csv"
    assert open_source(spec.source).format == "csv"


def test_hive_partition_folders_become_text_columns(tmp_path: Path) -> None:
    write_parts(tmp_path / "ds" / "year=2023", [table(0, 2)])
    write_parts(tmp_path / "ds" / "year=2024", [table(2, 3)])
    source = open_source(SourceSpec(path=tmp_path / "ds"))
    assert source.schema.names == ["id", "zip", "flag", "year"]
    read = pa.Table.from_batches(list(source.batches()), schema=source.schema)
    assert read.column("year").to_pylist() == ["2023"] * 2 + ["2024"] * 3


def test_partition_with_a_different_type_is_refused_naming_file_and_column(
    tmp_path: Path,
) -> None:
    odd = pa.table({"id": ["a"], "zip": ["00001"], "flag": ["x"]})  # id is text here
    paths = write_parts(tmp_path / "ds", [table(0, 2), odd])
    with pytest.raises(SourceError) as err:
        open_source(SourceSpec(path=tmp_path / "ds"))
    message = str(err.value)
    assert str(paths[1]) in message and "`id`" in message and "int64" in message
    assert "a" not in message.split("`id`")[1].split()[0]  # no value quoted


@pytest.mark.parametrize(
    ("odd", "expected"),
    [
        (pa.table({"id": [1], "zip": ["00001"]}), "column `flag` is missing"),
        (
            pa.table({"id": [1], "zip": ["00001"], "flag": ["x"], "ssn": ["x"]}),
            "column `ssn` is not in part-0.parquet",
        ),
        (pa.table({"zip": ["00001"], "id": [1], "flag": ["x"]}), "different order"),
    ],
)
def test_partition_with_other_columns_is_refused(
    tmp_path: Path, odd: pa.Table, expected: str
) -> None:
    write_parts(tmp_path / "ds", [table(0, 2), odd])
    with pytest.raises(SourceError, match=expected):
        open_source(SourceSpec(path=tmp_path / "ds"))


def test_csv_partition_with_another_header_is_refused(tmp_path: Path) -> None:
    write_parts(tmp_path / "ds", [table(0, 2), table(2, 2).rename_columns(["id", "zip", "flg"])],
                fmt="csv")  # fmt: skip
    with pytest.raises(
        SourceError, match=r"part-1\.csv: column `flag` is missing \(it is in part-0\.csv\)"
    ):
        open_source(SourceSpec(path=tmp_path / "ds" / "*.csv"))


def test_empty_directory_and_no_rows_are_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="holds no parquet partition files"):
        open_source(SourceSpec(path=tmp_path / "empty"))
    write_parts(tmp_path / "norows", [table(0, 0), table(0, 0)])
    with pytest.raises(SourceError, match="partitions hold no rows"):
        open_source(SourceSpec(path=tmp_path / "norows"))


def test_detection_sample_is_stratified_over_partitions(tmp_path: Path) -> None:
    write_parts(tmp_path / "ds", [table(0, 100, "a"), table(100, 100, "b"), table(200, 100, "c")])
    source = open_source(SourceSpec(path=tmp_path / "ds"))
    sample = source.sample(30)
    assert sample.num_rows == 30
    assert sorted(set(sample.column("flag").to_pylist())) == ["a", "b", "c"]
    # More partitions than rows wanted: evenly spaced partitions, first and last included.
    assert set(source.sample(2).column("flag").to_pylist()) == {"a", "c"}


def test_parquet_file_sample_is_stratified_over_row_groups(tmp_path: Path) -> None:
    path = tmp_path / "one.parquet"
    pq.write_table(
        pa.concat_tables([table(0, 100, "a"), table(100, 100, "b"), table(200, 100, "c")]),
        path,
        row_group_size=100,
    )
    source = open_source(SourceSpec(path=path))
    assert sorted(set(source.sample(30).column("flag").to_pylist())) == ["a", "b", "c"]
    assert source.sample(30).num_rows == 30


def test_folder_of_one_parquet_file_is_sampled_over_its_row_groups(tmp_path: Path) -> None:
    folder = tmp_path / "ds" / "year=2024"
    folder.mkdir(parents=True)
    whole = pa.concat_tables([table(0, 100, "a"), table(100, 100, "b"), table(200, 100, "c")])
    pq.write_table(whole, folder / "only.parquet", row_group_size=100)
    sample = open_source(SourceSpec(path=tmp_path / "ds")).sample(30)
    assert sample.num_rows == 30
    assert sorted(set(sample.column("flag").to_pylist())) == ["a", "b", "c"]
    assert set(sample.column("year").to_pylist()) == {"2024"}


def test_spread_sample_is_evenly_spaced_inside_and_across_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    pq.write_table(table(0, 250), first, row_group_size=100)  # groups of 100, 100, 50
    pq.write_table(table(250, 750), second)  # one group of 750 rows
    sample = spread_sample([first, second], ["id"], 10)
    assert sample.column_names == ["id"]
    assert sample.column("id").to_pylist() == list(range(0, 1000, 100))
    assert spread_sample([first], ["id", "flag"], 1000).num_rows == 250  # never more than all
    assert spread_sample([first], ["id"], 0).num_rows == 0


def test_fingerprint_changes_when_any_partition_changes(tmp_path: Path) -> None:
    paths = write_parts(tmp_path / "ds", [table(0, 3), table(3, 3)])
    spec = SourceSpec(path=tmp_path / "ds")
    before = open_source(spec).fingerprint()
    assert open_source(spec).fingerprint() == before
    pq.write_table(table(3, 3, "changed"), paths[1])
    changed = open_source(spec).fingerprint()
    assert changed != before
    paths[1].rename(tmp_path / "ds" / "part-7.parquet")  # same bytes, other name
    assert open_source(spec).fingerprint() != changed


def test_implicit_spec_for_a_directory_names_the_dataset_after_it(tmp_path: Path) -> None:
    write_parts(tmp_path / "Claims 2024", [table(0, 1)])
    spec = implicit_spec(tmp_path / "Claims 2024")
    assert spec.dataset == "claims_2024" and spec.source.format == "parquet"
    glob_spec = implicit_spec(tmp_path / "Claims 2024" / "*.parquet")
    assert glob_spec.dataset == "claims_2024"
