"""A realistic program generated through the application service: a year of mentoring."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from application.service import MentoringService
from domain.errors import (
    DomainError,
    MentorCapacityExceeded,
    MentorMonthlyMinutesExceeded,
    MonthlyTimeCapExceeded,
)

SKILLS = ("python", "leadership", "public speaking", "data analysis", "product management",
          "negotiation", "career planning", "cloud architecture", "design", "sales")
AREAS = ("career", "leadership", "technical", "communication", "well-being")
TOPICS = ("career path", "technical growth", "team dynamics", "visibility", "work-life balance")
CHANNELS = ("video", "in_person", "phone", "chat")
MESSAGES = (
    "I admire how you grew the data team; would you mentor me as I move into leadership?",
    "Your talk on architecture stayed with me. I would love to learn from your experience.",
    "I am preparing to lead my first project and would value your guidance.",
)
FEEDBACK = ("Your preparation made the session focused.", "Try to delegate the status report.",
            "Great progress on the presentation.", "Ask for feedback earlier in the project.")
EXPERIENCES = {"challenge": "A conflict in my team about priorities.",
               "success": "I presented the roadmap to the directors.",
               "concern": "I am not sure my manager supports the move."}
ACTOR = "demo"
# The mentor's own limit and the pair's agreed cap: a full month refuses a session.
MONTH_FULL = (MonthlyTimeCapExceeded, MentorMonthlyMinutesExceeded)
# A script yields when it wants to act next and is sent the time it wakes at.
Script = Generator[datetime, datetime, None]
# In a program of ten mentees or more, the first three struggle in a way the at-risk
# rules name (the others may too, by chance): started this many days before the end.
PERSONAS = {"silent": 40, "no_show": 90, "late": 70, "fading": 250, "unreviewed": 130,
            "unanswered": 20}


@dataclass
class DemoReport:
    """What the generator wrote."""

    programs: int = 0
    mentors: int = 0
    relationships: int = 0
    goals: int = 0
    departures: int = 0
    refused: dict[str, int] = field(default_factory=dict)


class DemoProgram:
    """Plays out mentors, mentees and their relationships in time order."""

    def __init__(self, service: MentoringService, *, mentors: int, mentees: int, months: int,
                 seed: int = 7, now: datetime | None = None) -> None:
        self.service, self.random = service, random.Random(seed)
        self.mentors, self.mentees, self.months = mentors, mentees, months
        self.now = now or datetime.now(tz=UTC)
        self.start = self.now - timedelta(days=30 * months)
        self.report = DemoReport()
        self._queue: list[tuple[datetime, int, Script]] = []
        self._counter = 0
        self.departed: set[str] = set()

    def run(self, progress: Callable[[int], None] = lambda _: None) -> DemoReport:
        """Generates everything; calls ``progress`` with the number of actions done."""
        self._spawn(self._program(), self.start)
        while self._queue:
            at, _, script = heapq.heappop(self._queue)
            try:
                next_at = script.send(at)
            except StopIteration:
                continue
            except DomainError as refused:
                self._refused(refused)
                continue
            progress(1)
            if next_at <= self.now:
                self._push(next_at, script)
        return self.report

    def _refused(self, refused: DomainError) -> None:
        self.report.refused[refused.rule] = self.report.refused.get(refused.rule, 0) + 1

    def _spawn(self, script: Script, at: datetime) -> None:
        next(script)  # prime the generator up to its first yield
        self._push(at, script)

    def _push(self, at: datetime, script: Script) -> None:
        self._counter += 1
        heapq.heappush(self._queue, (at, self._counter, script))

    # Each script is a generator: it receives the current time and yields when to wake next.

    def _program(self) -> Script:
        at = yield self.start
        program = self.service.create_program(
            name="Leadership mentoring", description="Year-long mentoring for new team leads",
            actor=ACTOR, at=at)
        self.report.programs += 1
        mentor_ids = [f"emp-m{i:04d}" for i in range(self.mentors)]
        for person in mentor_ids:
            at = yield at + timedelta(minutes=5)
            self.service.register_mentor(
                program_id=program.id, person_id=person,
                skills=self.random.sample(SKILLS, 3), capacity=self.random.randint(2, 4),
                monthly_minutes=self.random.choice((120, 180, 240)),
                experience_years=self.random.randint(3, 25), bio="Engineering manager",
                actor=ACTOR, at=at)
            self.report.mentors += 1
        personas = list(PERSONAS) if self.mentees >= 10 else []
        for index in range(self.mentees):
            mentee = f"emp-e{index:05d}"
            begins = at + timedelta(days=self.random.uniform(0, 30 * self.months * 0.95))
            persona = personas[index] if index < len(personas) else None
            if persona is not None:
                begins = max(at, self.now - timedelta(days=PERSONAS[persona]))
            self._spawn(self._relationship(program.id, mentee, mentor_ids, persona), begins)
        if self.mentees >= 10:  # someone leaves the company three weeks before the end
            self._spawn(self._departure(f"emp-e{self.random.randrange(self.mentees):05d}"),
                        self.now - timedelta(days=21))
        yield at + timedelta(days=1)

    def _departure(self, person: str) -> Script:
        at = yield self.start
        self.departed.add(person)
        self.service.person_left(person, actor="hr-system", at=at)
        self.report.departures += 1

    def _relationship(self, program_id: str, mentee: str, mentor_ids: list[str],
                      persona: str | None = None) -> Script:
        """One mentee's story; a ``persona`` (see PERSONAS) takes the struggling path:
        ``silent`` never agrees expectations, ``no_show`` stops coming to sessions,
        ``late`` comes late and unprepared, ``fading`` reviews high then low,
        ``unreviewed`` never reviews, ``unanswered`` asks and hears nothing back."""
        rnd, service = self.random, self.service
        at = yield self.start
        goal = service.define_goal(
            program_id=program_id, mentee_id=mentee, title="Lead a team of five",
            success_criteria="Runs the team's planning and one-to-ones alone",
            target_date=(at + timedelta(days=rnd.randint(120, 360))).date(),
            area=rnd.choice(AREAS), actor=mentee, at=at)
        self.report.goals += 1
        at = yield at + timedelta(hours=rnd.randint(1, 48))
        rel = service.request_relationship(
            program_id=program_id, mentor_id=rnd.choice(mentor_ids), mentee_id=mentee,
            message=rnd.choice(MESSAGES), actor=mentee, at=at)
        self.report.relationships += 1
        slow_answer = rnd.random() < 0.08  # some requests wait weeks for an answer
        at = yield at + timedelta(days=rnd.uniform(10, 30) if slow_answer
                                  else rnd.uniform(0.5, 4))
        chance = rnd.random if persona is None else (lambda: 1.0)
        if mentee in self.departed or chance() < 0.04 or persona == "unanswered":
            return  # a request nobody answers
        if chance() < 0.05:
            service.withdraw_request(rel.id, reason="Found a mentor in my own team",
                                     actor=mentee, at=at)
            return
        if chance() < 0.1:
            service.decline_relationship(rel.id, reason="No time this quarter",
                                         actor=ACTOR, at=at)
            return
        try:
            service.accept_relationship(rel.id, actor=ACTOR, at=at)
        except MentorCapacityExceeded as refused:
            self._refused(refused)
            service.decline_relationship(rel.id, reason="My mentoring places are full",
                                         actor=ACTOR, at=at)
            return
        service.link_goal(goal.id, relationship_id=rel.id, actor=mentee, at=at)
        every = rnd.choice((7, 14, 14, 21, 30)) if persona is None else 7
        minutes = rnd.choice((30, 45, 60))
        at = yield at + timedelta(days=rnd.choice((1, 3, 7, 20)) if persona is None else 2)
        if mentee in self.departed or chance() < 0.03 or persona == "silent":
            return  # they never agree how to work together
        service.set_expectations(
            rel.id, meeting_every_days=every, session_minutes=minutes,
            monthly_minutes_cap=minutes * max(2, 31 // every), topics=rnd.sample(TOPICS, 2),
            channel=rnd.choice(CHANNELS), review_every_days=90, actor=mentee, at=at)
        engagement = rnd.random()  # some relationships thrive, some fade
        lasts = timedelta(days=rnd.randint(120, 360) if persona is None else 400)
        ends, next_review, progress = at + lasts, at + timedelta(days=90), 0
        sessions = reviews = 0
        while at < ends:
            at = yield at + timedelta(days=every * rnd.uniform(0.8, 1.2 + (1 - engagement)))
            if mentee in self.departed:
                return  # the departure concluded the relationship
            sessions += 1
            # The no-show mentee comes once, then stops coming; the late one comes late.
            absent = persona == "no_show" and sessions > 1
            at = yield from self._session(rel.id, at, minutes, engagement, absent=absent,
                                          late=persona == "late")
            at = yield at + timedelta(hours=2)
            at = yield from self._between_sessions(rel.id, goal.id, mentee, at, engagement)
            if progress < 100 and rnd.random() < 0.6:
                progress = min(100, progress + rnd.randint(8, 25))
                service.record_goal_progress(goal.id, percent=progress,
                                     note="Ran the planning meeting", actor=mentee, at=at)
            if at >= next_review and persona != "unreviewed":
                next_review = at + timedelta(days=90)
                reviews += 1
                mentor_score = rnd.randint(2, 5)
                mentee_score = max(1, min(5, round(1 + 4 * engagement + rnd.gauss(0, 1))))
                if persona == "fading":
                    mentor_score = mentee_score = 5 if reviews == 1 else 2
                service.review_relationship(
                    rel.id, mentor_satisfaction=mentor_score, mentee_satisfaction=mentee_score,
                    notes="Quarterly review", actor=mentee, at=at)
            if chance() < 0.03:
                service.pause_relationship(rel.id, reason="Parental leave",
                                             actor=mentee, at=at)
                if rnd.random() < 0.3:
                    return  # a pause nobody ends
                at = yield at + timedelta(days=rnd.randint(14, 45))
                if mentee in self.departed:
                    return
                service.resume_relationship(rel.id, actor=mentee, at=at)
            if rnd.random() < 0.05:
                service.revise_goal(goal.id, reason="The team grew",
                                     success_criteria="Leads a team of eight",
                                     actor=mentee, at=at)
        achieved = progress >= 80
        if achieved:
            service.achieve_goal(goal.id, note="Done", actor=mentee, at=at)
        else:
            service.abandon_goal(goal.id, reason="Changed role", actor=mentee, at=at)
        service.conclude_relationship(
            rel.id, reason="We reached what we set out to do", actor=mentee, at=at,
            outcome="goals met" if achieved else "ended early")

    def _session(self, rel_id: str, at: datetime, minutes: int, engagement: float, *,
                 absent: bool = False, late: bool = False
                 ) -> Generator[datetime, datetime, datetime]:
        rnd, service = self.random, self.service
        try:
            booked = service.schedule_session(
                rel_id, scheduled_for=at + timedelta(days=3),
                duration_minutes=minutes, agenda="Progress and next steps", actor=ACTOR, at=at)
        except MONTH_FULL as refused:
            self._refused(refused)  # the limits hold: this month is full
            return at
        session_id = (booked.extra or {})["session_id"]
        at = yield at + timedelta(days=3)
        roll = rnd.random()
        if absent:
            service.miss_session(rel_id, session_id=session_id, missed_by="mentee",
                                 actor=ACTOR, at=at)
        elif roll < 0.06 + 0.1 * (1 - engagement) and not late:
            service.miss_session(rel_id, session_id=session_id,
                                         missed_by=rnd.choice(("mentee", "mentor")),
                                         actor=ACTOR, at=at)
        elif roll < 0.15 + 0.1 * (1 - engagement) and not late:
            service.cancel_session(rel_id, session_id=session_id,
                                         cancelled_by=rnd.choice(("mentee", "mentor")),
                                         reason="Travel", actor=ACTOR, at=at)
        else:
            try:
                service.hold_session(
                    rel_id, session_id=session_id, held_at=at,
                    duration_minutes=minutes, mentee_on_time=rnd.random() < 0.85 and not late,
                    mentee_prepared=rnd.random() < 0.5 + engagement / 2 and not late,
                    notes="Discussed delegation", actor=ACTOR, at=at)
            except MONTH_FULL as refused:  # the mentor's other mentees used the month
                self._refused(refused)
                service.cancel_session(rel_id, session_id=session_id, cancelled_by="mentor",
                                       reason="My mentoring time this month is used up",
                                       actor=ACTOR, at=at)
        return at

    def _between_sessions(self, rel_id: str, goal_id: str, mentee: str, at: datetime,
                          engagement: float) -> Generator[datetime, datetime, datetime]:
        rnd, service = self.random, self.service
        if rnd.random() < 0.5:
            feedback = service.receive_feedback(
                rel_id, from_role="mentor",
                kind=rnd.choice(("constructive", "praise")), text=rnd.choice(FEEDBACK),
                goal_id=goal_id, actor=ACTOR, at=at)
            at = yield at + timedelta(hours=rnd.randint(1, 72))
            if rnd.random() < 0.8:
                service.acknowledge_feedback(
                    rel_id,
                    feedback_id=(feedback.extra or {})["feedback_id"], actor=mentee, at=at)
        if rnd.random() < 0.3:
            kind = rnd.choice(tuple(EXPERIENCES))
            service.share_experience(rel_id, kind=kind,
                                         text=EXPERIENCES[kind], actor=mentee, at=at)
        if rnd.random() < 0.25 * engagement:
            service.apply_advice(rel_id,
                                         advice="Delegate the weekly report",
                                         outcome="Saved two hours a week", actor=mentee, at=at)
        if rnd.random() < 0.2:
            service.report_progress(rel_id, goal_id=goal_id,
                                         note="Led the sprint review", actor=mentee, at=at)
        if rnd.random() < 0.1:
            service.express_gratitude(rel_id,
                                         message="Thank you for your time", actor=mentee, at=at)
        return at
