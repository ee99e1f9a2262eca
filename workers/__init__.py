"""Long-running processes: the projection worker (and, beside it, the Kafka relay and consumers)."""
