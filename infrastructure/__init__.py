"""Adapters: event store, group commit, crypto-shredding, SQL stores beside the events."""
