"""prbot (公关助手): a chat bot for PR and communications teams."""
