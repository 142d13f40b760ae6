"""The capability classes whose ``@command`` methods make up the bot's commands, in help order.

The composition root builds each with its services; the CLI reads their declarations alone, so
``prbot --help`` loads no database, index or model.
"""

from __future__ import annotations


def command_classes() -> list[type]:
    from handlers.ask.commands import AskCommands
    from handlers.changes.commands import ChangeCommands
    from handlers.crisis.commands import CrisisCommands
    from handlers.drafting.commands import DraftCommands, NoteCommands
    from handlers.help.commands import HelpCommands
    from handlers.kpi.commands import KpiCommands
    from handlers.watch.commands import WatchCommands

    return [
        AskCommands,
        ChangeCommands,
        CrisisCommands,
        DraftCommands,
        NoteCommands,
        WatchCommands,
        KpiCommands,
        HelpCommands,
    ]
