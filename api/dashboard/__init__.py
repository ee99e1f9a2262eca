"""The admin web page at /dashboard."""
