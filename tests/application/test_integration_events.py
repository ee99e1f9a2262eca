"""Events for other systems: stable ids and types, and never a personal text in clear."""

from __future__ import annotations

from application.integration_events import event_type, integration_event
from application.service import MentoringService
from domain.erasure import Erasure
from domain.mentor_profile import MentorProfile
from tests.application.scenario import MENTEE, MENTOR, World


def test_an_event_goes_out_with_a_stable_id_type_subject_and_position(world: World) -> None:
    rel = world.connected()
    position, event = world.service.store.feed(after=0, limit=100)[-2]
    public = integration_event(event, position, world.program_id)
    assert public.id == f"{rel}:2" and public.subject == rel
    assert public.type == "mentoring.relationship.ConnectionEstablished"
    assert (public.position, public.program_id) == (position, world.program_id)
    assert public.data["actor"] == MENTOR


def test_personal_text_goes_out_as_a_reference_to_its_person(world: World) -> None:
    world.request()
    position, requested = next((p, e) for p, e in world.service.store.feed(after=0, limit=100)
                               if type(e).__name__ == "Requested")
    public = integration_event(requested, position, world.program_id)
    assert "Would you mentor me?" not in repr(public)
    assert public.data["message"] == {"personal": True, "person_id": MENTEE,
                                      "ref": f"{public.subject}:1:message"}
    assert public.data["mentee_id"] == MENTEE  # ids are not personal text


def test_every_personal_field_of_every_event_is_referenced(service: MentoringService) -> None:
    world = World.open(service)
    rel = world.agreed()
    world.feedback(rel)
    service.conclude_relationship(rel, reason="Moved on", outcome="goals met", actor=MENTEE)
    texts = {"Would you mentor me?", "Moved on", "Well prepared"}
    for position, event in service.store.feed(after=0, limit=1000):
        public = integration_event(event, position, world.program_id)
        for name in getattr(type(event), "PERSONAL_FIELDS", ()):
            assert public.data[name] in ("", None) or public.data[name]["personal"] is True
        assert not any(text in repr(public.data) for text in texts)


def test_types_name_the_aggregate_in_snake_case() -> None:
    assert event_type(object.__new__(MentorProfile.Registered)) == (
        "mentoring.mentor_profile.Registered")
    assert event_type(object.__new__(Erasure.PersonalDataErased)) == (
        "mentoring.erasure.PersonalDataErased")
