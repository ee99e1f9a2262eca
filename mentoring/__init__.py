"""Composition root: settings, wiring and the ``mentoring`` command line."""
