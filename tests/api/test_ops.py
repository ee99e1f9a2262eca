"""Operations endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mentoring.bootstrap import Runtime
from tests.api.driver import Driver, ok


def test_healthz_needs_no_key(anonymous: TestClient) -> None:
    assert ok(anonymous.get("/healthz")) == {"status": "ok"}


def test_readyz_pings_the_database(anonymous: TestClient, runtime: Runtime) -> None:
    body = ok(anonymous.get("/readyz"))
    assert body["status"] == "ready" and body["database"] == runtime.sql.kind


def test_metrics_count_requests_by_route_template(client: TestClient, driver: Driver) -> None:
    _, relationship_id = driver.active_relationship()
    client.get(f"/v1/relationships/{relationship_id}")
    text = client.get("/metrics").text
    assert ('mentoring_http_requests_total{method="GET",'
            'route="/v1/relationships/{relationship_id}",status="200"} 1.0') in text
    assert "mentoring_http_request_duration_seconds_bucket" in text
    assert "mentoring_events_appended_total 7.0" in text
    assert "mentoring_event_store_last_position 7.0" in text


def test_metrics_show_each_projections_position_and_lag(client: TestClient, driver: Driver,
                                                         runtime: Runtime) -> None:
    driver.active_relationship()
    runtime.runner().catch_up_all()
    text = client.get("/metrics").text
    for name in ("relationship_summaries", "program_health", "audit_trail"):
        assert f'mentoring_projection_position{{name="{name}"}} 7.0' in text
        assert f'mentoring_projection_lag_events{{name="{name}"}} 0.0' in text


def test_replayed_requests_are_counted_under_their_route(client: TestClient) -> None:
    for _ in range(2):
        client.post("/v1/programs", json={"name": "M"}, headers={"Idempotency-Key": "m-1"})
    text = client.get("/metrics").text
    assert ('mentoring_http_requests_total{method="POST",route="/v1/programs",status="201"} 2.0'
            in text)
