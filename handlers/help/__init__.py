"""The capability overview and per-command help."""
