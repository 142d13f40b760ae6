"""Copy for an audience: drafts, checks, personas and technical-translation notes."""
