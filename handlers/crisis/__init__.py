"""Crisis drills and the incident clock: rules, timers, people, reports, commands and strings."""
