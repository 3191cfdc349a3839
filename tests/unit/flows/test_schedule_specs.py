from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flows import schedule
from privacy.errors import SpecError
from privacy.spec import load_spec

REPO = Path(__file__).resolve().parents[3]


def test_example_spec_is_scheduled_and_builds_a_deployment() -> None:
    found = schedule.scheduled_specs()
    datasets = {spec.dataset for _, spec in found}
    assert "patients" in datasets
    deployment = schedule.build_deployments(found)[0]
    assert deployment.name.startswith("refresh-")
    assert deployment.parameters["target"].endswith(".yaml")
    assert deployment.parameters["actor"].startswith("schedule:")
    assert deployment.schedules[0].schedule.cron == found[0][1].schedule.cron


def test_prefect_yaml_matches_the_specs() -> None:
    config = yaml.safe_load((REPO / "prefect.yaml").read_text())
    for deployment in config["deployments"]:
        module, _, name = deployment["entrypoint"].partition(":")
        assert (REPO / module).is_file() and name == "release"
        spec = load_spec(REPO / deployment["parameters"]["target"])
        assert spec.schedule is not None
        assert deployment["schedules"][0]["cron"] == spec.schedule.cron


@pytest.mark.parametrize(
    ("schedule_value", "pattern"),
    [
        ({"cron": "0 2 * *"}, "5 fields"),
        ({"cron": "0 2 * * *", "timezone": "Mars/Base"}, "IANA time zone"),
    ],
)
def test_bad_schedules_are_refused(tmp_path: Path, schedule_value, pattern) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        yaml.safe_dump({"dataset": "d", "source": {"path": "d.csv"}, "schedule": schedule_value})
    )
    with pytest.raises(SpecError, match=pattern):
        load_spec(path)


def test_unscheduled_spec_named_explicitly_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"dataset": "d", "source": {"path": "d.csv"}}))
    with pytest.raises(SpecError, match="has no `schedule:`"):
        schedule.scheduled_specs([path])
