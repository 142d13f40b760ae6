"""Settings are documented and reachable from the environment the way the README says."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def env_names(model: type[BaseModel], prefix: str = "PRBOT_") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += env_names(annotation, f"{prefix}{name.upper()}_")
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


def test_env_example_lists_every_setting() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    missing = [name for name in env_names(Settings) if f"{name}=" not in example]
    assert missing == []


def test_nested_sections_read_from_prefixed_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PRBOT_OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("PRBOT_RETRIEVAL_BM25_WEIGHT", "0.5")
    monkeypatch.setenv("PRBOT_ROLES_MANAGERS", '["slack:U1", "cli:li"]')
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.openai.base_url == "http://127.0.0.1:1/v1"
    assert settings.retrieval.bm25_weight == 0.5
    assert settings.roles.managers == ["slack:U1", "cli:li"]


def test_readme_has_the_two_setup_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
