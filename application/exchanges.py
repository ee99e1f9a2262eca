"""What passes between mentor and mentee: feedback, experiences, advice, progress, reviews."""

from __future__ import annotations

from datetime import datetime

from application.base import Attempt, Change, Outcome, UseCases
from domain.base import ActorLike
from domain.errors import InvalidValue, NotFound
from domain.goal import Goal
from domain.relationship import Relationship


class ExchangeUseCases(UseCases):
    """Trust, feedback and the relationship's evolution, as the seed describes them."""

    def receive_feedback(self, relationship_id: str, *, from_role: str, kind: str, text: str,
                         goal_id: str | None = None, actor: ActorLike,
                         expected_version: int | None = None,
                         at: datetime | None = None) -> Outcome:
        """Records feedback from one side, on one of the mentee's goals if ``goal_id`` says
        so; the outcome carries its ``feedback_id``."""
        def receive(attempt: Attempt) -> Change:
            relationship = attempt.load(Relationship, relationship_id, expected_version)
            self._check_mentees_goal(attempt, relationship, goal_id)
            feedback_id = relationship.receive_feedback(
                from_role=from_role, kind=kind, text=text, goal_id=goal_id, actor=actor, at=at)
            return Change(relationship, feedback_id=feedback_id)

        return self._run(receive, expected_version=expected_version)

    def acknowledge_feedback(self, relationship_id: str, feedback_id: str, *, actor: ActorLike,
                             expected_version: int | None = None,
                             at: datetime | None = None) -> Outcome:
        """The receiver says they took the feedback in."""
        return self._change(
            Relationship, relationship_id, expected_version,
            lambda r: r.acknowledge_feedback(feedback_id=feedback_id, actor=actor, at=at))

    def share_experience(self, relationship_id: str, *, kind: str, text: str, actor: ActorLike,
                         expected_version: int | None = None,
                         at: datetime | None = None) -> Outcome:
        """The mentee shares a challenge, a success or a concern."""
        return self._change(
            Relationship, relationship_id, expected_version,
            lambda r: r.share_experience(kind=kind, text=text, actor=actor, at=at))

    def apply_advice(self, relationship_id: str, *, advice: str, outcome: str | None = None,
                     actor: ActorLike, expected_version: int | None = None,
                     at: datetime | None = None) -> Outcome:
        """The mentee put a piece of advice into practice."""
        return self._change(
            Relationship, relationship_id, expected_version,
            lambda r: r.apply_advice(advice=advice, outcome=outcome, actor=actor, at=at))

    def report_progress(self, relationship_id: str, *, note: str, goal_id: str | None = None,
                        actor: ActorLike, expected_version: int | None = None,
                        at: datetime | None = None) -> Outcome:
        """The mentee tells the mentor how far they got (on one of their goals, maybe)."""
        def report(attempt: Attempt) -> Change:
            relationship = attempt.load(Relationship, relationship_id, expected_version)
            self._check_mentees_goal(attempt, relationship, goal_id)
            relationship.report_progress(note=note, goal_id=goal_id, actor=actor, at=at)
            return Change(relationship)

        return self._run(report, expected_version=expected_version)

    def express_gratitude(self, relationship_id: str, *, message: str, actor: ActorLike,
                          expected_version: int | None = None,
                          at: datetime | None = None) -> Outcome:
        """The mentee thanks the mentor."""
        return self._change(
            Relationship, relationship_id, expected_version,
            lambda r: r.express_gratitude(message=message, actor=actor, at=at))

    def review_relationship(self, relationship_id: str, *, mentor_satisfaction: int,
                            mentee_satisfaction: int, notes: str | None = None, actor: ActorLike,
                            expected_version: int | None = None,
                            at: datetime | None = None) -> Outcome:
        """A periodic review: both sides rate the relationship from 1 to 5."""
        return self._change(
            Relationship, relationship_id, expected_version,
            lambda r: r.review(mentor_satisfaction=mentor_satisfaction,
                               mentee_satisfaction=mentee_satisfaction, notes=notes,
                               actor=actor, at=at))

    @staticmethod
    def _check_mentees_goal(attempt: Attempt, relationship: Relationship,
                            goal_id: str | None) -> None:
        """A goal named by feedback or progress is a goal of this mentee in this program."""
        if not goal_id:
            return
        try:
            goal = attempt.check(Goal, goal_id)
        except NotFound:
            goal = None
        if goal is None or (goal.mentee_id, goal.program_id) != (relationship.mentee_id,
                                                                  relationship.program_id):
            raise InvalidValue("goal_id", f"no goal {goal_id} of mentee {relationship.mentee_id}")
