"""The web page over plain HTTP: log-in, cookie, scope, roles, errors, tables without JS."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from infrastructure.api_keys import KeyStore
from mentoring.bootstrap import Runtime, build_runtime
from mentoring.demo import DemoProgram
from mentoring.settings import Settings
from projections.catalog import READ_MODELS
from projections.risk_rules import CODES
from tests.api.driver import ADMIN_SECRET
from tests.dashboard.conftest import DEMO_END, log_in

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def program_id(runtime: Runtime) -> str:
    return str(runtime.read_models().program_ids(limit=1)["items"][0]["id"])


def test_home_leads_to_the_dashboard_which_asks_for_a_key(browser_client: TestClient) -> None:
    home = browser_client.get("/")
    assert home.status_code == 307 and home.headers["location"] == "/dashboard"
    page = browser_client.get("/dashboard/programs/x?as_of=2026-01-01T00:00")
    assert page.status_code == 303
    assert page.headers["location"] == ("/dashboard/login?next=/dashboard/programs/x%3Fas_of"
                                         "%3D2026-01-01T00%3A00")
    form = browser_client.get(page.headers["location"])
    assert form.status_code == 200 and 'name="api_key"' in form.text
    assert 'value="/dashboard/programs/x?as_of=2026-01-01T00:00"' in form.text


def test_log_in_sets_a_strict_http_only_cookie_and_log_out_clears_it(
        browser_client: TestClient) -> None:
    answer = browser_client.post("/dashboard/login",
                                 data={"api_key": "mk_wrong_key", "next": "/dashboard"})
    assert answer.status_code == 401 and "unknown or revoked API key" in answer.text
    answer = browser_client.post("/dashboard/login",
                                 data={"api_key": "x" * 5000, "next": "/dashboard"})
    assert answer.status_code == 401
    log_in(browser_client)
    cookie = browser_client.cookies.jar
    [session] = [c for c in cookie if c.name == "mentoring_session"]
    assert session.path == "/dashboard"
    assert session.has_nonstandard_attr("HttpOnly")
    assert session.get_nonstandard_attr("SameSite") in ("strict", "Strict")
    programs = browser_client.get("/dashboard")
    assert programs.status_code == 200 and "Leadership mentoring" in programs.text
    out = browser_client.post("/dashboard/logout")
    assert out.status_code == 303 and out.headers["location"] == "/dashboard/login"
    assert browser_client.get("/dashboard").status_code == 303


def test_every_page_has_a_content_security_policy_and_no_outside_resources(
        browser_client: TestClient, runtime: Runtime) -> None:
    log_in(browser_client)
    program = program_id(runtime)
    relationship = runtime.read_models().at_risk(program, limit=1)["items"][0]["relationship_id"]
    for path in ("/dashboard", f"/dashboard/programs/{program}",
                 f"/dashboard/programs/{program}/at-risk",
                 f"/dashboard/programs/{program}/mentors",
                 f"/dashboard/relationships/{relationship}"):
        page = browser_client.get(path)
        assert page.status_code == 200, (path, page.text)
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert page.headers["cache-control"] == "no-store"
        # Everything from this origin: no CDN, no inline script or style.
        assert not re.search(r'(src|href)="(https?:)?//', page.text), path
        assert "<script>" not in page.text and "style=" not in page.text
    for asset in ("dashboard.css", "dashboard.js", "favicon.svg"):
        served = browser_client.get(f"/dashboard/static/{asset}")
        assert served.status_code == 200 and len(served.content) > 100


def test_pages_read_what_the_api_reads(browser_client: TestClient, runtime: Runtime) -> None:
    """The health page shows the API's figures; tables are there without any script."""
    log_in(browser_client)
    program = program_id(runtime)
    health = runtime.read_models().program_health(program)
    page = browser_client.get(f"/dashboard/programs/{program}").text
    counts = re.search(r"<tbody><tr>(.*?)</tr></tbody>", page).group(1)  # type: ignore[union-attr]
    assert [int(n) for n in re.findall(r"<td>(\d+)</td>", counts)] == \
        list(health["relationships_by_status"].values())
    assert page.count('<svg class="chart"') == 5
    assert f"{health['goal_completion']['achieved']} achieved" in page
    risky = runtime.read_models().at_risk(program)["items"]
    listing = browser_client.get(f"/dashboard/programs/{program}/at-risk").text
    assert len(re.findall(rf'href="/dashboard/relationships/({UUID})"', listing)) == len(risky)
    directory = browser_client.get(f"/dashboard/programs/{program}/mentors").text
    mentors = runtime.read_models().mentor_directory(program)
    assert all(m["person_id"] in directory for m in mentors)


