"""Feishu/Lark: the event client and interactive cards."""
