"""The leak boundary: third-party errors raised while touching data lose their message.

Arrow casts, pandas, GX and Presidio often quote the offending value in their messages; such a
message would reach Prefect's logs and database. :func:`leak_boundary` re-raises them as
:class:`~privacy.errors.InternalError` naming only the step and the error's type, unless the
release runs with ``debug`` (``shareable ... --debug``, or ``SHAREABLE_DEBUG=1`` when the inputs
are loaded). Shareable's own errors pass unchanged: their messages never hold a value.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from privacy.errors import InternalError, ShareableError

DEBUG_ENV = "SHAREABLE_DEBUG"


@contextmanager
def leak_boundary(step: str, debug: bool = False) -> Iterator[None]:
    """Run a step that touches data values; hide the message of an unexpected error.

    Args:
        step: The step's name, for the message (``apply``, ``validate`` ...).
        debug: Keep third-party messages (they may quote data).

    Raises:
        InternalError: An error other than Shareable's, its message hidden unless ``debug``.

    """
    try:
        yield
    except (ShareableError, InternalError):
        raise
    except Exception as exc:
        if debug:
            raise
        raise InternalError(
            f"{step} failed with {type(exc).__name__}; its message is hidden because it may "
            f"quote data. Re-run with --debug (or {DEBUG_ENV}=1) to see it"
        ) from None
