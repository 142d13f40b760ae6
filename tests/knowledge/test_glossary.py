"""English words reach Chinese documents through the glossary's search terms."""

from __future__ import annotations

from knowledge.library.glossary import expand_query


def test_everyday_words_add_their_chinese_terms() -> None:
    expanded = expand_query("For the audiobook app, what share of free-trial users ended up paying?")
    for term in ("有声书", "试用", "付费"):
        assert term in expanded


def test_plurals_match_and_words_inside_other_words_do_not() -> None:
    assert "投诉" in expand_query("How fast are player complaints handled?")
    assert "试用" not in expand_query("Any industrial customers?")  # "trial" inside "industrial"
