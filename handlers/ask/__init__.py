"""Answering from the library: the ask service, its commands and the reader feedback on answers."""
