"""The composition root: settings, wiring, the `mentoring` command line and demo data."""
