"""The mentoring domain: aggregates, their events, rules and the application service."""
