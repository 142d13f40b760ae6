"""One module per capability; platform-neutral, working on Request/Reply values only."""
