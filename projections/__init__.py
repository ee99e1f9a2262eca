"""Read models built from the event store: one module per view, SQLite and PostgreSQL."""
