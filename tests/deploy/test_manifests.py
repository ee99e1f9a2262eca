"""deploy/ checked offline: the compose file and the Kubernetes manifests parse, name only
real `mentoring` verbs, ship no guessable secret, give each process a check that fits it;
the manifests are valid for Kubernetes' own schemas (kubernetes-validate)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from typer.main import get_command
from typer.testing import CliRunner

from mentoring.cli import app

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
VERBS = set(get_command(app).commands)  # type: ignore[attr-defined]
WORKERS = {"projections", "relay", "webhooks", "hr-events"}


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def manifests() -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(
        (DEPLOY / "kubernetes" / "mentoring.yaml").read_text()) if doc]


def test_compose_runs_every_process_from_the_local_image_with_fitting_checks() -> None:
    services = compose()["services"]
    ours = {name: s for name, s in services.items() if s.get("image") == "mentoring:local"}
    assert set(ours) == {"api"} | WORKERS
    for name, service in ours.items():
        assert service["pull_policy"] == "build"  # no public registry needed
        assert service["command"][0] in VERBS
        admin = service["environment"]["MENTORING_BOOTSTRAP_ADMIN_KEY"]
        assert admin.startswith("${MENTORING_BOOTSTRAP_ADMIN_KEY:?")  # never a default
        if name in WORKERS:
            assert service["healthcheck"] == {"disable": True}  # they serve no HTTP
    assert "/readyz" in " ".join(ours["api"]["healthcheck"]["test"])
    assert ours["relay"]["deploy"]["replicas"] == 2
    kafka = services["kafka"]
    assert kafka["healthcheck"] and kafka["volumes"]
    assert {"pgdata", "kafkadata"} <= set(compose()["volumes"])


@pytest.mark.parametrize("document", manifests(),
                         ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_each_kubernetes_manifest_is_valid_for_the_api_server(document: dict[str, Any]) -> None:
    kubernetes_validate.validate(document, "1.30", strict=True)


def test_the_manifests_ship_no_secret_and_run_real_verbs() -> None:
    documents = manifests()
    assert all(d["kind"] != "Secret" for d in documents)  # the operator creates it
    deployments = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}
    assert {"mentoring-api", "mentoring-projections", "mentoring-relay",
            "mentoring-webhooks", "mentoring-hr-events"} == set(deployments)
    for deployment in deployments.values():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert container["args"][0] in VERBS
            assert container["imagePullPolicy"] == "IfNotPresent"
    assert deployments["mentoring-relay"]["spec"]["replicas"] == 2
    api = deployments["mentoring-api"]["spec"]["template"]["spec"]["containers"][0]
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_the_dockerfile_has_no_http_healthcheck_for_workers_and_a_data_volume() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "\nHEALTHCHECK" not in dockerfile
    assert "VOLUME /home/mentoring/data" in dockerfile


@pytest.mark.parametrize("weak", ["CHANGE-ME", "short-key", "x" * 40])
def test_a_guessable_bootstrap_admin_key_is_refused_beyond_loopback(weak: str,
                                                                    tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"], env={
        "MENTORING_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
        "MENTORING_BOOTSTRAP_ADMIN_KEY": weak})
    assert result.exit_code == 2
    assert "guessable" in result.output and "refused when serving on 0.0.0.0" in result.output


def test_a_strong_bootstrap_admin_key_is_not_guessable() -> None:
    from mentoring.settings import Settings

    assert not Settings(bootstrap_admin_key="tour-7Q2m9Xk4Lp8Rw3ZdN5vB1").guessable_admin_key()
    assert Settings(bootstrap_admin_key="change-me-admin-secret").guessable_admin_key()
