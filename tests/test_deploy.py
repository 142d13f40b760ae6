"""The docker-compose topology works as written (checked as a structure: no container engine runs in
CI): a load balancer in front of the replicas, health-gated start, restart policies, ingest with the
same settings and the same wait for Chroma, and a Dockerfile that ships every package."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_only_the_load_balancer_is_published_and_it_proxies_to_the_replicas() -> None:
    services = compose()["services"]
    published = {name for name, svc in services.items() if svc.get("ports")}
    assert published == {"lb"}
    conf = (ROOT / services["lb"]["volumes"][0].split(":")[0]).read_text(encoding="utf-8")
    port = services["prbot"]["command"][services["prbot"]["command"].index("--port") + 1]
    assert re.search(rf"server prbot:{port} resolve;", conf) and "proxy_pass http://prbot;" in conf
    listen = re.search(r"listen (\d+);", conf)
    assert listen is not None and services["lb"]["ports"] == [f"{port}:{listen.group(1)}"]
    assert "client_max_body_size" in conf and "client_body_timeout" in conf
    assert services["prbot"]["deploy"]["replicas"] >= 2 and "ports" not in services["prbot"]


def test_start_is_health_gated_and_everything_long_running_restarts() -> None:
    services = compose()["services"]
    prbot, ingest = services["prbot"], services["ingest"]
    assert prbot["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "chroma-ready": {"condition": "service_completed_successfully"},
    }
    assert ingest["depends_on"] == prbot["depends_on"]  # ingest waits for Chroma too
    assert services["lb"]["depends_on"] == {"prbot": {"condition": "service_healthy"}}
    assert "/readyz" in " ".join(prbot["healthcheck"]["test"]) and "8080" in prbot["expose"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    for name in ("postgres", "chroma", "prbot", "lb"):
        assert services[name]["restart"] == "unless-stopped", name
    script = services["chroma-ready"]["command"][2]
    compile(script, "chroma-ready", "exec")  # the wait is valid Python
    assert "http://chroma:8000/api/v2/heartbeat" in script


def test_ingest_uses_the_same_settings_and_stores_as_the_replicas() -> None:
    services = compose()["services"]
    prbot, ingest = services["prbot"], services["ingest"]
    assert ingest["env_file"] == prbot["env_file"] == ".env"
    assert ingest["environment"] == prbot["environment"]
    assert prbot["environment"]["PRBOT_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert prbot["environment"]["PRBOT_CHROMA_URL"] == "http://chroma:8000"
    assert ingest["command"][:2] == ["prbot", "ingest"] and ingest["volumes"][0].endswith(":/library:ro")


def test_the_image_ships_every_package_and_the_postgres_driver() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = [p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]]
    for package in packages:
        assert f"COPY {package} ./{package}" in dockerfile, package
    assert "'.[postgres]'" in dockerfile and "EXPOSE 3000 8080" in dockerfile
