"""Each relationship command records its event, with its fields, actor and time."""

from __future__ import annotations

from domain.relationship import Relationship
from tests.domain.builders import (
    MENTEE,
    MENTOR,
    PROGRAM_ID,
    T0,
    at,
    connected,
    hold,
    only_event,
    paused,
    requested,
    schedule,
    with_expectations,
)

GOAL_ID = "9e0d1c2b-3a4f-4e5d-8c7b-6a5f4e3d2c1b"


def test_requesting_records_who_asked_whom_and_the_message() -> None:
    rel = Relationship.request(program_id=PROGRAM_ID, mentor_id=MENTOR, mentee_id=MENTEE,
                               message="  Would you mentor me?  ", actor=MENTEE, at=T0)
    event = only_event(rel, Relationship.Requested)
    assert (event.program_id, event.mentor_id, event.mentee_id) == (PROGRAM_ID, MENTOR, MENTEE)
    assert event.message == "Would you mentor me?"
    assert event.subject_id == MENTEE
    assert (event.actor, event.timestamp, event.originator_version) == (MENTEE, T0, 1)
    assert rel.status == "requested"
    assert rel.requested_at == T0
    assert rel.counts == dict.fromkeys(rel.counts, 0)


def test_declining_records_the_reason_and_ends_the_request() -> None:
    rel = requested()
    rel.decline(reason="No time this quarter", actor=MENTOR, at=at(days=1))
    event = only_event(rel, Relationship.Declined)
    assert event.reason == "No time this quarter"
    assert (event.actor, event.timestamp) == (MENTOR, at(days=1))
    assert rel.status == "declined"
    assert rel.decline_reason == "No time this quarter"


def test_accepting_establishes_the_connection() -> None:
    rel = requested()
    rel.accept(actor=MENTOR, at=at(days=1))
    event = only_event(rel, Relationship.ConnectionEstablished)
    assert (event.actor, event.timestamp, event.originator_version) == (MENTOR, at(days=1), 2)
    assert rel.status == "active"
    assert rel.connected_at == at(days=1)


def test_setting_expectations_records_the_agreed_way_of_working() -> None:
    rel = connected()
    rel.set_expectations(meeting_every_days=14, session_minutes=45, monthly_minutes_cap=90,
                         topics=[" visibility ", "delegation"], channel="in_person",
                         review_every_days=60, actor=MENTEE, at=at(days=2))
    event = only_event(rel, Relationship.ExpectationsSet)
    assert (event.meeting_every_days, event.session_minutes, event.monthly_minutes_cap) == (
        14, 45, 90)
    assert event.topics == ["visibility", "delegation"]
    assert (event.channel, event.review_every_days) == ("in_person", 60)
    assert (event.actor, event.timestamp) == (MENTEE, at(days=2))
    assert rel.expectations == {
        "meeting_every_days": 14, "session_minutes": 45, "monthly_minutes_cap": 90,
        "topics": ["visibility", "delegation"], "channel": "in_person", "review_every_days": 60,
    }
    assert rel.expectations_set_at == at(days=2)


def test_renegotiating_expectations_keeps_the_date_they_were_first_set() -> None:
    rel = with_expectations(cap=120)
    rel.set_expectations(meeting_every_days=7, session_minutes=30, monthly_minutes_cap=150,
                         topics=[], channel="chat", review_every_days=30, actor=MENTOR,
                         at=at(days=20))
    only_event(rel, Relationship.ExpectationsSet)
    assert rel.expectations is not None
    assert rel.expectations["monthly_minutes_cap"] == 150
    assert rel.expectations_set_at == at(days=2)


def test_scheduling_a_session_records_when_how_long_and_the_agenda() -> None:
    rel = with_expectations()
    session_id = rel.schedule_session(scheduled_for=at(days=5), duration_minutes=60,
                                      agenda="Roadmap review", actor=MENTOR, at=at(days=3))
    event = only_event(rel, Relationship.SessionScheduled)
    assert event.session_id == session_id
    assert (event.scheduled_for, event.duration_minutes) == (at(days=5), 60)
    assert (event.agenda, event.subject_id) == ("Roadmap review", MENTEE)
    assert (event.actor, event.timestamp) == (MENTOR, at(days=3))
    assert rel.scheduled_sessions == {
        session_id: {"scheduled_for": at(days=5), "duration_minutes": 60}}
    assert rel.to_dict()["next_session_at"] == at(days=5)


