"""Routers skip paths outside their prefix at once; the API answers as before."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Match

from api.routes import ResourceRouter, route_path


def test_a_path_outside_the_prefix_is_no_match_without_trying_routes() -> None:
    router = ResourceRouter(prefix="/v1/things")
    scope = {"type": "http", "method": "GET", "path": "/v1/other/1", "root_path": ""}
    assert router.matches(scope) == (Match.NONE, {})


def test_the_prefix_is_compared_below_the_mount_point() -> None:
    assert route_path({"path": "/svc/v1/things/1", "root_path": "/svc"}) == "/v1/things/1"
    assert route_path({"path": "/v1/things/1", "root_path": ""}) == "/v1/things/1"
    assert route_path({"path": "/v1/things/1", "root_path": "/svc"}) == "/v1/things/1"


def test_routers_side_by_side_each_answer_their_own_paths() -> None:
    things, others = ResourceRouter(prefix="/v1/things"), ResourceRouter(prefix="/v1/thing")

    @things.get("/{thing_id}")
    def read_thing(thing_id: str) -> dict[str, str]:
        return {"thing": thing_id}

    @others.get("s-count")
    def count() -> dict[str, int]:
        return {"count": 1}

    app = FastAPI()
    app.include_router(others)
    app.include_router(things)
    with TestClient(app) as client:
        assert client.get("/v1/things/7").json() == {"thing": "7"}
        assert client.get("/v1/things-count").json() == {"count": 1}
        assert client.get("/v1/nothing").status_code == 404
        assert client.post("/v1/things/7").status_code == 405
