"""A hostile-input corpus, generated: bad CSV, Parquet and spec files with planted values.

Each case writes its files into a folder and returns the release target and the exit codes
it may end with. Every case plants its own marker (``PLANTED-7731-<case>``) where a raw value
would be; no output, log, database row or artifact may ever contain it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SPEC_ERROR, SOURCE_ERROR, OK = 2, 3, 0


@dataclass(frozen=True)
class Case:
    """One hostile input: how to write it, and the exit codes it may end with."""

    name: str
    write: Callable[[Path, str], Path]
    codes: tuple[int, ...]

    def marker(self) -> str:
        """The value planted by this case."""
        return f"PLANTED-7731-{self.name}"


def staged_files(root: Path) -> list[Path]:
    """Files in the private staging folder, except the empty lock files it keeps."""
    staging = root / ".staging"
    files = [p for p in staging.rglob("*") if p.is_file()] if staging.exists() else []
    return [p for p in files if not (p.suffix == ".lock" and p.stat().st_size == 0)]


def _rows(n: int, seed: int = 3) -> list[tuple[str, str, int]]:
    rng = random.Random(seed)
    return [(f"P{i:06d}", rng.choice(["MA", "TX", "CA"]), rng.randint(1, 99)) for i in range(n)]


def _csv(folder: Path, text: str | bytes, name: str = "data.csv") -> Path:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def _body(n: int = 40) -> str:
    return "".join(f"{pid},{state},{age}\n" for pid, state, age in _rows(n))


HEADERLESS_FIRST_ROWS = {
    "iso-date": "2019-03-04,{m},42",
    "us-date": "03/04/2019,{m},42",
    "datetime": "2019-03-04 10:22:01,{m},42",
    "email": "{m}@example.org,MA,42",
    "ssn": "123-45-6789,{m},42",
    "phone": "617-555-0199,{m},42",
    "decimal": "{m},MA,42.5",
    "signed": "{m},MA,-42",
    "mrn": "MRN-1234567,{m},42",
    "id": "P0000001,{m},42",
    "integers": "{m},1234,42",
    "time": "10:22,{m},7",
    "semicolons": "2019-03-04;{m};42",
    "bom": "\ufeff2019-03-04,{m},42",
}


def _headerless(shape: str) -> Callable[[Path, str], Path]:
    def write(folder: Path, marker: str) -> Path:
        first = HEADERLESS_FIRST_ROWS[shape].format(m=marker)
        return _csv(folder, first + "\n" + _body())

    return write


def _headerless_partitions(folder: Path, marker: str) -> Path:
    parts = folder / "parts"
    parts.mkdir()
    _csv(parts, "patient_id,state,age\n" + _body(), "a.csv")
    _csv(parts, f"2020-01-01,{marker},42\n" + _body(), "b.csv")
    return parts


def _extra_field(folder: Path, marker: str) -> Path:
    return _csv(folder, "patient_id,state,age\n" + _body(10) + f"P9,MA,42,{marker}\n" + _body())


def _missing_field(folder: Path, marker: str) -> Path:
    return _csv(folder, "patient_id,state,age\n" + _body(10) + f"{marker}\n" + _body())


def _unclosed_quote(folder: Path, marker: str) -> Path:
    return _csv(folder, "patient_id,state,age\n" + _body(10) + f'P9,"{marker},42\n' + _body(3))


def _bad_utf8(folder: Path, marker: str) -> Path:
    text = "patient_id,state,age\n" + _body(10)
    return _csv(folder, text.encode() + f"P9,{marker}\xff\xfe,42\n".encode("latin1"))


def _bad_utf8_header(folder: Path, marker: str) -> Path:
    return _csv(folder, b"patient_id,st\xffate,age\n" + f"P1,{marker},4\n".encode())


def _nul_bytes(folder: Path, marker: str) -> Path:
    _csv(folder, ("patient_id,state,age\n" + f"P1,{marker}\0\0,4\n" + _body()).encode())
    return _spec(
        folder, "dataset: nul\nsource: {path: data.csv}\ncolumns:\n  state: {action: drop}\n"
    )


def _too_many_columns(folder: Path, marker: str) -> Path:
    header = ",".join(f"c{i}" for i in range(3000))
    row = ",".join([marker] + ["1"] * 2999)
    return _csv(folder, f"{header}\n{row}\n")


def _long_header(folder: Path, marker: str) -> Path:
    return _csv(folder, "a" * (2 << 20) + f",{marker}\n1,2\n")


def _bad_column_type(folder: Path, marker: str) -> Path:
    _csv(folder, "patient_id,state,age\n" + _body(10) + f"P9,MA,{marker}\n" + _body())
    return _spec(folder, "dataset: typed\nsource:\n  path: data.csv\n"
                         "  options: {column_types: {age: int64}}\n")  # fmt: skip


def _late_bad_value(rows: int) -> list[str]:
    """CSV lines where `age` is numeric until late (beyond the block types are read from)."""
    rng = random.Random(11)
    return [f"P{i:07d},{rng.choice(['MA', 'TX'])},{rng.randint(0, 99)}\n" for i in range(rows)]


def _late_bad_dp(folder: Path, marker: str) -> Path:
    lines = _late_bad_value(760_000)
    lines[-20] = f"P9999999,MA,{marker}\n"
    _csv(folder, "member_id,state,age\n" + "".join(lines))
    return _spec(
        folder,
        "dataset: late_dp\nsource: {path: data.csv}\nsubject_id: member_id\n"
        "method: dp_aggregates\ndp:\n  max_contributions: 1\n  budget: {epsilon: 2.0}\n"
        "  per_release: {epsilon: 1.0}\n  queries:\n    - name: ages\n      statistic: histogram\n"
        "      column: age\n      bins: [0, 18, 45, 65, 120]\n",
    )


def _late_bad_row_level(folder: Path, marker: str) -> Path:
    lines = _late_bad_value(760_000)
    lines[-20] = f"P9999999,MA,{marker}\n"
    return _csv(folder, "member_id,state,age\n" + "".join(lines))


def _parquet(folder: Path) -> Path:
    path = folder / "data.parquet"
    rows = _rows(50)
    pq.write_table(
        pa.table({"patient_id": [r[0] for r in rows], "age": [r[2] for r in rows]}), path
    )
    return path


def _truncated_parquet(folder: Path, marker: str) -> Path:
    path = folder / "data.parquet"
    pq.write_table(pa.table({"patient_id": [marker] * 20, "age": list(range(20))}), path)
    path.write_bytes(path.read_bytes()[:-40])
    return path


def _garbage_parquet(folder: Path, marker: str) -> Path:
    path = folder / "data.parquet"
    path.write_bytes(b"PAR1" + f"{marker}".encode() * 20 + b"PAR1")
    return path


def _corrupt_body_parquet(folder: Path, marker: str) -> Path:
    path = folder / "data.parquet"
    pq.write_table(
        pa.table({"patient_id": [f"{marker}-{i}" for i in range(2000)], "age": list(range(2000))}),
        path,
        compression="none",
        use_dictionary=False,
    )
    data = bytearray(path.read_bytes())
    data[4:68] = b"\xff" * 64  # the first data page's header
    path.write_bytes(bytes(data))
    return path


def _mismatched_partition(folder: Path, marker: str) -> Path:
    parts = folder / "parts"
    parts.mkdir()
    pq.write_table(pa.table({"patient_id": ["P1"], "age": [3]}), parts / "a.parquet")
    pq.write_table(pa.table({"patient_id": ["P2"], "age": [marker]}), parts / "b.parquet")
    return parts


def _spec(folder: Path, text: str) -> Path:
    path = folder / "spec.yaml"
    path.write_text(text)
    return path


def _spec_case(template: str, with_data: bool = True) -> Callable[[Path, str], Path]:
    def write(folder: Path, marker: str) -> Path:
        if with_data:
            _parquet(folder)
        return _spec(folder, template.replace("{m}", marker))

    return write


ALIAS_BOMB = (
    "dataset: bomb\nsource: {path: data.parquet}\ndescription: &a ['{m}', '{m}', '{m}']\n"
    + "".join(f"b{i}: &b{i} [{', '.join([f'*b{i - 1}' if i else '*a'] * 9)}]\n" for i in range(9))
)


def _mapping_release(folder: Path, marker: str) -> Path:
    rows = _rows(60)
    groups = [f"{marker}-{i % 3}" for i in range(60)]
    path = folder / "data.csv"
    path.write_text(
        "visit_id,ethnicity,age\n"
        + "".join(f"V{i:04d},{groups[i]},{r[2]}\n" for i, r in enumerate(rows))
    )
    mapping = "".join(f"        {marker}-{i}: group_{'ab'[i % 2]}\n" for i in range(3))
    return _spec(
        folder,
        "dataset: mapped\nsource: {path: data.csv}\ncolumns:\n  visit_id: {action: drop}\n"
        "  ethnicity:\n"
        f"    action: generalize\n    mapping:\n{mapping}",
    )


def _big_spec(folder: Path, marker: str) -> Path:
    _parquet(folder)
    return _spec(folder, "dataset: big\nsource: {path: data.parquet}\n" + f"# {marker}\n" * 80_000)


CASES: list[Case] = [
    *(
        Case(f"headerless-{shape}", _headerless(shape), (SOURCE_ERROR,))
        for shape in HEADERLESS_FIRST_ROWS
    ),  # fmt: skip
    Case("headerless-partition", _headerless_partitions, (SOURCE_ERROR,)),
    Case("extra-field", _extra_field, (SOURCE_ERROR,)),
    Case("missing-field", _missing_field, (SOURCE_ERROR,)),
    Case("unclosed-quote", _unclosed_quote, (SOURCE_ERROR,)),
    Case("bad-utf8", _bad_utf8, (SOURCE_ERROR,)),
    Case("bad-utf8-header", _bad_utf8_header, (SOURCE_ERROR,)),
    Case("nul-bytes", _nul_bytes, (SOURCE_ERROR, OK)),
    Case("too-many-columns", _too_many_columns, (SOURCE_ERROR,)),
    Case("long-header", _long_header, (SOURCE_ERROR,)),
    Case("bad-column-type", _bad_column_type, (SOURCE_ERROR,)),
    Case("late-bad-dp", _late_bad_dp, (SOURCE_ERROR,)),
    Case("late-bad-row-level", _late_bad_row_level, (SOURCE_ERROR,)),
    Case("truncated-parquet", _truncated_parquet, (SOURCE_ERROR,)),
    Case("garbage-parquet", _garbage_parquet, (SOURCE_ERROR,)),
    Case("corrupt-body-parquet", _corrupt_body_parquet, (SOURCE_ERROR,)),
    Case("mismatched-partition", _mismatched_partition, (SOURCE_ERROR,)),
    Case("alias-bomb", _spec_case(ALIAS_BOMB), (SPEC_ERROR,)),
    Case(
        "bad-yaml",
        _spec_case("dataset: x\nsource: {path: data.parquet\nnote: '{m}'\n"),
        (SPEC_ERROR,),
    ),  # fmt: skip
    Case("bad-yaml-tab", _spec_case("dataset: x\n\tsource: {m}\n"), (SPEC_ERROR,)),
    Case(
        "unknown-key",
        _spec_case("dataset: x\nsource: {path: data.parquet}\nnotes: {m}\n"),
        (SPEC_ERROR,),
    ),  # fmt: skip
    Case(
        "bad-retain",
        _spec_case("dataset: x\nsource: {path: data.parquet}\nretain: {m}\n"),
        (SPEC_ERROR,),
    ),  # fmt: skip
    Case(
        "bad-dataset", _spec_case("dataset: {m}\nsource: {path: data.parquet}\n"), (SPEC_ERROR,)
    ),  # fmt: skip
    Case(
        "bad-method",
        _spec_case("dataset: x\nsource: {path: data.parquet}\nmethod: {m}\n"),
        (SPEC_ERROR,),
    ),  # fmt: skip
    Case(
        "bad-action",
        _spec_case("dataset: x\nsource: {path: data.parquet}\ncolumns:\n  age: {action: {m}}\n"),
        (SPEC_ERROR,),
    ),  # fmt: skip
    Case("spec-list", _spec_case("- {m}\n- {m}\n"), (SPEC_ERROR,)),
    Case("big-spec", _big_spec, (SPEC_ERROR,)),
    Case("generalize-mapping", _mapping_release, (OK,)),
]
