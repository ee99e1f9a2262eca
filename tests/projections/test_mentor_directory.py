"""The mentor directory and mentor suggestions, with the score explained."""

from __future__ import annotations

from mentoring.bootstrap import Runtime
from tests.projections.scenario import NOW, Scenario


def test_directory_shows_capacity_and_minutes_left_this_month(
    runtime: Runtime, scenario: Scenario
) -> None:
    listing = {m["person_id"]: m for m in
               runtime.read_models().mentor_directory(scenario.program, NOW)}
    assert set(listing) == {"m1", "m2", "m3"}
    m1, m2 = listing["m1"], listing["m2"]
    assert (m1["capacity_left"], m1["minutes_used"], m1["minutes_left"]) == (0, 105, 135)
    assert (m2["capacity_left"], m2["minutes_used"], m2["minutes_left"]) == (1, 60, 60)
    assert listing["m3"]["retired"] is True
    february = {m["person_id"]: m for m in runtime.read_models().mentor_directory(
        scenario.program, NOW.replace(month=2, day=2))}
    assert february["m1"]["minutes_left"] == 240


def test_suggests_by_skill_fit_capacity_and_hours_left(
    runtime: Runtime, scenario: Scenario
) -> None:
    title = runtime.service.goal(scenario.g[3])["title"]
    found = runtime.read_models().suggest_mentors(scenario.g[3], NOW, title)
    assert found is not None
    assert found["mentee_id"] == "e4"
    first, second = found["items"]  # m3 has retired
    assert (first["person_id"], first["score"], first["available"]) == ("m2", 0.925, True)
    fit = first["explanation"]["skill_fit"]
    assert fit["matched_skills"] == ["data analysis", "python"]
    assert fit["goal_keywords"] == ["data", "pipeline", "python", "ship", "technical"]
    assert first["explanation"]["hours"] == {"value": 0.5, "minutes_left": 60,
                                             "monthly_minutes": 120, "weight": 0.15,
                                             "points": 0.075}
    # m1: no matching skill, no place left, 135 of 240 minutes left.
    assert (second["person_id"], second["score"], second["available"]) == ("m1", 0.0844, False)


def test_unknown_goal_has_no_suggestions(runtime: Runtime, scenario: Scenario) -> None:
    assert runtime.read_models().suggest_mentors("no-such-goal") is None


def test_goal_titles_count_for_the_fit_but_are_never_stored(
    runtime: Runtime, scenario: Scenario
) -> None:
    found = runtime.read_models().suggest_mentors(scenario.g[3], NOW)
    assert found is not None
    assert found["items"][0]["explanation"]["skill_fit"]["goal_keywords"] == ["technical"]
    with runtime.sql.transaction(write=False) as cursor:
        stored = cursor.execute("SELECT keywords FROM directory_goals_v1").fetchall()
    assert all("pipeline" not in row[0] for row in stored)


def test_directory_pages_by_person_id(runtime: Runtime, scenario: Scenario) -> None:
    models = runtime.read_models()
    pages, cursor = [], None
    while True:
        page = models.mentor_directory_page(scenario.program, NOW, limit=2, cursor=cursor)
        pages.append([m["person_id"] for m in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == [["m1", "m2"], ["m3"]]
    assert [m["person_id"] for m in models.mentor_directory(scenario.program, NOW)] == [
        "m1", "m2", "m3"]
