"""Random command sequences on a relationship keep every invariant, and replay rebuilds it."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from domain.errors import DomainError
from domain.relationship import CONNECTED, Relationship, month_of
from tests.domain.builders import MENTEE, MENTOR, PROGRAM_ID, T0

STATUSES = {"requested", "declined", "active", "paused", "concluded"}
SESSION_COMMANDS = {"schedule_session", "hold_session", "cancel_session", "miss_session"}
NEEDS_ACTIVE = {"schedule_session", "hold_session"}
# Which event bumps which counter, and by how much.
COUNTED_BY = {
    "SessionHeld": "sessions_held", "SessionCancelled": "sessions_cancelled",
    "SessionMissed": "sessions_missed", "FeedbackReceived": "feedback_received",
    "FeedbackAcknowledged": "feedback_acknowledged", "ExperienceShared": "experiences_shared",
    "AdviceApplied": "advice_applied", "ProgressReported": "progress_reports",
    "GratitudeExpressed": "gratitude_expressed", "Reviewed": "reviews",
}

# Mostly valid values, with the invalid ones the domain must refuse mixed in.
minutes = st.sampled_from([30, 45, 60, 60, 90, 120, 5, 480, 0, 4, 481])
days_ahead = st.integers(min_value=-3, max_value=75)
role = st.sampled_from(["mentor", "mentee", "mentor", "mentee", "hr"])
text = st.sampled_from(["Delegation", "Visibility at work", "Planning", "  ", "x" * 5001])
satisfaction = st.integers(min_value=0, max_value=6)
UNKNOWN = st.sampled_from(["no-such-id", ""])


class RelationshipMachine(RuleBasedStateMachine):
    sessions = Bundle("sessions")
    feedback = Bundle("feedback")

    def __init__(self) -> None:
        super().__init__()
        self.clock = T0
        self.rel = Relationship.request(program_id=PROGRAM_ID, mentor_id=MENTOR,
                                        mentee_id=MENTEE, message="Would you mentor me?",
                                        actor=MENTEE, at=self.clock)
        self.events: list[Any] = list(self.rel.collect_events())
        self.cap_of_last_hold: dict[str, int | None] = {}
        self.frozen: dict[str, Any] | None = None

    # ---- running a command --------------------------------------------------

    def run(self, command: str, **kwargs: Any) -> Any:
        """Runs a command; a refusal must leave the aggregate exactly as it was."""
        self.clock += timedelta(hours=7)
        status, before = self.rel.status, self.rel.to_dict()
        cap = (self.rel.expectations or {}).get("monthly_minutes_cap")
        try:
            result = getattr(self.rel, command)(actor=MENTEE, at=self.clock, **kwargs)
        except DomainError:
            assert self.rel.pending_events == []
            assert self.rel.to_dict() == before
            return None
        new: list[Any] = list(self.rel.collect_events())
        assert len(new) == 1
        assert new[0].actor == MENTEE
        assert new[0].timestamp == self.clock
        assert new[0].originator_version == before["version"] + 1
        assert status != "concluded", f"{command} changed a concluded relationship"
        if command in SESSION_COMMANDS:
            assert status in CONNECTED, f"{command} ran on a {status} relationship"
        if command in NEEDS_ACTIVE:
            assert status == "active"
        if command == "hold_session":
            self.cap_of_last_hold[month_of(kwargs["held_at"])] = cap
        self.events.extend(new)
        return result

    def when(self, days: int) -> datetime:
        return self.clock + timedelta(days=days)

    # ---- rules ----------------------------------------------------------------

    @initialize(start=st.sampled_from(["requested", "active", "active", "agreed", "agreed"]),
                cap=st.sampled_from([30, 60, 90]))
    def start(self, start: str, cap: int) -> None:
        """Most runs begin connected, with a tight cap, so that sessions meet the cap often."""
        if start != "requested":
            self.run("accept")
        if start == "agreed":
            self.run("set_expectations", meeting_every_days=14, session_minutes=30,
                     monthly_minutes_cap=cap, topics=[], channel="video", review_every_days=90)

    @rule()
    def accept(self) -> None:
        self.run("accept")

    @rule(reason=text)
    def decline(self, reason: str) -> None:
        self.run("decline", reason=reason)

    @rule(every=st.integers(0, 30), session=minutes, cap=st.sampled_from([0, 60, 90, 120, 240]),
          review=st.integers(0, 120), channel=st.sampled_from(["video", "chat", "fax"]))
    def set_expectations(self, every: int, session: int, cap: int, review: int,
                         channel: str) -> None:
        self.run("set_expectations", meeting_every_days=every, session_minutes=session,
                 monthly_minutes_cap=cap, topics=["visibility"], channel=channel,
                 review_every_days=review)

    @rule(target=sessions, days=days_ahead, duration=minutes)
    def schedule_session(self, days: int, duration: int) -> Any:
        session_id = self.run("schedule_session", scheduled_for=self.when(days),
                              duration_minutes=duration, agenda=None)
        return multiple() if session_id is None else session_id

    @rule(session_id=st.one_of(sessions, UNKNOWN), days=days_ahead, duration=minutes,
          on_time=st.booleans())
    def hold_session(self, session_id: str, days: int, duration: int, on_time: bool) -> None:
        self.run("hold_session", session_id=session_id, held_at=self.when(days),
                 duration_minutes=duration, mentee_on_time=on_time, mentee_prepared=True,
                 notes=None)

    @rule(session_id=sessions, duration=st.sampled_from([30, 45, 60]))
    def hold_session_today(self, session_id: str, duration: int) -> None:
        """Holding is the rule with most to check, so it is drawn more often."""
        self.run("hold_session", session_id=session_id, held_at=self.clock,
                 duration_minutes=duration, mentee_on_time=True, mentee_prepared=False,
                 notes="Roadmap")

    @rule(session_id=st.one_of(sessions, UNKNOWN), by=role)
    def cancel_session(self, session_id: str, by: str) -> None:
        self.run("cancel_session", session_id=session_id, cancelled_by=by, reason=None)

    @rule(session_id=st.one_of(sessions, UNKNOWN), by=role)
    def miss_session(self, session_id: str, by: str) -> None:
        self.run("miss_session", session_id=session_id, missed_by=by)

    @rule(target=feedback, by=role, kind=st.sampled_from(["praise", "constructive", "rant"]),
          words=text)
    def receive_feedback(self, by: str, kind: str, words: str) -> Any:
        feedback_id = self.run("receive_feedback", from_role=by, kind=kind, text=words,
                               goal_id=None)
        return multiple() if feedback_id is None else feedback_id

    @rule(feedback_id=st.one_of(feedback, UNKNOWN))
    def acknowledge_feedback(self, feedback_id: str) -> None:
        self.run("acknowledge_feedback", feedback_id=feedback_id)

    @rule(kind=st.sampled_from(["challenge", "success", "concern", "gossip"]), words=text)
    def share_experience(self, kind: str, words: str) -> None:
        self.run("share_experience", kind=kind, text=words)

    @rule(advice=text)
    def apply_advice(self, advice: str) -> None:
        self.run("apply_advice", advice=advice, outcome=None)

    @rule(note=text)
    def report_progress(self, note: str) -> None:
        self.run("report_progress", note=note, goal_id=None)

    @rule(message=text)
    def express_gratitude(self, message: str) -> None:
        self.run("express_gratitude", message=message)

    @rule(mentor=satisfaction, mentee=satisfaction)
    def review(self, mentor: int, mentee: int) -> None:
        self.run("review", mentor_satisfaction=mentor, mentee_satisfaction=mentee, notes=None)

    @rule()
    def pause(self) -> None:
        self.run("pause", reason=None)

    @rule()
    def resume(self) -> None:
        self.run("resume")

    @precondition(lambda self: len(self.events) > 8)  # let most runs live a while first
    @rule(outcome=st.sampled_from(["goals met", ""]))
    def conclude(self, outcome: str) -> None:
        self.run("conclude", reason="Done", outcome=outcome)
        if self.rel.status == "concluded" and self.frozen is None:
            self.frozen = self.rel.to_dict()

    # ---- invariants -------------------------------------------------------------

    @invariant()
    def status_is_one_of_the_five(self) -> None:
        assert self.rel.status in STATUSES

    @invariant()
    def no_month_passes_the_cap_agreed_when_its_last_session_was_held(self) -> None:
        for month, used in self.rel.minutes_by_month.items():
            cap = self.cap_of_last_hold[month]
            assert cap is None or used <= cap, (month, used, cap)

    @invariant()
    def a_concluded_relationship_never_changes(self) -> None:
        if self.frozen is not None:
            assert self.rel.to_dict() == self.frozen

    @invariant()
    def counters_match_the_events(self) -> None:
        names = Counter(type(e).__name__ for e in self.events)
        counts = self.rel.counts
        for event_name, counter in COUNTED_BY.items():
            assert counts[counter] == names[event_name], counter
        no_shows = sum(1 for e in self.events
                       if isinstance(e, Relationship.SessionMissed) and e.missed_by == "mentee")
        assert counts["mentee_no_shows"] == no_shows
        assert len(self.rel.unacknowledged_feedback) == (
            counts["feedback_received"] - counts["feedback_acknowledged"])
        held = sum(e.duration_minutes for e in self.events
                   if isinstance(e, Relationship.SessionHeld))
        assert sum(self.rel.minutes_by_month.values()) == held
        settled_sessions = (counts["sessions_held"] + counts["sessions_cancelled"]
                            + counts["sessions_missed"])
        if self.rel.status != "concluded":
            assert len(self.rel.scheduled_sessions) == names["SessionScheduled"] - settled_sessions

    @invariant()
    def versions_follow_the_events(self) -> None:
        assert [e.originator_version for e in self.events] == list(
            range(1, len(self.events) + 1))
        assert self.rel.version == len(self.events)

    @invariant()
    def replaying_the_events_rebuilds_the_same_state(self) -> None:
        state: Any = None
        for event in self.events:
            state = event.mutate(state)
        assert state.to_dict() == self.rel.to_dict()


RelationshipMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=50, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRelationshipCommandSequences = RelationshipMachine.TestCase
