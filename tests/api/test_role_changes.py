"""A role change from the HR system flags the person's mentor profiles, once."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mentoring.bootstrap import Runtime
from tests.api.driver import Driver, ok


def test_a_role_change_is_flagged_on_every_profile_once(
    client: TestClient, driver: Driver, runtime: Runtime
) -> None:
    first, second = driver.program("A"), driver.program("B")
    for program in (first, second):
        driver.mentor(program, "emp-5")
    flagged = runtime.service.role_changed("emp-5", role="Engineering manager", actor="hr")
    assert len(flagged) == 2
    assert runtime.service.role_changed("emp-5", role="Engineering manager", actor="hr") == []
    for program in (first, second):
        mentor = ok(client.get(f"/v1/programs/{program}/mentors/emp-5"))
        assert mentor["hr_role"] == "Engineering manager" and mentor["version"] == 2
    assert runtime.service.role_changed("nobody", role="x", actor="hr") == []
