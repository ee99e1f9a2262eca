"""Mentor profiles: register, update, change capacity, retire."""

from __future__ import annotations

from datetime import datetime

from application.base import Attempt, NamedCreation, Outcome, UseCases, profile_id
from domain.base import ActorLike
from domain.errors import AlreadyExists
from domain.mentor_profile import MentorProfile


class MentorUseCases(UseCases):
    """Who can mentor in a program, on what, and how much."""

    def register_mentor(self, *, program_id: str, person_id: str, skills: list[str],
                        capacity: int, monthly_minutes: int, experience_years: int = 0,
                        bio: str | None = None, actor: ActorLike,
                        at: datetime | None = None, external_id: str | None = None) -> Outcome:
        """A person offers to mentor in a program (``external_id``: the HR system's id for
        the profile, unique in the program)."""
        self._open_program(Attempt(self.store, trust_cache=False), program_id)
        if self.store.events_of(profile_id(program_id, person_id), lte=1):
            raise AlreadyExists(f"{person_id} is already a mentor in program {program_id}")
        mentor = MentorProfile.register(
            program_id=program_id, person_id=person_id, skills=skills, capacity=capacity,
            monthly_minutes=monthly_minutes, experience_years=experience_years, bio=bio,
            actor=actor, at=at, external_id=external_id)
        named = NamedCreation(self, "mentor", mentor.external_id, mentor.program_id)
        named.check_free()
        return named.create(mentor, actor, at)

    def update_mentor(self, program_id: str, person_id: str, *,
                      skills: list[str] | None = None, experience_years: int | None = None,
                      monthly_minutes: int | None = None, bio: str | None = None, actor: ActorLike,
                      expected_version: int | None = None,
                      at: datetime | None = None) -> Outcome:
        """Changes what a mentor offers."""
        return self._change(
            MentorProfile, profile_id(program_id, person_id), expected_version,
            lambda mentor: mentor.update(skills=skills, experience_years=experience_years,
                                         monthly_minutes=monthly_minutes, bio=bio,
                                         actor=actor, at=at))

    def change_mentor_capacity(self, program_id: str, person_id: str, *, capacity: int,
                               actor: ActorLike, expected_version: int | None = None,
                               at: datetime | None = None) -> Outcome:
        """Sets how many active mentees a mentor takes."""
        return self._change(
            MentorProfile, profile_id(program_id, person_id), expected_version,
            lambda mentor: mentor.change_capacity(capacity=capacity, actor=actor, at=at))

    def retire_mentor(self, program_id: str, person_id: str, *, reason: str | None,
                      actor: ActorLike, expected_version: int | None = None,
                      at: datetime | None = None) -> Outcome:
        """A mentor stops taking mentees."""
        return self._change(
            MentorProfile, profile_id(program_id, person_id), expected_version,
            lambda mentor: mentor.retire(reason=reason, actor=actor, at=at))
