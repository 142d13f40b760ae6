"""Print the README's command table (``python -m bot.command_table``); a test keeps the README equal."""

from __future__ import annotations

from bot.adapters.cli.registry import describe
from bot.command_classes import command_classes
from bot.commands import markdown_table

if __name__ == "__main__":
    print(markdown_table(describe(command_classes())))
