"""The detector's tests and examples are hand-written, never lines of the evaluation corpus.

Issue 4 measures detection on the PhysioNet deid notes; a test that pins a corpus line (or code
that quotes one) tunes the detector to the notes it is scored on. This guard reads every string
literal of 18 characters or more in ``tests/`` and ``privacy/`` and fails if one occurs,
verbatim up to case and spacing, in the corpus text.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MIN_LENGTH = 18


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def _literals(folder: Path):
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if len(node.value) >= MIN_LENGTH:
                    yield path.relative_to(ROOT), node.lineno, node.value


@pytest.mark.shared_data
def test_no_string_literal_is_a_line_of_the_evaluation_corpus(shared_data: Path) -> None:
    corpus_file = shared_data / "physionet_deid_nursing_notes" / "gold" / "id.text"
    corpus = _normalised(corpus_file.read_text(encoding="ascii", errors="replace"))
    copied = [
        f"{path}:{line}"
        for folder in (ROOT / "tests", ROOT / "privacy")
        for path, line, text in _literals(folder)
        if _normalised(text) in corpus
    ]
    assert not copied, f"string literals copied from the corpus (write new examples): {copied}"
