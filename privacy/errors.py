"""Errors raised by Shareable.

User mistakes (a bad spec, an unreadable source, an exhausted budget, a release that fails
validation) derive from :class:`ShareableError` and carry a message meant for a steward: it
names the file, the field and the fix, and never contains a raw data value. Anything else
that goes wrong is a bug and is raised as :class:`InternalError`.
"""

from __future__ import annotations


class ShareableError(Exception):
    """A problem the user can fix; the message says what and how."""

    exit_code = 1


class SpecError(ShareableError):
    """A release spec, policy or configuration file is invalid."""

    exit_code = 2


class SourceError(ShareableError):
    """The source dataset cannot be read, or does not match the spec."""

    exit_code = 3


class SecretMissing(ShareableError):
    """A secret (such as the pseudonymisation key) is needed but not configured."""

    exit_code = 4


class OutputError(ShareableError):
    """The release cannot be written where it was asked to go."""

    exit_code = 5


class ValidationFailed(ShareableError):
    """The de-identified output failed its validation suite; nothing was published."""

    exit_code = 6

    def __init__(self, message: str, failures: list[dict] | None = None) -> None:
        super().__init__(message)
        self.failures = failures or []


class ResidualPHI(ValidationFailed):
    """Identifiers were still found in the output; nothing was published."""


class BudgetExhausted(ShareableError):
    """A differentially private release would exceed the dataset's privacy budget."""

    exit_code = 7


class StoreError(ShareableError):
    """The catalog / budget-ledger database cannot be used (locked, corrupt, unreachable)."""

    exit_code = 8


class ClusterUnavailable(ShareableError):
    """The Dask cluster named for the release cannot be reached or lost its workers."""

    exit_code = 9


class InternalError(Exception):
    """Shareable itself went wrong: this is a bug, please report it."""

    exit_code = 70

    def __init__(self, message: str) -> None:
        super().__init__(f"{message} (this is a bug in Shareable; please report it)")