def test_holding_a_session_counts_its_minutes_against_the_month() -> None:
    rel = with_expectations()
    session_id = schedule(rel)
    rel.hold_session(session_id=session_id, held_at=at(days=5), duration_minutes=50,
                     mentee_on_time=False, mentee_prepared=True, notes="Talked delegation",
                     actor=MENTOR, at=at(days=5, hours=2))
    event = only_event(rel, Relationship.SessionHeld)
    assert (event.session_id, event.held_at, event.duration_minutes) == (
        session_id, at(days=5), 50)
    assert (event.mentee_on_time, event.mentee_prepared) == (False, True)
    assert event.notes == "Talked delegation"
    assert (event.actor, event.timestamp) == (MENTOR, at(days=5, hours=2))
    assert rel.scheduled_sessions == {}
    assert rel.minutes_by_month == {"2026-03": 50}
    assert rel.counts["sessions_held"] == 1
    assert rel.last_session_at == at(days=5)


def test_cancelling_a_session_records_who_called_it_off() -> None:
    rel = with_expectations()
    session_id = schedule(rel)
    rel.cancel_session(session_id=session_id, cancelled_by="mentee", reason="Travel",
                       actor=MENTEE, at=at(days=4))
    event = only_event(rel, Relationship.SessionCancelled)
    assert (event.session_id, event.cancelled_by, event.reason) == (session_id, "mentee", "Travel")
    assert (event.actor, event.timestamp) == (MENTEE, at(days=4))
    assert rel.scheduled_sessions == {}
    assert rel.counts["sessions_cancelled"] == 1


def test_a_session_missed_by_the_mentee_counts_as_a_no_show() -> None:
    rel = with_expectations()
    session_id = schedule(rel)
    rel.miss_session(session_id=session_id, missed_by="mentee", actor=MENTOR, at=at(days=5))
    event = only_event(rel, Relationship.SessionMissed)
    assert (event.session_id, event.missed_by) == (session_id, "mentee")
    assert (event.actor, event.timestamp) == (MENTOR, at(days=5))
    assert rel.scheduled_sessions == {}
    assert (rel.counts["sessions_missed"], rel.counts["mentee_no_shows"]) == (1, 1)


def test_a_session_missed_by_the_mentor_is_not_a_mentee_no_show() -> None:
    rel = with_expectations()
    session_id = schedule(rel)
    rel.miss_session(session_id=session_id, missed_by="mentor", actor=MENTEE, at=at(days=5))
    only_event(rel, Relationship.SessionMissed)
    assert (rel.counts["sessions_missed"], rel.counts["mentee_no_shows"]) == (1, 0)


def test_receiving_feedback_keeps_it_waiting_for_acknowledgement() -> None:
    rel = connected()
    feedback_id = rel.receive_feedback(from_role="mentor", kind="praise", text="Well prepared",
                                       goal_id=GOAL_ID, actor=MENTOR, at=at(days=3))
    event = only_event(rel, Relationship.FeedbackReceived)
    assert (event.feedback_id, event.from_role, event.kind) == (feedback_id, "mentor", "praise")
    assert (event.text, event.goal_id) == ("Well prepared", GOAL_ID)
    assert event.subject_id == MENTEE  # the receiver of the feedback
    assert (event.actor, event.timestamp) == (MENTOR, at(days=3))
    assert rel.unacknowledged_feedback == {
        feedback_id: {"from_role": "mentor", "kind": "praise", "goal_id": GOAL_ID}}
    assert rel.counts["feedback_received"] == 1


def test_feedback_from_the_mentee_is_about_the_mentor() -> None:
    rel = connected()
    rel.receive_feedback(from_role="mentee", kind="constructive", text="More examples",
                         goal_id=None, actor=MENTEE, at=at(days=3))
    event = only_event(rel, Relationship.FeedbackReceived)
    assert (event.subject_id, event.goal_id) == (MENTOR, None)


def test_acknowledging_feedback_clears_it() -> None:
    rel = connected()
    feedback_id = rel.receive_feedback(from_role="mentor", kind="constructive",
                                       text="Delegate more", goal_id=None, actor=MENTOR,
                                       at=at(days=3))
    rel.collect_events()
    rel.acknowledge_feedback(feedback_id=feedback_id, actor=MENTEE, at=at(days=4))
    event = only_event(rel, Relationship.FeedbackAcknowledged)
    assert event.feedback_id == feedback_id
    assert (event.actor, event.timestamp) == (MENTEE, at(days=4))
    assert rel.unacknowledged_feedback == {}
    assert rel.counts["feedback_acknowledged"] == 1


def test_sharing_an_experience_records_its_kind_and_text() -> None:
    rel = connected()
    rel.share_experience(kind="concern", text="My manager may not support the move",
                         actor=MENTEE, at=at(days=3))
    event = only_event(rel, Relationship.ExperienceShared)
    assert (event.kind, event.text) == ("concern", "My manager may not support the move")
    assert (event.actor, event.timestamp) == (MENTEE, at(days=3))
    assert rel.counts["experiences_shared"] == 1


