"""The application layer: every use case of the mentoring service, as typed methods."""
