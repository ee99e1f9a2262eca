"""The composition root: builds every part of a process from ``Settings``.

Only the command line (and tests and benchmarks, which stand in for it) import this
module. The API and the workers receive the parts they need, never this module.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from application.service import MentoringService
from infrastructure.api_keys import KeyStore
from infrastructure.database import ConfigurationError, Database, parse_database_url
from infrastructure.event_store import IN_MEMORY, EventStore
from infrastructure.idempotency import IdempotencyStore
from infrastructure.kek_file import load_or_create
from infrastructure.key_vault import KeyEncryptionKey, KeyVault, MemoryKeyVault
from infrastructure.log_reader import NotificationReader
from infrastructure.sql import SqlStore
from infrastructure.webhooks import WebhookStore
from mentoring.settings import Settings
from projections.catalog import READ_MODELS
from projections.queries import ReadModels
from projections.runner import ProjectionRunner

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import FastAPI

    from projections.base import ReadModel
    from workers.hr_consumer import HrConsumer
    from workers.projection_consumer import ProjectionConsumer
    from workers.projection_worker import ProjectionWorker
    from workers.relay_worker import Relay
    from workers.webhook_worker import WebhookDispatcher


def build_store(settings: Settings) -> SqlStore:
    """SQL access to the event store's database, for views, API keys and idempotency."""
    database = _database(settings)
    return SqlStore(sqlite_path=database.sqlite_path, postgres_dsn=database.postgres_dsn,
                    pool_size=settings.database_pool_size,
                    statement_timeout=settings.statement_timeout_seconds)


def build_event_store(settings: Settings, sql: SqlStore) -> EventStore:
    """The configured event store, sealing personal data with keys kept beside it."""
    return EventStore(env=_database(settings).env, sealer=KeyVault(sql, key_encryption_key(
        settings)))


def key_encryption_key(settings: Settings) -> KeyEncryptionKey:
    """The key that wraps personal-data keys: from the settings, or from its file."""
    if settings.key_encryption_key is not None:
        return KeyEncryptionKey.from_text(settings.key_encryption_key.get_secret_value())
    return load_or_create(key_encryption_key_file(settings))


def key_encryption_key_file(settings: Settings) -> Path:
    """The configured file, else ``<database file>.kek`` beside SQLite, else
    ``./mentoring.kek``."""
    if settings.key_encryption_key_file is not None:
        return settings.key_encryption_key_file
    database = _database(settings)
    if database.sqlite_path and database.sqlite_path != ":memory:":
        return Path(f"{database.sqlite_path}.kek")
    return Path("mentoring.kek")


def build_service(settings: Settings, sql: SqlStore | None = None) -> MentoringService:
    """The application service on the configured event store."""
    events = build_event_store(settings, sql or build_store(settings))
    assert isinstance(events.sealer, KeyVault)
    return MentoringService(events, events.sealer)


def build_memory_service() -> MentoringService:
    """The application service on the library's in-memory store (fast tests, no files)."""
    vault = MemoryKeyVault()
    return MentoringService(EventStore(env=IN_MEMORY, sealer=vault), vault)


