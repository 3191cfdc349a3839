import random

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from privacy import entities
from privacy.phi_patterns import (
    EMAIL,
    FULL_DATE,
    IPV4,
    RESIDUAL_PATTERNS,
    URL,
    US_PHONE,
    US_SSN,
    ZIP_CODE,
    residual_matches,
)

# (text, names of the patterns that must match it; empty = must look clean)
CASES = [
    # SSN: formatted only
    ("123-45-6789", ["US SSN"]),
    ("SSN 123 45 6789.", ["US SSN"]),
    ("ssn:078-05-1120", ["US SSN"]),
    ("410620009", []),  # SNOMED CT id: nine bare digits are not an SSN here
    ("123456789", []),
    ("1234-56-7890", []),
    # phones
    ("(617) 555-0123", ["US phone number"]),
    ("(617)555-0123", ["US phone number"]),
    ("617-555-0123", ["US phone number"]),
    ("617.555.0123", ["US phone number"]),
    ("617 555 0123", ["US phone number"]),
    ("+1-617-555-0123", ["US phone number"]),
    ("+1 (617) 555-0123 ext. 12", ["US phone number"]),
    ("call 001-617-555-0123x4567 today", ["US phone number"]),
    ("6175550123", []),  # ten bare digits: an NPI looks like this
    ("0f6175550123a9b8c7d6e5f4a3b2c1d0", []),  # hex pseudonym with a run of digits
    ("BP 120/80 HR 72", []),
    # e-mail
    ("mary.smith+x@example.co.uk", ["email address"]),
    ("contact: j_doe@mail-host.org.", ["email address"]),
    ("user at example dot com", []),
    ("@handle", []),
    # full dates
    ("1950-03-03", ["full date"]),
    ("2021/3/4", ["full date"]),
    ("2021-03-04T10:22:00", ["full date"]),
    ("3/3/1950", ["full date"]),
    ("seen 03/03/50 in clinic", ["full date"]),
    ("12-25-2021", ["full date"]),
    ("March 3, 1950", ["full date"]),
    ("on mar. 3rd 1950", ["full date"]),
    ("3 Mar 1950", ["full date"]),
    ("born 14-March-1950", ["full date"]),
    ("DECEMBER 31 2020", ["full date"]),
    ("2019", []),
    ("March 2019", []),
    ("<DATE_TIME>", []),
    ("admitted <DATE_TIME> by <PERSON>", []),
    ("1/2", []),
    ("Marcus 3, 1950", []),
    ("13/45/2020", []),
    # ZIP codes
    ("02134", ["ZIP code"]),
    (" 02134 ", ["ZIP code"]),
    ("02134-1234", ["ZIP code"]),
    ("lives near 02134-1234", ["ZIP code"]),
    ("Boston, MA 02134", ["ZIP code"]),
    ("90", []),
    ("021", []),  # ZIP3
    ("000", []),
    ("lot 12345 of the drug", []),
    ("0213", []),
    # IPv4
    ("192.168.10.4", ["IPv4 address"]),
    ("from 10.0.0.1.", ["IPv4 address"]),
    ("999.1.1.1", []),
    ("version 1.2.3", []),
    ("E11.9", []),
    # URLs
    ("https://example.org/patients/42", ["URL"]),
    ("see WWW.Example.com", ["URL"]),
    ("ftp://files.example.net", ["URL"]),
    ("example.com", []),
    ("pt.Smith q.d.", []),
    # several at once; clinical text without identifiers
    (
        "Call (617) 555-0123 or mary@example.org about the 3/3/1950 visit",
        ["US phone number", "email address", "full date"],
    ),
    ("Pt with T2DM, A1c 7.2%, metformin 500 mg b.i.d., f/u 3 months", []),
    ("<PERSON> (daughter) called; <PHONE_NUMBER>; MRN <MEDICAL_RECORD_NUMBER>", []),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_residual_matches_table(text, expected):
    assert residual_matches(text) == expected


@pytest.mark.parametrize("pattern", RESIDUAL_PATTERNS, ids=lambda p: p.name)
def test_re2_and_python_agree(pattern):
    """pandas runs the patterns with pyarrow's RE2 engine; it must mean what `re` means."""
    texts = [text for text, _ in CASES]
    with_re2 = pc.match_substring_regex(pa.array(texts), pattern.regex).to_pylist()
    assert with_re2 == [pattern.search(text) for text in texts]


def test_random_pseudonyms_and_codes_never_match():
    rng = random.Random(7)
    values = [f"{rng.getrandbits(128):032x}" for _ in range(3000)]
    values += [str(rng.randrange(100_000_000, 999_999_999)) for _ in range(500)]  # SNOMED-like
    values += [
        f"{rng.choice('EIJKM')}{rng.randrange(10, 99)}.{rng.randrange(0, 9)}" for _ in range(50)
    ]
    values += [str(y) for y in range(1850, 2030)]
    values += [f"{z:03d}" for z in range(1000)]  # every ZIP3
    hits = [v for v in values if residual_matches(v)]
    assert hits == []


def test_patterns_are_named_and_mapped_to_entities():
    names = [p.name for p in RESIDUAL_PATTERNS]
    assert len(set(names)) == len(names)
    assert {p.entity for p in RESIDUAL_PATTERNS} <= entities.IDENTIFIER_ENTITIES
    assert US_SSN.entity == entities.US_SSN
    assert US_PHONE.entity == entities.PHONE_NUMBER
    for pattern in (EMAIL, FULL_DATE, ZIP_CODE, IPV4, URL):
        assert pattern in RESIDUAL_PATTERNS
