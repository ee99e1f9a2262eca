"""The peer a team would build without event sourcing: FastAPI + a psycopg pool, one INSERT
per POST, on the same route shape as the service's command (``python -m bench.crud_peer``).

Plain on purpose: no authentication, idempotency, If-Match, sealing or audit trail. It is
what "a write" costs in the same server stack, so the service's figure says what its
guarantees cost on top.
"""

from __future__ import annotations

import argparse
from typing import Annotated

import uvicorn
from fastapi import Body, FastAPI
from psycopg_pool import ConnectionPool
from pydantic import BaseModel, Field

TABLE = """
CREATE TABLE IF NOT EXISTS crud_progress (
    id BIGSERIAL PRIMARY KEY,
    relationship_id TEXT NOT NULL,
    note TEXT NOT NULL,
    goal_id TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
)"""
INSERT = ("INSERT INTO crud_progress (relationship_id, note, goal_id) VALUES (%s, %s, %s) "
          "RETURNING id")


class Progress(BaseModel):
    note: str = Field(min_length=1, max_length=4000)
    goal_id: str | None = None


def create_app(dsn: str, pool_size: int) -> FastAPI:
    pool = ConnectionPool(dsn, min_size=pool_size, max_size=pool_size, open=True)
    with pool.connection() as conn:
        conn.execute(TABLE)
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/relationships/{relationship_id}/progress")
    def progress(relationship_id: str, body: Annotated[Progress, Body()]) -> dict[str, object]:
        with pool.connection() as conn:
            row = conn.execute(INSERT, (relationship_id, body.note, body.goal_id)).fetchone()
        assert row is not None
        return {"id": relationship_id, "entry": row[0]}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pool-size", type=int, default=20)
    args = parser.parse_args()
    uvicorn.run(create_app(args.dsn, args.pool_size), host="127.0.0.1", port=args.port,
                log_level="warning", timeout_keep_alive=5)


if __name__ == "__main__":
    main()
