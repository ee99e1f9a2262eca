"""Operations endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient
from prometheus_client.core import GaugeMetricFamily, Metric

from api.metrics import _sources, register_metrics_source
from mentoring.bootstrap import Container
from tests.api.driver import Driver, ok


def test_healthz_needs_no_key(anonymous: TestClient) -> None:
    assert ok(anonymous.get("/healthz")) == {"status": "ok"}


def test_readyz_pings_the_database(anonymous: TestClient, container: Container) -> None:
    body = ok(anonymous.get("/readyz"))
    assert body["status"] == "ready" and body["database"] == container.store.kind


def test_metrics_count_requests_by_route_template(client: TestClient, driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    client.get(f"/v1/relationships/{relationship_id}")
    text = client.get("/metrics").text
    assert ('mentoring_http_requests_total{method="GET",'
            'route="/v1/relationships/{relationship_id}",status="200"} 1.0') in text
    assert "mentoring_http_request_duration_seconds_bucket" in text
    assert "mentoring_events_appended_total 6.0" in text
    assert "mentoring_event_store_last_position 6.0" in text


def test_registered_metrics_sources_are_scraped(client: TestClient) -> None:
    def lag(container: Container) -> Iterator[Metric]:
        gauge = GaugeMetricFamily("mentoring_test_projection_lag", "test", labels=["name"])
        gauge.add_metric(["summaries"], 0)
        yield gauge

    register_metrics_source(lag)
    try:
        assert 'mentoring_test_projection_lag{name="summaries"} 0.0' in client.get("/metrics").text
    finally:
        _sources.remove(lag)


def test_replayed_requests_are_counted_under_their_route(client: TestClient) -> None:
    for _ in range(2):
        client.post("/v1/programs", json={"name": "M"}, headers={"Idempotency-Key": "m-1"})
    text = client.get("/metrics").text
    assert ('mentoring_http_requests_total{method="POST",route="/v1/programs",status="201"} 2.0'
            in text)
