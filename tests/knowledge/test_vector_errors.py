"""A Chroma server that cannot be reached is reported with its URL, never with its password."""

from __future__ import annotations

import socket

import pytest

from knowledge.library.vectors import VectorStore, VectorStoreError, redact_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_password_of_an_unreachable_chroma_url_is_not_printed() -> None:
    url = f"http://admin:s3cret-pw@127.0.0.1:{free_port()}"
    with pytest.raises(VectorStoreError) as caught:
        VectorStore.open(None, url, "prbot-test")
    message = str(caught.value)
    assert "s3cret-pw" not in message and "admin:***@127.0.0.1" in message and "PRBOT_CHROMA_URL" in message


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://u:p@chroma.example:8443/x", "https://u:***@chroma.example:8443/x"),
        ("http://:p@h:1", "http://***@h:1"),
        ("http://chroma:8000", "http://chroma:8000"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
