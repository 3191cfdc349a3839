"""The leak boundary: a third-party message (which may quote a value) never leaves a step."""

from __future__ import annotations

import pytest

from flows.guard import leak_boundary
from privacy.errors import InternalError, SourceError

VALUE = "Jane Q. Example, 1947-03-02"


def test_a_third_party_message_is_hidden() -> None:
    with pytest.raises(InternalError, match="apply failed with ValueError") as caught:
        with leak_boundary("apply"):
            raise ValueError(f"cannot cast {VALUE!r}")
    assert VALUE not in str(caught.value) and caught.value.__cause__ is None


def test_debug_keeps_the_message() -> None:
    with pytest.raises(ValueError, match="cannot cast"):
        with leak_boundary("apply", debug=True):
            raise ValueError(f"cannot cast {VALUE!r}")


def test_shareable_errors_pass_unchanged() -> None:
    with pytest.raises(SourceError, match="column 'dob'"):
        with leak_boundary("apply"):
            raise SourceError("column 'dob' has type list<item: int64>")
