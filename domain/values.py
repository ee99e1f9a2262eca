"""The input policy: every value a command takes is checked here, whoever sends it.

The API checks the same rules at its edge (with these functions) so that a bad request
is refused before anything runs; the domain checks them again, so that the command line,
importers and consumers cannot store what the API refuses.

- Text: no NUL and no other control character but tab, line feed and carriage return,
  no lone surrogate (it cannot be encoded), surrounding blanks stripped, never empty when
  required, and a documented maximum length (``TEXT_LIMIT`` unless said otherwise).
- Ids of people and other HR-system ids: letters, digits and ``-_.:@``, 1 to 200
  characters, not ``.`` or ``..`` (they go in URLs).
- Ids of aggregates (programs, relationships, goals): UUIDs, stored in their one
  canonical form (lower case, with dashes), whatever spelling came in.
- Numbers: integers only (not ``true``, ``3.0`` or ``"3"``), within stated bounds.
- Instants: with a timezone, within the years 1..9999 in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import UUID

from domain.errors import InvalidValue

TEXT_LIMIT = 5000
ID_LIMIT = 200
ID_PATTERN = r"^[A-Za-z0-9_.:@-]{1,200}$"
_ID = re.compile(ID_PATTERN)
# C0 controls but tab, LF and CR; DEL; C1 controls; lone surrogates.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def check_characters(field: str, value: str) -> str:
    """Refuses NUL, other control characters and lone surrogates (anywhere in a text)."""
    found = _FORBIDDEN.search(value)
    if found:
        raise InvalidValue(field, f"must not contain the control character "
                                  f"U+{ord(found.group()):04X}")
    return value


def require_text(field: str, value: str, *, max_length: int = TEXT_LIMIT) -> str:
    """Checks a required free-text value and returns it stripped."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(field, "must be a non-empty text")
    if len(value) > max_length:
        raise InvalidValue(field, f"must be at most {max_length} characters")
    return check_characters(field, value).strip()


def optional_text(field: str, value: str | None, *, max_length: int = TEXT_LIMIT) -> str:
    """Checks an optional free-text value; absent becomes the empty text."""
    if value is None or value == "":
        return ""
    return require_text(field, value, max_length=max_length)


def require_label(field: str, value: str, *, max_length: int = 100) -> str:
    """Checks a short one-line label (a skill, a topic, a goal's area): not prose, so not
    personal data; stripped, never empty."""
    text = require_text(field, value, max_length=max_length)
    if "\n" in text or "\r" in text or "\t" in text:
        raise InvalidValue(field, "must be one line (a label, not prose)")
    return text


def optional_label(field: str, value: str | None, *, max_length: int = 100) -> str:
    """An optional label; absent becomes the empty text."""
    if value is None or value == "":
        return ""
    return require_label(field, value, max_length=max_length)


def require_range(field: str, value: int, low: int, high: int) -> int:
    """Checks that an integer lies in ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidValue(field, f"must be an integer from {low} to {high}, got {value!r}")
    return value


def require_choice(field: str, value: str, choices: tuple[str, ...]) -> str:
    """Checks that a value is one of a closed set."""
    if value not in choices:
        raise InvalidValue(field, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def require_id(field: str, value: str) -> str:
    """Checks an HR-system id (a person's, say): the id grammar, exactly as given."""
    if not isinstance(value, str) or not _ID.match(value) or value in (".", ".."):
        raise InvalidValue(field, "must be 1 to 200 letters, digits or -_.:@ "
                                  "(not . or ..), with no spaces")
    return value


def require_person(field: str, value: str) -> str:
    """Checks a person's id from the HR system."""
    return require_id(field, value)


def require_uuid(field: str, value: str) -> str:
    """Checks an aggregate id and returns its canonical form (``str(UUID)``)."""
    if isinstance(value, UUID):
        return str(value)
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidValue(field, "must be a UUID")
    try:
        return str(UUID(value))
    except ValueError:
        raise InvalidValue(field, "must be a UUID") from None


def canonical_uuid(text: str) -> str:
    """A UUID in its one spelling; anything else as it is (for ids read back from events
    written before ids were canonical, which must stay readable)."""
    try:
        return str(UUID(text))
    except (ValueError, TypeError, AttributeError):
        return text


def optional_uuid(field: str, value: str | None) -> str | None:
    """An optional aggregate id, canonical; absent (or empty) is None."""
    return None if value is None or value == "" else require_uuid(field, value)


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


def require_instant(field: str, value: datetime) -> datetime:
    """An instant with a timezone, in UTC, between 1900 and 3000 (what a mentoring program
    can mean, with room to compute months and intervals around it)."""
    instant = aware(field, value)
    if not EARLIEST <= instant < LATEST:
        raise InvalidValue(field, "must be between 1900-01-01 and 3000-01-01")
    return instant


def aware(field: str, value: datetime) -> datetime:
    """Checks a datetime carries a timezone, so months and instants are unambiguous."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidValue(field, "must be an ISO-8601 date-time with a timezone")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise InvalidValue(field, "is out of the supported range of dates") from None
