"""The conversation layer between the adapters and the router (see ``conversation.Conversation``)."""

from bot.conversation.conversation import Conversation

__all__ = ["Conversation"]
