"""Prompt files and persona data: declared variables match placeholders; personas are complete."""

from __future__ import annotations

import pytest

from knowledge.writing.personas import UnknownName, load_catalog
from prompts import load_prompt, prompt_names


@pytest.mark.parametrize("name", prompt_names())
def test_every_prompt_declares_exactly_its_placeholders(name: str) -> None:
    prompt = load_prompt(name)
    assert prompt.placeholders() == set(prompt.variables), name


def test_drafting_prompts_exist_and_render() -> None:
    assert {"headline", "summary", "user_value"} <= set(prompt_names())
    system, user = load_prompt("headline").render(
        source="原文",
        persona="画像",
        format="微博",
        compliance="- 禁止：最高级",
        count="5",
        max_chars="30",
        language="简体中文",
        feedback="（无）",
    )
    assert "5" in system and "30" in system and "原文" in user and "画像" in user
    assert "禁止：最高级" in system


def test_render_refuses_missing_or_undeclared_variables() -> None:
    prompt = load_prompt("summary")
    with pytest.raises(ValueError, match="missing"):
        prompt.render(source="x")
    values = dict(
        source="s", persona="p", format="f", compliance="c", count="1", max_chars="9", language="zh", feedback=""
    )
    with pytest.raises(ValueError, match="undeclared"):
        prompt.render(**values, extra="y")


def test_twelve_personas_with_every_field() -> None:
    catalog = load_catalog()
    assert len(catalog.personas) >= 12
    for name in ("Z世代极客", "企业IT决策人", "银发科技爱好者"):
        assert name in catalog.personas
    for persona in catalog.personas.values():
        assert persona.who and persona.tone and persona.example
        assert persona.use and persona.avoid and persona.formats and persona.templates
        # Every offline template names the subject; audience templates need audience words.
        for template in (*persona.templates, *persona.audience_templates):
            assert any(slot in template for slot in ("{topic}", "{who}", "{product}")), (persona.name, template)
        assert not persona.audience_templates or persona.audience


def test_persona_found_by_alias_and_typo_gets_nearest() -> None:
    catalog = load_catalog()
    assert catalog.persona("银发群体").name == "银发科技爱好者"
    assert catalog.persona("gen z").name == "Z世代极客"
    with pytest.raises(UnknownName) as info:
        catalog.persona("Z时代极客")
    assert info.value.suggestion == "Z世代极客"
    assert "企业IT决策人" in info.value.known


def test_team_persona_file_adds_and_replaces(tmp_path) -> None:  # type: ignore[no-untyped-def]
    extra = tmp_path / "team.yaml"
    extra.write_text(
        "personas:\n"
        "  - {name: 跨境电商卖家, who: 做亚马逊和独立站的卖家, tone: 务实, example: 一键出海,"
        " use: [出海], avoid: [暴富],"
        " formats: [图文], templates: ['{topic}：{fact}']}\n",
        encoding="utf-8",
    )
    catalog = load_catalog(extra)
    assert catalog.persona("跨境电商卖家").custom
    assert len(catalog.personas) == 13


def test_weibo_format_by_loose_name() -> None:
    fmt = load_catalog().format("微博 ≤140字")
    assert fmt.name == "微博" and fmt.max_chars == 140 and fmt.counter == "weibo"
