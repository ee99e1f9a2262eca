"""The application service: every use case of the mentoring domain, on one event store."""

from __future__ import annotations

from application.base import Outcome
from application.departures import DepartureUseCases
from application.exchanges import ExchangeUseCases
from application.goals import GoalUseCases
from application.history import HistoryQueries
from application.mentors import MentorUseCases
from application.personal_data import PersonalDataUseCases
from application.programs import ProgramUseCases
from application.relationships import RelationshipUseCases
from application.sessions import SessionUseCases

__all__ = ["MentoringService", "Outcome"]


class MentoringService(
    DepartureUseCases,
    ProgramUseCases,
    MentorUseCases,
    RelationshipUseCases,
    SessionUseCases,
    ExchangeUseCases,
    GoalUseCases,
    PersonalDataUseCases,
    HistoryQueries,
):
    """All mentoring commands and queries: one typed method per use case."""

    def close(self) -> None:
        """Stops the store's committer thread and closes its connections."""
        self.store.close()
