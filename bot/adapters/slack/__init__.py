"""Slack: the Bolt app, events and Block Kit rendering."""