def test_time_travel_on_the_relationship_page(browser_client: TestClient,
                                              runtime: Runtime) -> None:
    log_in(browser_client)
    program = program_id(runtime)
    relationship = runtime.read_models().at_risk(program, limit=1)["items"][0]["relationship_id"]
    first = browser_client.get(f"/dashboard/relationships/{relationship}?version=1").text
    assert 'id="shown-status">requested<' in first
    assert "Audit trail verified" in first
    requested_at = runtime.service.relationship(relationship, version=1)["requested_at"]
    # The picker has minutes: the minute after the request shows it requested.
    at = (requested_at + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    by_instant = browser_client.get(f"/dashboard/relationships/{relationship}?as_of={at}")
    assert by_instant.status_code == 200
    assert 'id="shown-status">requested<' in by_instant.text
    bad = browser_client.get(f"/dashboard/relationships/{relationship}?as_of=yesterday")
    assert bad.status_code == 422 and "as_of" in bad.text
    before = browser_client.get(f"/dashboard/relationships/{relationship}"
                                "?as_of=2000-01-01T00:00")
    assert before.status_code == 404


def test_scope_and_roles_apply_as_in_the_api(browser_client: TestClient,
                                             runtime: Runtime) -> None:
    program = program_id(runtime)
    keys: KeyStore = browser_client.app.state.services.keys  # type: ignore[attr-defined]
    other = runtime.service.create_program(name="Other", description=None, actor="admin").id
    runtime.runner(READ_MODELS).catch_up_all()
    _, limited = keys.create("analyst", [other])
    log_in(browser_client, limited)
    listing = browser_client.get("/dashboard").text
    assert "Other" in listing and "Leadership mentoring" not in listing
    assert browser_client.get(f"/dashboard/programs/{program}").status_code == 404
    relationship = runtime.read_models().at_risk(program, limit=1)["items"][0]["relationship_id"]
    assert browser_client.get(f"/dashboard/relationships/{relationship}").status_code == 404
    browser_client.post("/dashboard/logout")

    viewer_key, viewer = keys.create("viewer", None)
    log_in(browser_client, viewer)
    assert browser_client.get(f"/dashboard/programs/{program}").status_code == 200
    refused = browser_client.get(f"/dashboard/relationships/{relationship}")
    assert refused.status_code == 403 and "viewer role may not" in refused.text
    keys.revoke(viewer_key.id)
    assert browser_client.get("/dashboard").status_code == 303


def test_log_in_never_redirects_to_another_site(browser_client: TestClient) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/dashboard//evil.example",
                   "/\\evil.example", "javascript:alert(1)",
                   "/dashboard\r\nSet-Cookie: mentoring_session=stolen",
                   "/dashboard" + "x" * 600):
        answer = browser_client.post("/dashboard/login",
                                     data={"api_key": ADMIN_SECRET,
                                           "next": target})
        assert answer.headers.get("location", "/dashboard") == "/dashboard"


def test_the_log_in_form_takes_any_next_and_keeps_only_a_page_path(
        browser_client: TestClient) -> None:
    for target in ("https://evil.example/", "/dashboard" + "x" * 600, "/dashboard/programs"):
        form = browser_client.get("/dashboard/login", params={"next": target})
        assert form.status_code == 200, form.text
        kept = target if target == "/dashboard/programs" else "/dashboard"
        assert f'name="next" value="{kept}"' in form.text


def test_hostile_ids_and_values_answer_pages_not_crashes(browser_client: TestClient) -> None:
    log_in(browser_client)
    for path, status in (("/dashboard/relationships/not-a-uuid", 404),
                         ("/dashboard/relationships/%00", 404),
                         ("/dashboard/programs/" + "9" * 300, 404),
                         ("/dashboard/relationships/x?version=0", 422),
                         ("/dashboard/programs/x?as_of=99999-01-01T00:00", 422)):
        answer = browser_client.get(path)
        assert answer.status_code == status, (path, answer.status_code, answer.text[:300])
        assert answer.headers["content-type"].startswith(("text/html", "application/problem"))


def test_the_position_feed_needs_a_session(browser_client: TestClient) -> None:
    assert browser_client.get("/dashboard/position").status_code == 401
    log_in(browser_client)
    assert browser_client.get("/dashboard/position").json()["position"] > 0


def test_the_default_demo_shows_every_chart_and_every_at_risk_reason(tmp_path: Path) -> None:
    """`mentoring demo` as it runs by default: each risk rule names someone, each chart
    has data."""
    built = build_runtime(Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}"))
    try:
        DemoProgram(built.service, mentors=20, mentees=60, months=12, seed=7,
                    now=DEMO_END).run()
        built.runner(READ_MODELS).catch_up_all()
        views = built.read_models()
        program = str(views.program_ids(limit=1)["items"][0]["id"])
        codes = {reason["code"] for item in views.at_risk(program, DEMO_END)["items"]
                 for reason in item["reasons"]}
        assert sorted(codes) == sorted(CODES)
        monthly = views.program_health(program, DEMO_END)["monthly"]
        for column in ("active_relationships", "requested", "connected", "concluded",
                       "declined", "withdrawn", "sessions_held", "sessions_missed",
                       "sessions_cancelled", "feedback", "goals_defined", "goals_achieved",
                       "goals_abandoned", "average_satisfaction"):
            assert any(month[column] for month in monthly), column
    finally:
        built.close()


def test_status_over_time_is_each_month_ends_health(runtime: Runtime) -> None:
    """The chart of statuses per month: each point equals health as of that month's end."""
    views = runtime.read_models()
    program = program_id(runtime)
    health = views.program_health(program, DEMO_END)
    monthly = health["monthly"]
    assert monthly[-1]["by_status"] == health["relationships_by_status"]
    for point in monthly[:-1]:
        year, month = int(point["month"][:4]), int(point["month"][5:])
        following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        end = following - timedelta(microseconds=1)
        if end < datetime.fromisoformat(str(runtime.service.program(program)["created_on"])):
            continue
        assert views.program_health(program, end)["relationships_by_status"] == \
            point["by_status"], point["month"]
