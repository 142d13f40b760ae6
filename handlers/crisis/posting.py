"""One post to one place, best effort: a missing notifier or a refused post is logged, never raised
(a command's reply must not fail because a notice to someone else could not go out)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.core import Destination, Notifier, NotifyError, Reply

log = logging.getLogger(__name__)


def post(notifiers: Mapping[str, Notifier], dest: Destination, text: str) -> None:
    notifier = notifiers.get(dest.platform)
    if notifier is None:
        log.info("no notifier for %s; not posted: %s", dest.platform, text[:60])
        return
    try:
        notifier.post(dest, Reply(text=text))
    except NotifyError as exc:
        log.warning("post to %s failed: %s", dest, exc)
