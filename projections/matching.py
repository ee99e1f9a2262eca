"""Reading the mentor directory: what each mentor has left, and suggestions for a goal.

Score = 0.6 x skill fit + 0.25 x share of capacity left + 0.15 x share of this month's
minutes left. Skill fit is 1 when two or more of the mentor's skills match the goal's
area or title keywords, 0.5 for one, 0 for none. Mentors with no place left are listed
after those who can take the mentee. Every part of the score is returned as data.
"""

from __future__ import annotations

from typing import Any

from infrastructure.sql import TranslatingCursor
from projections.mentor_directory import GOALS, MENTORS, MINUTES, keywords
from projections.sql import chunks, in_clause, read_rows

WEIGHTS = {"skill_fit": 0.6, "capacity": 0.25, "hours": 0.15}
FULL_FIT_SKILLS = 2


def mentors_of_program(cursor: TranslatingCursor, tables: dict[str, str], program_id: str,
                       month: str, *, after: str | None = None,
                       limit: int | None = None) -> list[dict[str, Any]]:
    """The mentors of a program by person id (up to ``limit`` after the person id
    ``after``), with capacity and minutes left in ``month``."""
    where, params = "program_id = %s", [program_id]
    if after is not None:
        where += " AND person_id > %s"
        params.append(after)
    order = "person_id" + (f" LIMIT {int(limit)}" if limit is not None else "")
    mentors = read_rows(cursor, MENTORS, tables[MENTORS.name], where, params, order=order)
    minutes: dict[str, int] = {}
    for part in chunks([m["mentor_key"] for m in mentors]):
        clause, values = in_clause(cursor.kind, "mentor_key", list(part))
        minutes.update(
            (row["mentor_key"], row["minutes"]) for row in read_rows(
                cursor, MINUTES, tables[MINUTES.name], f"{clause} AND month = %s",
                [*values, month]))
    return [describe(m, minutes.get(m["mentor_key"], 0), month) for m in mentors]


def describe(mentor: dict[str, Any], used: int, month: str) -> dict[str, Any]:
    return {
        "mentor_profile_id": mentor["mentor_key"], "program_id": mentor["program_id"],
        "person_id": mentor["person_id"], "skills": mentor["skills"],
        "experience_years": mentor["experience_years"], "retired": mentor["retired"],
        "capacity": mentor["capacity"], "active_mentees": mentor["active_mentees"],
        "capacity_left": max(mentor["capacity"] - mentor["active_mentees"], 0),
        "month": month, "monthly_minutes": mentor["monthly_minutes"], "minutes_used": used,
        "minutes_left": max(mentor["monthly_minutes"] - used, 0),
    }


def goal_of(cursor: TranslatingCursor, tables: dict[str, str],
            goal_id: str) -> dict[str, Any] | None:
    rows = read_rows(cursor, GOALS, tables[GOALS.name], "goal_id = %s", [goal_id])
    return rows[0] if rows else None


def words_match(skill_word: str, goal_word: str) -> bool:
    if skill_word == goal_word:
        return True
    shorter, longer = sorted((skill_word, goal_word), key=len)
    return len(shorter) >= 4 and longer.startswith(shorter)  # "lead" ~ "leadership"


def matched_skills(skills: list[str], goal_words: list[str]) -> list[str]:
    return [s for s in skills
            if any(words_match(w, g) for w in keywords(s) for g in goal_words)]


def suggest(goal: dict[str, Any], mentors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mentors of the goal's program ranked for it, each with its score explained."""
    ranked = []
    for mentor in mentors:
        if mentor["retired"] or mentor["person_id"] == goal["mentee_id"]:
            continue
        matched = matched_skills(mentor["skills"], goal["keywords"])
        parts = {
            "skill_fit": {"value": min(len(matched) / FULL_FIT_SKILLS, 1.0),
                          "matched_skills": matched, "goal_keywords": goal["keywords"]},
            "capacity": {"value": share(mentor["capacity_left"], mentor["capacity"]),
                         "capacity_left": mentor["capacity_left"],
                         "capacity": mentor["capacity"]},
            "hours": {"value": share(mentor["minutes_left"], mentor["monthly_minutes"]),
                      "minutes_left": mentor["minutes_left"],
                      "monthly_minutes": mentor["monthly_minutes"]},
        }
        for name, part in parts.items():
            part["weight"] = WEIGHTS[name]
            part["points"] = round(part["value"] * WEIGHTS[name], 4)
        ranked.append({
            "person_id": mentor["person_id"], "mentor_profile_id": mentor["mentor_profile_id"],
            "score": round(sum(p["points"] for p in parts.values()), 4),
            "available": mentor["capacity_left"] > 0, "explanation": parts,
        })
    ranked.sort(key=lambda s: (not s["available"], -s["score"], s["person_id"]))
    return ranked


def share(left: int, total: int) -> float:
    return round(left / total, 4) if total else 0.0
