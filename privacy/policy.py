"""Release policies: what a method does, by default, to each kind of detected identifier.

A policy is a YAML file under ``configs/policies/`` parsed into a frozen :class:`Policy`. The
Safe Harbor policy (``safe_harbor.yaml``) is the default of every release.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from privacy.entities import FREE_TEXT, IDENTIFIER_ENTITIES
from privacy.errors import SpecError
from privacy.plan import Action

POLICY_DIR: Traversable = files("configs") / "policies"
"""The shipped policies (package data, found by importlib.resources)."""


class PolicyRule(BaseModel):
    """The default action for columns of one entity."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Action
    without_key: Action | None = Field(
        default=None,
        description="Action used instead of `pseudonymize` when no pseudonymisation key is set.",
    )
    birth: bool = Field(default=False, description="year: the column is a birth date.")
    max_value: float | None = Field(default=None, description="top_code: largest value kept.")


class Policy(BaseModel):
    """A named set of rules, one per entity of ``privacy.entities``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str
    min_confidence: float = Field(
        ge=0.0, le=1.0, description="Column findings below this confidence are not acted on."
    )
    rules: dict[str, PolicyRule]

    @model_validator(mode="after")
    def _covers_every_identifier(self) -> Policy:
        known = IDENTIFIER_ENTITIES | {FREE_TEXT}
        unknown = sorted(set(self.rules) - known)
        if unknown:
            raise ValueError(f"unknown entities {unknown}; known: {sorted(known)}")
        missing = sorted(IDENTIFIER_ENTITIES - set(self.rules))
        if missing:
            raise ValueError(f"no rule for identifier entities {missing}: add one for each")
        return self


def load_policy(name_or_path: str | Path = "safe_harbor") -> Policy:
    """Load a policy by name (``configs/policies/<name>.yaml``) or from a file path."""
    path: Path | Traversable = Path(name_or_path)
    if path.suffix not in {".yaml", ".yml"}:
        path = POLICY_DIR / f"{name_or_path}.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf8"))
        return Policy.model_validate(raw)
    except FileNotFoundError:
        raise SpecError(f"{path}: no such policy file.") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise SpecError(f"{path}: invalid policy: {exc}") from None
