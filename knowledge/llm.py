"""The chat-model port: any OpenAI-compatible endpoint through langchain-openai."""

from __future__ import annotations

from typing import Protocol


class ChatModelError(Exception):
    """The endpoint failed, timed out or answered nothing usable."""


class ChatModel(Protocol):
    name: str

    def complete(self, system: str, user: str, max_tokens: int | None = None) -> str: ...


class OpenAIChatModel:
    def __init__(
        self,
        base_url: str | None,
        api_key: str | None,
        model: str,
        timeout_s: float,
        max_retries: int = 1,
        temperature: float = 0.2,
    ) -> None:
        from langchain_openai import ChatOpenAI

        self.name = model
        self._llm = ChatOpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            model=model,
            timeout=timeout_s,
            max_retries=max_retries,
            temperature=temperature,
        )

    def complete(self, system: str, user: str, max_tokens: int | None = None) -> str:
        """``max_tokens`` caps the reply (an answer must not run on, and a runaway costs money)."""
        from langchain_core.messages import HumanMessage, SystemMessage

        llm = self._llm.bind(max_tokens=max_tokens) if max_tokens else self._llm
        try:
            message = llm.invoke([SystemMessage(content=system), HumanMessage(content=user)])
        except Exception as exc:  # openai/httpx raise many types; the caller falls back either way
            raise ChatModelError(f"{exc.__class__.__name__}") from None
        content = message.content if isinstance(message.content, str) else str(message.content)
        if not content.strip():
            raise ChatModelError("empty completion")
        return content.strip()
