"""The terminal chat: the same router the Slack and Feishu adapters use, rendered as plain lines."""

from __future__ import annotations

from collections.abc import Callable

from bot import messages as msg
from bot.adapters.terminal import render
from bot.core import Action, Button, Form, Reply, Request
from bot.router import Router

Output = Callable[[str], None]
Input = Callable[[str], str]


class ConsoleChat:
    """A conversation loop. ``b1``… clicks the last reply's buttons; forms are asked field by field."""

    def __init__(self, router: Router, user_id: str = "cli:local", output: Output = print, read: Input = input) -> None:
        self.router = router
        self.user_id = user_id
        self.output = output
        self.read = read
        self._buttons: list[Button] = []

    def send(self, text: str) -> Reply:
        choice = text.strip().lower()
        if choice.startswith("b") and choice[1:].isdigit() and 0 < int(choice[1:]) <= len(self._buttons):
            button = self._buttons[int(choice[1:]) - 1]
            request = Request(text=button.label, user_id=self.user_id, action=Action(button.action, button.value))
        else:
            request = Request(text=text, user_id=self.user_id)
        reply = self.router.handle(request)
        while reply.form is not None:
            reply = self._fill(reply.form)
        self._buttons = list(reply.buttons)
        return reply

    def _fill(self, form: Form) -> Reply:
        self.output(f"【{form.title}】")
        values = {}
        for f in form.fields:
            hint = f" ({'/'.join(f.options)})" if f.options else ""
            values[f.name] = self.read(f"{f.label}{hint}: ").strip()
        return self.router.handle(
            Request(text=form.title, user_id=self.user_id, action=Action(form.action, values=values))
        )

    def loop(self) -> None:
        self.output(msg.t("help_intro", "zh") + " 输入 help 查看命令，exit 退出。")
        while True:
            try:
                text = self.read("你> ")
            except (EOFError, KeyboardInterrupt):
                self.output("")
                return
            if text.strip().lower() in ("exit", "quit", "退出"):
                return
            if not text.strip():
                continue
            self.output(render(self.send(text)))
