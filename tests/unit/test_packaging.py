"""Configuration ships as package data: found with importlib.resources, listed in the wheel."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

from privacy.detection_config import DEFAULT_CONFIG_PATH, load_detection_config
from privacy.policy import POLICY_DIR, load_policy

ROOT = Path(__file__).resolve().parents[2]


def test_configs_are_package_resources() -> None:
    assert str(DEFAULT_CONFIG_PATH) == str(files("configs") / "detection.yaml")
    assert str(POLICY_DIR) == str(files("configs") / "policies")
    assert load_detection_config().sample_rows > 0
    assert load_policy("safe_harbor").name


def test_the_wheel_lists_every_shipped_config() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "configs" in setuptools["packages"]["find"]["include"]
    patterns = setuptools["package-data"]["configs"]
    shipped = {
        p.relative_to(ROOT / "configs").as_posix() for p in (ROOT / "configs").rglob("*.yaml")
    }
    listed = {s for s in shipped if any(Path(s).match(p) for p in patterns)}
    # Every config the code reads is listed; example release specs stay in the repository.
    assert listed == {s for s in shipped if not s.startswith("releases/")}
