"""👍 / 👎 on an answer: the click arrives as ``Action("feedback:up" | "feedback:down", value=answer id)``."""

from __future__ import annotations

from bot import messages as msg
from bot.core import Reply, Request, UserError
from bot.router import Router
from storage.db import DbEngine
from storage.events import get_answer, record_feedback

VALUES = ("up", "down")


def register(router: Router, engine: DbEngine) -> None:
    def on_feedback(request: Request) -> Reply:
        assert request.action is not None  # the router sends only actions here
        value = request.action.action.partition(":")[2]
        lang = request.lang
        if value not in VALUES:
            raise UserError(msg.t("unknown_action", lang))
        answer = get_answer(engine=engine, answer_id=request.action.value)
        if answer is None:
            raise UserError(msg.t("chat_feedback_unknown", lang))
        record_feedback(
            engine=engine, answer_id=answer.id, platform=request.platform, user_id=request.user_id, value=value
        )
        return Reply(text=msg.t("chat_feedback_thanks", lang), private=True, data={"feedback": value})

    router.on_action("feedback", on_feedback)
