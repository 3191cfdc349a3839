"""Scheduled refresh runs: one Prefect deployment of the ``release`` flow per scheduled spec.

``shareable serve`` runs the deployments in this process (Prefect's ``serve``: no work pool
needed, works with the ephemeral API or a server named by ``PREFECT_API_URL``);
``shareable deploy --work-pool NAME`` registers them with a Prefect server for its workers.
``prefect.yaml`` at the repository root describes the same deployments in Prefect's format.
"""

from __future__ import annotations

from pathlib import Path

from prefect import serve as prefect_serve
from prefect.schedules import Cron
from prefect.types.entrypoint import EntrypointType

from flows import audit
from flows.inputs import actor
from flows.release import release
from privacy.errors import SpecError
from privacy.spec import ReleaseSpec, load_spec

DEFAULT_SPEC_DIR = Path("configs") / "releases"
"""Where scheduled specs are looked for by default: ``configs/releases/`` of the working
directory (the steward's project; release specs are not shipped inside the package)."""


def scheduled_specs(paths: list[Path] | None = None) -> list[tuple[Path, ReleaseSpec]]:
    """Specs (given, or every ``configs/releases/*.yaml``) that carry a ``schedule``."""
    candidates = paths or sorted(DEFAULT_SPEC_DIR.glob("*.yaml"))
    found = []
    for path in candidates:
        spec = load_spec(path)
        if spec.schedule is not None:
            found.append((Path(path).resolve(), spec))
        elif paths:
            raise SpecError(
                f"{path}: has no `schedule:`; add e.g. `schedule: {{cron: '0 2 * * *', "
                "timezone: UTC}` to run it on a schedule."
            )
    if not found:
        raise SpecError(
            "no scheduled release spec found: give spec files, or add `schedule:` to a spec "
            f"in {DEFAULT_SPEC_DIR}."
        )
    return found


def deployment_name(spec: ReleaseSpec) -> str:
    """The deployment's name: ``refresh-<dataset>`` (full name ``release/refresh-<dataset>``)."""
    return f"refresh-{spec.dataset.replace('_', '-')}"


def build_deployments(specs: list[tuple[Path, ReleaseSpec]], work_pool: str | None = None):
    """One RunnerDeployment of the ``release`` flow per scheduled spec."""
    deployments = []
    for path, spec in specs:
        deployments.append(
            release.to_deployment(
                name=deployment_name(spec),
                schedules=[Cron(spec.schedule.cron, timezone=spec.schedule.timezone)],
                parameters={"target": str(path), "actor": f"schedule:{spec.dataset}"},
                description=f"Scheduled refresh of {spec.dataset} from {path.name}",
                tags=["shareable", spec.method],
                work_pool_name=work_pool,
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        )
    return deployments


def deploy(specs: list[tuple[Path, ReleaseSpec]], work_pool: str, who: str | None = None):
    """Register the deployments with the Prefect API for ``work_pool``'s workers."""
    ids = []
    for deployment, (_, spec) in zip(build_deployments(specs, work_pool), specs, strict=True):
        ids.append(deployment.apply(work_pool_name=work_pool))
        audit.audit(
            "deployment_created",
            "registered",
            actor=who or actor(),
            dataset=spec.dataset,
            spec_hash=spec.fingerprint(),
            detail=f"{deployment.name} on work pool {work_pool}",
        )
    return ids


def serve(specs: list[tuple[Path, ReleaseSpec]], who: str | None = None, limit: int = 1) -> None:
    """Run the deployments' schedules from this process until it is stopped."""
    deployments = build_deployments(specs)
    for deployment, (_, spec) in zip(deployments, specs, strict=True):
        audit.audit(
            "deployment_created",
            "served",
            actor=who or actor(),
            dataset=spec.dataset,
            spec_hash=spec.fingerprint(),
            detail=f"{deployment.name} served locally",
        )
    prefect_serve(*deployments, limit=limit, print_starting_message=True)
