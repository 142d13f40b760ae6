"""Writing copy: drafting, headlines, summaries, personas, length and compliance checks."""
