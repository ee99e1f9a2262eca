"""The service's configuration, read once from ``MENTORING_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting the service reads; nothing else looks at the environment."""

    model_config = SettingsConfigDict(env_prefix="MENTORING_", extra="ignore")

    database_url: str = Field(
        "sqlite:///./mentoring.db",
        description="sqlite:///path/file.db or postgresql://user:pass@host:port/db",
    )
    kafka_bootstrap_servers: str | None = Field(
        None, description="Kafka brokers; unset = no Kafka"
    )
    kafka_topic: str = Field("mentoring.events", description="topic for integration events")
    bootstrap_admin_key: str | None = Field(
        None, description="if set, an admin API key with exactly this secret exists after start-up"
    )
    key_encryption_key: SecretStr | None = Field(
        None, description="base64 of 32 random bytes that wraps every person's key; "
                          "never stored in the database")
    key_encryption_key_file: Path | None = Field(
        None, description="a file holding the key-encryption key (made if missing); default "
                          "<database file>.kek beside SQLite, ./mentoring.kek otherwise")
    database_pool_size: int = Field(
        10, ge=1, le=200, description="PostgreSQL connections kept open"
    )
    statement_timeout_seconds: float = Field(
        15.0, gt=0, le=3600,
        description="PostgreSQL: longest a request's database work may take (API and stores)")
    read_wait_seconds: float = Field(
        2.0, ge=0, le=60,
        description="longest a read with min_position waits for the views (then 503)")
    max_body_bytes: int = Field(
        1_000_000, ge=1_000, le=100_000_000, description="largest request body accepted (413)")
    idempotency_ttl_seconds: int = Field(
        86_400, ge=60, le=30 * 86_400,
        description="how long an Idempotency-Key's first answer is kept for retries")
    webhook_timeout_seconds: float = Field(
        10.0, gt=0, le=120, description="longest a webhook receiver may take to answer")
    webhook_retry_seconds: float = Field(
        5.0, gt=0, le=3600,
        description="first retry delay after a failed webhook delivery (doubled per failure "
                    "in a row, at most an hour)")
    webhook_max_failures: int = Field(
        10, ge=1, le=1000,
        description="failed deliveries in a row after which a subscription is disabled")
    http_header_timeout_seconds: float = Field(
        10.0, ge=0.1, le=600,
        description="seconds a client may take to send a request's head (serve's "
                    "--header-timeout overrides it)")
    kafka_partitions: int = Field(
        6, ge=1, le=10_000,
        description="partitions of the topic when the relay creates it (events of one "
                    "aggregate always share a partition)")
    kafka_replication_factor: int = Field(
        1, ge=1, le=100, description="replicas of the topic when the relay creates it")
    hr_topic: str = Field("hr.employees", description="topic of the HR system's events")
    hr_dead_letter_topic: str = Field(
        "hr.employees.dead-letter",
        description="where malformed or refused HR messages go, with the error in headers")
    hr_group_id: str = Field("mentoring-hr", description="consumer group of `hr-events`")
    consumer_group: str = Field(
        "mentoring-projections",
        description="consumer group of `consume` (read models built from the topic)")

    def guessable_admin_key(self) -> bool:
        """Whether the bootstrap admin key is one anyone could guess: a placeholder
        (``CHANGE-ME``), shorter than 24 characters, or repetitive."""
        value = self.bootstrap_admin_key
        if value is None:
            return False
        placeholder = any(word in value.lower().replace("_", "-")
                          for word in ("change-me", "changeme", "password", "secret-here"))
        return len(value) < 24 or len(set(value)) < 8 or placeholder
