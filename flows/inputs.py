"""What a release starts from, read once: the spec, the source, the output root, the settings.

:func:`load` resolves a release target (a spec, or a data file with no spec), opens its
source, checks that the output root is writable, and reads everything the steps need from
configuration and the environment *once*: the detection config (package data), the policy,
whether a pseudonym key is set, the debug switch and the actor. The steps then take these
:class:`ReleaseInputs`; none of them reads a config file or an environment variable of its own
(the pseudonym key itself is the one exception: it is read where batches are processed, so it
never travels as a task argument).
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from flows.guard import DEBUG_ENV
from flows.load import Source, open_source
from flows.publish import check_output_root, remove_stale_staging
from flows.settings import default_release_root
from privacy.detection_config import DetectionConfig, load_detection_config
from privacy.errors import SpecError
from privacy.planner import PSEUDONYM_KEY_ENV
from privacy.policy import Policy, load_policy
from privacy.spec import DATA_SUFFIXES, ReleaseSpec, implicit_spec, is_partitioned_path, load_spec

ACTOR_ENV = "SHAREABLE_ACTOR"


@dataclass(frozen=True)
class ReleaseSettings:
    """Configuration of one release, read once by :func:`load` and carried to every step."""

    detection: DetectionConfig
    policy: Policy
    pseudonym_key_available: bool = False
    debug: bool = False


@dataclass(frozen=True)
class ReleaseInputs:
    """What a release starts from: the spec (written or implicit), its file, the source."""

    spec: ReleaseSpec
    spec_path: Path | None
    source: Source
    output_root: Path
    settings: ReleaseSettings
    actor: str = "unknown"

    @property
    def where(self) -> str:
        """The spec file (or the source) for messages."""
        return str(self.spec_path or self.source.name)


def read_settings(debug: bool = False) -> ReleaseSettings:
    """Read the release settings: detection config, Safe Harbor policy, key presence, debug."""
    return ReleaseSettings(
        detection=load_detection_config(),
        policy=load_policy("safe_harbor"),
        pseudonym_key_available=bool(os.environ.get(PSEUDONYM_KEY_ENV)),
        debug=debug or os.environ.get(DEBUG_ENV) == "1",
    )


def resolve(target: Path) -> tuple[ReleaseSpec, Path | None]:
    """The spec of a release target (a spec file, or a data file / folder with no spec)."""
    target = Path(target)
    if target.suffix.lower() in {".yaml", ".yml"}:
        return load_spec(target), target
    if target.suffix.lower() in DATA_SUFFIXES or is_partitioned_path(target):
        return implicit_spec(target), None
    raise SpecError(
        f"{target}: give a release spec (.yaml), a data file (.csv, .parquet), or a "
        "directory or glob of partition files to release."
    )


def load(
    target: Path, output: Path | None = None, who: str | None = None, debug: bool = False
) -> ReleaseInputs:
    """Resolve a release target and open its source; read the release's settings once.

    Also checks, before any work, that the output root is writable. ``who`` is the actor
    recorded in the manifest and audit log (default: :func:`actor`).
    """
    spec, spec_path = resolve(target)
    source = open_source(spec.source)
    root = Path(output or spec.output or default_release_root()).expanduser().resolve()
    check_output_root(root)
    remove_stale_staging(root, spec.dataset)
    # The fingerprint is taken now, before any row is read: rows appended while the release
    # reads make the next run's fingerprint differ, so a refresh re-releases them (taken after
    # the read, it would match the grown file and the rows would never be released).
    source.fingerprint()
    return ReleaseInputs(
        spec=spec,
        spec_path=spec_path,
        source=source,
        output_root=root,
        actor=who or actor(),
        settings=read_settings(debug),
    )


def open_inputs(target: Path, debug: bool = False) -> ReleaseInputs:
    """The inputs of ``target`` without touching any output folder (``shareable scan``)."""
    spec, spec_path = resolve(target)
    return ReleaseInputs(
        spec=spec,
        spec_path=spec_path,
        source=open_source(spec.source),
        output_root=default_release_root(),
        settings=read_settings(debug),
    )


def actor() -> str:
    """Who runs the release: ``SHAREABLE_ACTOR`` or the OS user."""
    try:
        fallback = getpass.getuser()
    except (KeyError, OSError):
        fallback = "unknown"
    return os.environ.get(ACTOR_ENV) or fallback
