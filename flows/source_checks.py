"""Checks on a source's header before anything reads, logs or stores its column names.

A CSV without a header row turns its first record into column names, and column names are
printed (``scan``), logged and stored (manifest, audit, artifacts) as metadata. So a header
whose names are shaped like data values (dates, numbers, e-mail addresses, identifiers,
phone or social security numbers) is refused first, with a message naming column positions
only. The limits keep a hostile file from denying service: a header of too many columns, or
a header line too long, is refused before Arrow parses it.
"""

from __future__ import annotations

import re
from pathlib import Path

from privacy.errors import SourceError

MAX_COLUMNS = 2_000
"""Most columns a source may have (a 10,000-column CSV otherwise takes minutes to scan)."""

MAX_HEADER_BYTES = 1 << 20
"""Longest header line, in bytes, read before parsing the CSV."""

_STRONG = [
    re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"),  # e-mail address
    re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?\S*)?$"),  # ISO date
    re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$"),  # US / European date
    re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$"),  # time of day
    re.compile(r"^\d{3}-\d{2}-\d{4}$"),  # SSN
    re.compile(r"^\+?\(?\d{2,4}\)?[-. ]\d{3}[-. ]\d{3,4}$"),  # phone number
    re.compile(r"^[-+]?\d*[.,]\d+$"),  # decimal number
    re.compile(r"^[-+]\d+$"),  # signed integer
    re.compile(r"^[A-Za-z]{0,4}[-_]?\d{5,}$"),  # identifier: M0001234, MRN-123456, 100234
]
_OTHER_DELIMITERS = re.compile(r"[;|\t]")  # a header read with the wrong `sep`
_WEAK = re.compile(r"^\d+$")  # a bare integer (a year column such as `2020` is possible)


def looks_like_value(name: str) -> bool:
    """Whether a column name has the shape of a data value rather than a name."""
    text = name.strip().lstrip("\ufeff")
    pieces = [text, *(p.strip() for p in _OTHER_DELIMITERS.split(text))]
    return any(pattern.match(piece) for piece in pieces for pattern in _STRONG)


def check_header(path: Path, names: list[str]) -> None:
    """Refuse a header that is really a data row, or that has too many columns.

    Raises:
        SourceError: Names shaped like values (the message gives their positions, never
            the names), or more than :data:`MAX_COLUMNS` columns.

    """
    if len(names) > MAX_COLUMNS:
        raise SourceError(
            f"{path}: {len(names)} columns, more than the {MAX_COLUMNS} a source may have. "
            "Split the table, or check `source.options.sep` (a wrong delimiter can split "
            "every field)."
        )
    strong = [i + 1 for i, name in enumerate(names) if looks_like_value(name)]
    weak = [i + 1 for i, name in enumerate(names) if _WEAK.match(name.strip())]
    if strong or 2 * len(weak) > len(names):
        positions = ", ".join(f"#{i}" for i in (strong or weak)[:10])
        raise SourceError(
            f"{path}: the first row does not look like a header: column(s) {positions} are "
            "named like data values (dates, numbers, identifiers, e-mail addresses). The "
            "file seems to have no header row, so its first record would become column "
            "names. Add a header row with the column names (names are not shown here, since "
            "they may be data)."
        )


def check_header_line(path: Path, skip_rows: int = 0) -> None:
    """Refuse a CSV whose header line is longer than :data:`MAX_HEADER_BYTES`."""
    try:
        with path.open("rb") as handle:
            for _ in range(skip_rows):
                handle.readline(MAX_HEADER_BYTES + 1)
            line = handle.readline(MAX_HEADER_BYTES + 1)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read the file ({type(exc).__name__}).") from None
    if len(line) > MAX_HEADER_BYTES and not line.endswith(b"\n"):
        raise SourceError(
            f"{path}: the header line is longer than {MAX_HEADER_BYTES // 1024} KiB. Check "
            "that the file is CSV text with one header row, and `source.options.sep`."
        )
