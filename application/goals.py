"""Goals: defined, linked to a relationship, revised, progressed, achieved or abandoned."""

from __future__ import annotations

from datetime import date, datetime

from application.base import Attempt, Change, NamedCreation, Outcome, UseCases
from domain.base import ActorLike
from domain.errors import NotFound
from domain.goal import Goal
from domain.relationship import Relationship


class GoalUseCases(UseCases):
    """What the mentee wants to achieve, as their needs evolve."""

    def define_goal(self, *, program_id: str, mentee_id: str, title: str,
                    success_criteria: str, target_date: date, area: str | None = None,
                    relationship_id: str | None = None, actor: ActorLike,
                    at: datetime | None = None, external_id: str | None = None) -> Outcome:
        """The mentee writes down a goal, optionally for one of their relationships
        (``external_id``: the HR system's id for it, unique in the program)."""
        attempt = Attempt(self.store, trust_cache=False)
        self._open_program(attempt, program_id)
        if relationship_id:
            self._check_goal_fits(attempt, relationship_id, program_id, mentee_id)
        goal = Goal.define(
            program_id=program_id, mentee_id=mentee_id, title=title,
            success_criteria=success_criteria, target_date=target_date, area=area,
            relationship_id=relationship_id, actor=actor, at=at, external_id=external_id)
        named = NamedCreation(self, "goal", goal.external_id, goal.program_id)
        named.check_free()
        return named.create(goal, actor, at)

    def link_goal(self, goal_id: str, *, relationship_id: str, actor: ActorLike,
                  expected_version: int | None = None, at: datetime | None = None) -> Outcome:
        """Ties a goal to a relationship of the same mentee that works on it."""
        def link(attempt: Attempt) -> Change:
            goal = attempt.load(Goal, goal_id, expected_version)
            self._check_goal_fits(attempt, relationship_id, goal.program_id, goal.mentee_id)
            goal.link_to(relationship_id=relationship_id, actor=actor, at=at)
            return Change(goal)

        return self._run(link, expected_version=expected_version)

    def revise_goal(self, goal_id: str, *, reason: str, title: str | None = None,
                    success_criteria: str | None = None, target_date: date | None = None,
                    actor: ActorLike, expected_version: int | None = None,
                    at: datetime | None = None) -> Outcome:
        """Changes a goal as the mentee's needs evolve, saying why."""
        return self._change(Goal, goal_id, expected_version, lambda goal: goal.revise(
            reason=reason, title=title, success_criteria=success_criteria,
            target_date=target_date, actor=actor, at=at))

    def record_goal_progress(self, goal_id: str, *, percent: int, note: str | None = None,
                             actor: ActorLike, expected_version: int | None = None,
                             at: datetime | None = None) -> Outcome:
        """Records how far along a goal is, 0 to 100."""
        return self._change(Goal, goal_id, expected_version, lambda goal: goal.record_progress(
            percent=percent, note=note, actor=actor, at=at))

    def achieve_goal(self, goal_id: str, *, note: str | None = None, actor: ActorLike,
                     expected_version: int | None = None, at: datetime | None = None) -> Outcome:
        """The goal's success criteria are met."""
        return self._change(Goal, goal_id, expected_version, lambda goal: goal.achieve(
            note=note, actor=actor, at=at))

    def abandon_goal(self, goal_id: str, *, reason: str, actor: ActorLike,
                     expected_version: int | None = None, at: datetime | None = None) -> Outcome:
        """The mentee drops a goal."""
        return self._change(Goal, goal_id, expected_version, lambda goal: goal.abandon(
            reason=reason, actor=actor, at=at))

    @staticmethod
    def _check_goal_fits(attempt: Attempt, relationship_id: str, program_id: str,
                         mentee_id: str) -> None:
        relationship = attempt.check(Relationship, relationship_id)
        if relationship.program_id != program_id or relationship.mentee_id != mentee_id:
            raise NotFound(f"no relationship {relationship_id} of mentee {mentee_id}")
