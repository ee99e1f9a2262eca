"""README.md lists every setting the service reads."""

from __future__ import annotations

from pathlib import Path

from mentoring.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_in_the_readme() -> None:
    text = README.read_text()
    assert [f"MENTORING_{n.upper()}" for n in Settings.model_fields
            if f"`MENTORING_{n.upper()}`" not in text] == []
