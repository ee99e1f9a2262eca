"""Programs: create, update, close."""

from __future__ import annotations

from datetime import datetime

from application.base import NamedCreation, Outcome, UseCases
from domain.base import ActorLike
from domain.program import Program


class ProgramUseCases(UseCases):
    """The scope everything else belongs to."""

    def create_program(self, *, name: str, description: str | None, actor: ActorLike,
                       at: datetime | None = None, external_id: str | None = None) -> Outcome:
        """Starts a program (``external_id``: the HR system's id for it, unique)."""
        program = Program.create(name=name, description=description, actor=actor, at=at,
                                 external_id=external_id)
        named = NamedCreation(self, "program", program.external_id, str(program.id))
        named.check_free()
        return named.create(program, actor, at)

    def update_program(self, program_id: str, *, name: str | None = None,
                       description: str | None = None, actor: ActorLike,
                       expected_version: int | None = None,
                       at: datetime | None = None) -> Outcome:
        """Renames or redescribes a program."""
        return self._change(Program, program_id, expected_version, lambda program: program.update(
            name=name, description=description, actor=actor, at=at))

    def close_program(self, program_id: str, *, reason: str | None, actor: ActorLike,
                      expected_version: int | None = None, at: datetime | None = None) -> Outcome:
        """Ends a program: nothing new starts in it."""
        return self._change(Program, program_id, expected_version, lambda program: program.close(
            reason=reason, actor=actor, at=at))
