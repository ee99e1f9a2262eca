"""Personal data over HTTP: erasure (idempotent, admin only) and subject access."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.api.driver import Driver, is_problem, ok


def test_erasure_makes_the_mentees_text_read_as_erased(client: TestClient,
                                                       driver: Driver) -> None:
    _, relationship_id = driver.active_relationship(mentee_id="mentee-9")
    erased = ok(client.post("/v1/people/mentee-9/erasure", json={"reason": "GDPR #1"}))
    assert erased["person_id"] == "mentee-9" and erased["already_erased"] is False
    state = driver.relationship_state(relationship_id)
    assert state["status"] == "concluded"  # erasure ends what the person was part of
    history = ok(client.get("/v1/events?after=0&limit=100"))["items"]
    assert history[-1]["type"] == "PersonalDataErased"
    assert "Would you mentor me?" not in str(history)


def test_erasure_twice_answers_the_first_record(client: TestClient, driver: Driver) -> None:
    driver.active_relationship(mentee_id="mentee-9")
    first = ok(client.post("/v1/people/mentee-9/erasure", json={}))
    again = ok(client.post("/v1/people/mentee-9/erasure", json={}))
    assert again["already_erased"] is True and again["erasure_id"] == first["erasure_id"]


def test_erasure_of_an_unknown_person_is_404_problem(client: TestClient) -> None:
    is_problem(client.post("/v1/people/nobody/erasure", json={}), 404)
    is_problem(client.get("/v1/people/nobody/data"), 404)


def test_subject_access_returns_what_the_person_wrote(client: TestClient,
                                                      driver: Driver) -> None:
    driver.active_relationship(mentee_id="mentee-9")
    held = ok(client.get("/v1/people/mentee-9/data"))
    assert held["person_id"] == "mentee-9" and held["personal_data_readable"] is True
    assert "Would you mentor me?" in str(held["aggregates"])


def test_personal_data_routes_are_admin_only(client_for: Callable[..., TestClient],
                                             driver: Driver) -> None:
    driver.active_relationship(mentee_id="mentee-9")
    for role in ("integration", "analyst", "viewer"):
        other = client_for(role)
        is_problem(other.post("/v1/people/mentee-9/erasure", json={}), 403)
        is_problem(other.get("/v1/people/mentee-9/data"), 403)
