"""Prometheus metrics: requests and latencies per route template, events, projections."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.service import MentoringService
from infrastructure.kafka import relay_positions
from projections.queries import ReadModels

log = logging.getLogger("api.metrics")


class EventStoreCollector:
    """Scrape-time figures read from the event store and the projections' positions."""

    def __init__(self, service: MentoringService, read_models: ReadModels) -> None:
        self.service, self.read_models = service, read_models

    def collect(self) -> Iterator[Metric]:
        # Positions only grow but may skip (a refused write on PostgreSQL leaves a gap), so
        # the count of events comes from this process's own commits, never from a position.
        appended = CounterMetricFamily("mentoring_events_appended",
                                       "Events appended to the event store by this process.")
        appended.add_metric([], self.service.store.appended())
        yield appended
        last = GaugeMetricFamily("mentoring_event_store_last_position",
                                 "Position of the newest event in the global feed.")
        last.add_metric([], self.service.last_position())
        yield last
        position = GaugeMetricFamily("mentoring_projection_position",
                                     "Last event position applied by the projection.",
                                     labels=["name"])
        lag = GaugeMetricFamily("mentoring_projection_lag_events",
                                "Events stored but not yet applied by the projection.",
                                labels=["name"])
        parked = GaugeMetricFamily("mentoring_projection_parked_events",
                                   "Events the projection could not apply and stepped over.",
                                   labels=["name"])
        try:
            rows = self.read_models.positions()
        except Exception:  # the database is down: /metrics still answers what it knows
            log.warning("cannot read projection positions", exc_info=True)
            rows = []
        for row in rows:
            position.add_metric([row["name"]], row["position"])
            lag.add_metric([row["name"]], row["lag"])
            parked.add_metric([row["name"]], row["parked"])
        yield position
        yield lag
        yield parked
        yield from self._relays()

    def _relays(self) -> Iterator[Metric]:
        position = GaugeMetricFamily("mentoring_relay_position",
                                     "Last event position the Kafka relay had acknowledged.",
                                     labels=["topic"])
        lag = GaugeMetricFamily("mentoring_relay_lag_positions",
                                "Positions stored but not yet acknowledged on the topic.",
                                labels=["topic"])
        try:
            rows, head = relay_positions(self.read_models.store), self.service.last_position()
        except Exception:
            log.warning("cannot read relay positions", exc_info=True)
            rows, head = [], 0
        for row in rows:
            position.add_metric([row["topic"]], row["position"])
            lag.add_metric([row["topic"]], max(head - row["position"], 0))
        yield position
        yield lag


class Metrics:
    """One registry per app, so several apps (tests) never clash."""

    def __init__(self, service: MentoringService, read_models: ReadModels) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("mentoring_http_requests", "HTTP requests answered.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("mentoring_http_request_duration_seconds",
                                 "Time to answer an HTTP request.", ["method", "route"],
                                 registry=self.registry)
        self.registry.register(EventStoreCollector(service, read_models))


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template (not its raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Sequence[BaseRoute] = ()) -> None:
        self.app, self.metrics, self.routes = app, metrics, routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            route: Any = scope.get("route") or self._route_of(scope)
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)

    def _route_of(self, scope: Scope) -> BaseRoute | None:
        # Answered before routing (an idempotent replay, say): find the template ourselves.
        for route in self.routes:
            if route.matches(scope)[0] is Match.FULL:
                return route
        return None
