"""The terminal chat: the same router the Slack and Feishu adapters use, rendered as plain lines."""

from __future__ import annotations

from collections.abc import Callable

from bot import messages as msg
from bot.adapters.cli.terminal_text import plain
from bot.core import Action, Button, Destination, Form, Reply, Request
from bot.router import Router

Output = Callable[[str], None]
Input = Callable[[str], str]


def render(reply: Reply) -> str:
    lines = [plain(reply.text)] if reply.text else []
    if reply.citations:
        lang = msg.detect_language(reply.text)
        lines.append(f"\n{msg.t('sources', lang)}:")
        for number, c in enumerate(reply.citations, start=1):
            lines.append(f"  [{number}] {c.id} 《{c.title}》 — {c.snippet[:80]}")
    for index, button in enumerate(reply.buttons, start=1):
        lines.append(f"  (b{index}) {button.label}")
    for attachment in reply.files:
        lines.append(f"  [附件 / file] {attachment.filename}")
    return "\n".join(lines)


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


class ConsoleNotifier:
    """Proactive posts when no chat platform is configured: printed to the terminal."""

    def __init__(self, output: Output = print) -> None:
        self.output = output
        self._count = 0

    def post(self, destination: Destination, reply: Reply, key: str | None = None) -> str:
        self._count += 1
        self.output(f"── 发往 / to {destination.platform}:{destination.channel_id} ──\n{render(reply)}")
        return f"console-{self._count}"