def test_applying_advice_records_the_advice_and_its_outcome() -> None:
    rel = connected()
    rel.apply_advice(advice="Delegate the weekly report", outcome="Two hours saved",
                     actor=MENTEE, at=at(days=3))
    event = only_event(rel, Relationship.AdviceApplied)
    assert (event.advice, event.outcome) == ("Delegate the weekly report", "Two hours saved")
    assert (event.actor, event.timestamp) == (MENTEE, at(days=3))
    assert rel.counts["advice_applied"] == 1


def test_reporting_progress_records_the_note_and_goal() -> None:
    rel = connected()
    rel.report_progress(note="Led the sprint review", goal_id=GOAL_ID, actor=MENTEE,
                        at=at(days=3))
    event = only_event(rel, Relationship.ProgressReported)
    assert (event.note, event.goal_id) == ("Led the sprint review", GOAL_ID)
    assert (event.actor, event.timestamp) == (MENTEE, at(days=3))
    assert rel.counts["progress_reports"] == 1


def test_expressing_gratitude_records_the_message() -> None:
    rel = connected()
    rel.express_gratitude(message="Thank you for your time", actor=MENTEE, at=at(days=3))
    event = only_event(rel, Relationship.GratitudeExpressed)
    assert event.message == "Thank you for your time"
    assert (event.actor, event.timestamp) == (MENTEE, at(days=3))
    assert rel.counts["gratitude_expressed"] == 1


def test_reviewing_records_both_satisfactions() -> None:
    rel = connected()
    rel.review(mentor_satisfaction=4, mentee_satisfaction=5, notes="Going well",
               actor=MENTEE, at=at(days=90))
    event = only_event(rel, Relationship.Reviewed)
    assert (event.mentor_satisfaction, event.mentee_satisfaction) == (4, 5)
    assert event.notes == "Going well"
    assert (event.actor, event.timestamp) == (MENTEE, at(days=90))
    assert rel.last_review == {"at": at(days=90), "mentor_satisfaction": 4,
                               "mentee_satisfaction": 5}
    assert rel.counts["reviews"] == 1


def test_pausing_puts_the_relationship_on_hold_with_a_reason() -> None:
    rel = connected()
    rel.pause(reason="Parental leave", actor=MENTEE, at=at(days=3))
    event = only_event(rel, Relationship.Paused)
    assert event.reason == "Parental leave"
    assert (event.actor, event.timestamp) == (MENTEE, at(days=3))
    assert (rel.status, rel.pause_reason) == ("paused", "Parental leave")


def test_resuming_makes_a_paused_relationship_active_again() -> None:
    rel = paused()
    rel.resume(actor=MENTEE, at=at(days=30))
    event = only_event(rel, Relationship.Resumed)
    assert (event.actor, event.timestamp) == (MENTEE, at(days=30))
    assert (rel.status, rel.pause_reason) == ("active", "")


def test_concluding_records_reason_and_outcome_and_drops_scheduled_sessions() -> None:
    rel = with_expectations()
    schedule(rel)
    rel.conclude(reason="We met our goals", outcome="goals met", actor=MENTEE, at=at(days=90))
    event = only_event(rel, Relationship.Concluded)
    assert (event.reason, event.outcome) == ("We met our goals", "goals met")
    assert (event.actor, event.timestamp) == (MENTEE, at(days=90))
    assert rel.status == "concluded"
    state = rel.to_dict()
    assert state["conclusion"] == {"reason": "We met our goals", "outcome": "goals met"}
    assert state["concluded_at"] == at(days=90)
    assert rel.scheduled_sessions == {}


def test_a_paused_relationship_can_still_be_concluded() -> None:
    rel = paused()
    rel.conclude(reason="Moved on", outcome="ended early", actor=MENTEE, at=at(days=30))
    only_event(rel, Relationship.Concluded)
    assert rel.status == "concluded"


def test_an_event_never_goes_back_in_time_before_the_previous_one() -> None:
    rel = connected()
    rel.share_experience(kind="success", text="Presented", actor=MENTEE, at=T0)
    event = only_event(rel, Relationship.ExperienceShared)
    assert event.timestamp == at(days=1)


def test_an_event_without_an_explicit_time_is_stamped_now_in_utc() -> None:
    rel = connected()
    rel.share_experience(kind="success", text="Presented", actor=MENTEE)
    event = only_event(rel, Relationship.ExperienceShared)
    assert event.timestamp.utcoffset().total_seconds() == 0
    assert event.timestamp > at(days=1)


def test_held_minutes_count_against_the_month_the_session_was_held_in() -> None:
    rel = with_expectations(cap=120)
    first = schedule(rel, on=at(days=5))
    hold(rel, first, minutes=60, on=at(days=5))
    second = schedule(rel, on=at(days=35))
    hold(rel, second, minutes=60, on=at(days=35))
    assert rel.minutes_by_month == {"2026-03": 60, "2026-04": 60}
