"""Platform adapters: the only code that knows Slack, Feishu or the terminal."""
