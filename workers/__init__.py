"""Long-running processes: the projection worker."""
