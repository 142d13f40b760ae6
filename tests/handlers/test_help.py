"""help: the overview names every command word in a line; help WORD shows its sub-commands in full."""

from __future__ import annotations

from bot.commands import Context, Group, NoArgs, command
from bot.core import Reply, Request
from bot.router import Router
from handlers.help.commands import HelpCommands

CR = Group("cr", "需求变更", "change requests", aliases=("变更",))


class Changes:
    groups = (CR,)

    @command(CR, "add", zh="提交需求变更")
    def add(self, ctx: Context, args: NoArgs) -> Reply:
        """Submit a change request."""
        return Reply(text="added")

    @command(CR, "list", zh="列出需求变更")
    def list(self, ctx: Context, args: NoArgs) -> Reply:
        """List change requests."""
        return Reply(text="listed")


def _router() -> Router:
    router = Router()
    router.scan(Changes())
    router.scan(HelpCommands(router.registry))
    return router


def test_the_overview_lists_each_word_once_and_points_to_help_word() -> None:
    text = _router().handle(Request(text="help")).text
    assert "**cr** add | list — 需求变更" in text
    assert "提交需求变更" not in text  # the sub-commands' own lines are for `help cr`
    assert "help cr" in text


def test_help_word_shows_the_sub_commands_by_name_or_alias() -> None:
    router = _router()
    for word in ("cr", "变更"):
        text = router.handle(Request(text=f"help {word}")).text
        assert "`cr add` — 提交需求变更" in text and "`cr list` — 列出需求变更" in text


def test_an_unknown_word_names_the_words_there_are() -> None:
    reply = _router().handle(Request(text="help crr"))
    assert "crr" in reply.text and "cr, help" in reply.text
