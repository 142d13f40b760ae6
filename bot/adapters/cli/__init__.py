"""The terminal: the prbot command line, the chat console and its text rendering."""