@dataclass
class Runtime:
    """Everything one process built from settings; the CLI holds it and closes it."""

    settings: Settings
    sql: SqlStore
    events: EventStore
    service: MentoringService
    _embedded: list[ProjectionWorker | WebhookDispatcher] = field(default_factory=list)

    @property
    def database(self) -> Database:
        return _database(self.settings)

    def runner(self, models: Sequence[ReadModel] = READ_MODELS, *,
               batch_size: int = 2000) -> ProjectionRunner:
        """A projection runner of these read models on this event store."""
        return ProjectionRunner(NotificationReader(self.events, self.sql), self.sql, models,
                                batch_size=batch_size)

    def read_models(self) -> ReadModels:
        """Queries over the projections' view tables (never a replay of events)."""
        return ReadModels(self.sql, head=self.events.last_position, setup=self.runner().setup,
                          wait_seconds=self.settings.read_wait_seconds)

    def api(self) -> FastAPI:
        """The HTTP API over this process's parts."""
        from api.main import create_app

        return create_app(self.service, self.read_models(), KeyStore(self.sql),
                          IdempotencyStore(self.sql, ttl=self.settings.idempotency_ttl_seconds),
                          self.sql, self.webhooks(),
                          bootstrap_admin_key=self.settings.bootstrap_admin_key,
                          max_body_bytes=self.settings.max_body_bytes)

    def webhooks(self) -> WebhookStore:
        """Webhook subscriptions and their delivery log (secrets wrapped by the KEK)."""
        assert isinstance(self.events.sealer, KeyVault)
        return WebhookStore(self.sql, self.events.sealer.kek)

    def webhook_dispatcher(self, *, poll_interval: float = 0.5) -> WebhookDispatcher:
        """Delivers events to webhook subscriptions (one active per database)."""
        from workers.webhook_worker import DeliveryPolicy, WebhookDispatcher

        settings = self.settings
        policy = DeliveryPolicy(timeout_seconds=settings.webhook_timeout_seconds,
                                retry_seconds=settings.webhook_retry_seconds,
                                max_failures=settings.webhook_max_failures)
        return WebhookDispatcher(self.webhooks(), self.service, self.sql,
                                 index=self.read_models(), policy=policy,
                                 poll_interval=poll_interval)

    def start_embedded_webhooks(self, poll_interval: float = 0.2) -> WebhookDispatcher:
        """Runs the webhook dispatcher in a background thread of this process."""
        dispatcher = self.webhook_dispatcher(poll_interval=poll_interval)
        dispatcher.start_thread()
        self._embedded.append(dispatcher)
        return dispatcher

    def relay(self, *, batch_size: int = 500, poll_interval: float = 0.2) -> Relay:
        """The Kafka relay of this event store to ``MENTORING_KAFKA_TOPIC``."""
        from workers.relay_worker import Relay

        settings = self.settings
        servers = settings.kafka_bootstrap_servers
        if not servers:
            raise ConfigurationError("MENTORING_KAFKA_BOOTSTRAP_SERVERS is not set: the relay "
                                     "needs a Kafka broker")

        def producer() -> Any:
            from kafka import KafkaProducer

            ensure_topic(servers, settings.kafka_topic, settings.kafka_partitions,
                         settings.kafka_replication_factor)
            return KafkaProducer(bootstrap_servers=servers.split(","), acks="all",
                                 enable_idempotence=True, linger_ms=5,
                                 max_in_flight_requests_per_connection=5,
                                 client_id="mentoring-relay")

        from workers.projection_worker import Listener

        channel = getattr(self.events.recorder, "channel_name", None)
        dsn = self.database.postgres_dsn
        from workers.relay_reader import ProcessReader

        relay = Relay(self.service, self.sql, settings.kafka_topic, producer,
                      batch_size=batch_size, poll_interval=poll_interval,
                      listener=Listener(dsn, channel) if dsn and channel else None,
                      # PostgreSQL: read and encode in a child process (its own connections)
                      reader=(lambda: ProcessReader(settings, batch_size,
                                                    "mentoring.relay_reader")) if dsn else None)
        relay.cursor.ensure_schema()
        return relay

    def hr_consumer(self, *, poll_interval: float = 0.5,
                    max_poll_interval_ms: int = 300_000) -> HrConsumer:
        """The consumer of the HR system's topic (``mentoring hr-events``)."""
        from kafka import KafkaConsumer, KafkaProducer

        from infrastructure.kafka import ProcessedMessages
        from workers.hr_consumer import HrConsumer

        settings = self.settings
        servers = settings.kafka_bootstrap_servers
        if not servers:
            raise ConfigurationError("MENTORING_KAFKA_BOOTSTRAP_SERVERS is not set: the HR "
                                     "consumer needs a Kafka broker")
        for topic in (settings.hr_topic, settings.hr_dead_letter_topic):
            ensure_topic(servers, topic, settings.kafka_partitions,
                         settings.kafka_replication_factor)
        consumer = KafkaConsumer(settings.hr_topic, bootstrap_servers=servers.split(","),
                                 group_id=settings.hr_group_id, enable_auto_commit=False,
                                 auto_offset_reset="earliest",
                                 max_poll_interval_ms=max_poll_interval_ms,
                                 client_id="mentoring-hr")
        dead_letters = KafkaProducer(bootstrap_servers=servers.split(","), acks="all",
                                     enable_idempotence=True, client_id="mentoring-hr-dlq")
        return HrConsumer(self.service, ProcessedMessages(self.sql), consumer, dead_letters,
                          settings.hr_dead_letter_topic, poll_interval=poll_interval)

    def projection_consumer(self, models: Sequence[ReadModel] = READ_MODELS, *,
                            batch_size: int = 500, poll_interval: float = 0.5,
                            max_poll_interval_ms: int = 300_000,
                            session_timeout_ms: int = 10_000) -> ProjectionConsumer:
        """Builds these read models from the topic, as one member of the consumer group
        ``MENTORING_CONSUMER_GROUP`` (``mentoring consume``)."""
        from infrastructure.kafka import RelayCursor
        from workers.projection_consumer import ProjectionConsumer

        settings = self.settings
        servers = settings.kafka_bootstrap_servers
        if not servers:
            raise ConfigurationError("MENTORING_KAFKA_BOOTSTRAP_SERVERS is not set: consume "
                                     "reads the relay's topic from a Kafka broker")
        ensure_topic(servers, settings.kafka_topic, settings.kafka_partitions,
                     settings.kafka_replication_factor)
        relayed = RelayCursor(self.sql, settings.kafka_topic)
        relayed.ensure_schema()

        def consumer() -> Any:
            from kafka import KafkaConsumer

            return KafkaConsumer(bootstrap_servers=servers.split(","),
                                 group_id=settings.consumer_group, enable_auto_commit=False,
                                 auto_offset_reset="earliest",
                                 max_poll_interval_ms=max_poll_interval_ms,
                                 session_timeout_ms=session_timeout_ms,
                                 heartbeat_interval_ms=max(session_timeout_ms // 4, 100),
                                 client_id="mentoring-consume")

        return ProjectionConsumer(self.runner(models), consumer, settings.kafka_topic,
                                  published=relayed.published, batch_size=batch_size,
                                  poll_interval=poll_interval)

    def projection_worker(self, models: Sequence[ReadModel] = READ_MODELS, *,
                          poll_interval: float = 1.0, batch_size: int = 2000,
                          listen: bool = True) -> ProjectionWorker:
        """A worker that keeps these read models current (woken by NOTIFY on PostgreSQL)."""
        from workers.projection_worker import Listener, ProjectionWorker

        channel = getattr(self.events.recorder, "channel_name", None)
        dsn = self.database.postgres_dsn
        listener = Listener(dsn, channel) if listen and dsn and channel else None
        return ProjectionWorker(self.runner(models, batch_size=batch_size),
                                poll_interval=poll_interval, listener=listener)

    def start_embedded_projections(self, poll_interval: float = 0.2) -> ProjectionWorker:
        """Runs every projection in a background thread of this process (embedded mode)."""
        worker = self.projection_worker(poll_interval=poll_interval, listen=False)
        worker.start_thread()
        self._embedded.append(worker)
        return worker

    def stop_embedded_projections(self) -> None:
        """Stops the background workers (projections after their current batch, webhooks
        after the current request), if they run."""
        while self._embedded:
            self._embedded.pop().stop()

    def close(self) -> None:
        self.stop_embedded_projections()
        self.service.close()
        self.sql.close()


def build_runtime(settings: Settings) -> Runtime:
    """Wires the SQL store, event store and service for one process."""
    sql = build_store(settings)
    try:
        events = build_event_store(settings, sql)
    except BaseException:
        sql.close()
        raise
    assert isinstance(events.sealer, KeyVault)
    return Runtime(settings, sql, events, MentoringService(events, events.sealer))


def freeze_start_up() -> None:
    """Takes what a long-running process built at start-up (modules, the app and its
    schemas, the wiring) out of the garbage collector's scans, just before it serves.

    Those objects live as long as the process, yet every full collection walked all of
    them again: a tenth of an HTTP command's CPU time, and more of the relay's."""
    gc.collect()
    gc.freeze()


def ensure_topic(servers: str, topic: str, partitions: int, replication: int) -> None:
    """Creates the topic if it does not exist (clusters that manage topics themselves
    keep theirs: an existing topic is left as it is)."""
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(bootstrap_servers=servers.split(","), client_id="mentoring-admin")
    try:
        if topic not in admin.list_topics():
            admin.create_topics([NewTopic(topic, partitions, replication)])
    except TopicAlreadyExistsError:
        pass  # another process created it first
    finally:
        admin.close()


def _database(settings: Settings) -> Database:
    database = parse_database_url(settings.database_url, settings.database_pool_size)
    if database.sqlite_path and database.sqlite_path != ":memory:":
        Path(database.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    return database
