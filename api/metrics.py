"""Prometheus metrics: requests and latencies per route template, events, plug-in sources.

Other packages add their own figures (projection positions and lag, say) with
``register_metrics_source``: a source is a callable taking the container and returning
``prometheus_client`` metric families; it is called at every scrape of ``/metrics``.

    def projection_lag(container):
        gauge = GaugeMetricFamily("mentoring_projection_lag_events", "...", labels=["name"])
        gauge.add_metric(["summaries"], lag)
        yield gauge

    register_metrics_source(projection_lag)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mentoring.bootstrap import Container

MetricsSource = Callable[[Container], Iterable[Metric]]
_sources: list[MetricsSource] = []
log = logging.getLogger("api.metrics")


def register_metrics_source(source: MetricsSource) -> MetricsSource:
    """Adds a source of metric families to every app's ``/metrics`` (usable as a decorator)."""
    if source not in _sources:
        _sources.append(source)
    return source


class EventStoreCollector:
    """Scrape-time figures read from the event store and from registered sources."""

    def __init__(self, container: Container) -> None:
        self.container = container

    def collect(self) -> Iterator[Metric]:
        position = self.container.service.last_position()
        # Positions are gap-free, so the last one is also the number of events stored.
        appended = CounterMetricFamily("mentoring_events_appended",
                                       "Events appended to the event store (all writers).")
        appended.add_metric([], position)
        yield appended
        last = GaugeMetricFamily("mentoring_event_store_last_position",
                                 "Position of the newest event in the global feed.")
        last.add_metric([], position)
        yield last
        for source in list(_sources):
            try:
                yield from source(self.container)
            except Exception:  # one broken source must not take /metrics down
                log.exception("metrics source %r failed", source)


class Metrics:
    """One registry per app, so several apps (tests) never clash."""

    def __init__(self, container: Container) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("mentoring_http_requests", "HTTP requests answered.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("mentoring_http_request_duration_seconds",
                                 "Time to answer an HTTP request.", ["method", "route"],
                                 registry=self.registry)
        self.registry.register(EventStoreCollector(container))


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
