"""The AsyncAPI 3.1 document of every topic, message and header, built from the code.

``python -m mentoring.asyncapi`` writes docs/asyncapi.yaml; a test fails if the file
differs from what the code builds, and another has the AsyncAPI project's own parser
validate it, so the document cannot drift from the relay, the HR consumer and the
dead-letter topic it describes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from application.hr_events import TYPES as HR_TYPES
from application.integration_events import EVENT_TYPES
from infrastructure.kafka import SOURCE
from mentoring.settings import Settings

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "asyncapi.yaml"
ID = {"type": "string", "pattern": r"^[A-Za-z0-9_.:@-]{1,200}$",
      "description": "An HR-system id."}


def _header(description: str, **schema: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **schema}


def event_headers() -> dict[str, Any]:
    """The CloudEvents binary-mode headers of a relayed record."""
    return {
        "type": "object",
        "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time",
                     "ce_subject", "content-type", "ce_position"],
        "properties": {
            "ce_specversion": _header("CloudEvents version.", const="1.0"),
            "ce_id": _header("`<aggregate id>:<version>`: unique per event, the same when "
                             "it is sent again (drop duplicates by it).",
                             pattern=r"^[0-9a-f-]{36}:[0-9]+$"),
            "ce_source": _header("Where events come from.", const=SOURCE),
            "ce_type": _header("`mentoring.<aggregate>.<EventName>`.",
                               enum=sorted(EVENT_TYPES)),
            "ce_time": _header("When the event happened (RFC 3339, UTC).",
                               format="date-time"),
            "ce_subject": _header("The aggregate id (also the record key).", format="uuid"),
            "content-type": _header("The value's media type.", const="application/json"),
            "ce_position": _header("Extension: the event's global position (grows, may "
                                   "skip).", pattern="^[0-9]+$"),
            "ce_programid": _header("Extension: the event's program (absent on a "
                                    "person's erasure).", format="uuid"),
        },
    }


def hr_payload(kind: str) -> dict[str, Any]:
    properties: dict[str, Any] = {"person_id": ID}
    required = ["person_id"]
    if kind == "employee.role_changed":
        properties["role"] = {"type": "string", "maxLength": 100, "description": "The new "
                              "job role (one line)."}
        required.append("role")
    if kind == "employee.erasure_requested":
        properties["reason"] = {"type": "string", "maxLength": 200}
    plain = {"id": {"type": "string", "maxLength": 200,
                    "description": "The message id (plain JSON form; CloudEvents carry "
                                   "`ce_id` or `id`)."},
             "type": {"type": "string", "const": kind}}
    return {"type": "object", "required": required, "properties": {**plain, **properties},
            "description": "The data of a CloudEvent (binary: the value; structured: "
                           "`data`), or the whole plain JSON message with `id` and `type`."}


def _message_name(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.replace("_", ".").split("."))


def build(settings: Settings | None = None) -> dict[str, Any]:
    """The document for the default topic names (each is a setting: docs/kafka.md)."""
    settings = settings or Settings(database_url="sqlite:///:memory:")
    hr_messages = {_message_name(kind): {
        "name": kind, "title": kind, "contentType": "application/json",
        "summary": {"employee.left": "The person left: their relationships conclude "
                                     "(participant_left), their mentor profiles retire.",
                    "employee.role_changed": "The person's job role changed: flagged on "
                                             "their mentor profiles.",
                    "employee.erasure_requested": "Erase the person's personal data."}[kind],
        "payload": hr_payload(kind),
    } for kind in HR_TYPES}
    return {
        "asyncapi": "3.1.0",
        "info": {
            "title": "Mentoring service events",
            "version": "1.0.0",
            "description": "Every event of the mentoring service's event store, published "
                           "by `mentoring relay` (and read back by `mentoring consume`); "
                           "the HR system's events consumed by `mentoring hr-events`, and "
                           "where refused ones go. Personal free "
                           "text never leaves in clear: it is replaced by a reference "
                           "`{personal: true, person_id, ref}`.",
        },
        "defaultContentType": "application/json",
        "channels": {
            "mentoringEvents": {
                "address": settings.kafka_topic,
                "description": "One record per stored event, in global order; key = the "
                               "aggregate id; partition = murmur2 of the program id (every "
                               "event of a program shares a partition, in global order).",
                "messages": {"mentoringEvent": {"$ref": "#/components/messages/"
                                                        "MentoringEvent"}},
            },
            "hrEmployees": {
                "address": settings.hr_topic,
                "description": "The HR system's events (CloudEvents binary or structured "
                               "mode, or plain JSON).",
                "messages": {name: {"$ref": f"#/components/messages/{name}"}
                             for name in hr_messages},
            },
            "hrDeadLetters": {
                "address": settings.hr_dead_letter_topic,
                "description": "HR messages that were malformed or refused, as received, "
                               "with the error in headers.",
                "messages": {"deadLetter": {"$ref": "#/components/messages/DeadLetter"}},
            },
        },
        "operations": {
            "publishEvents": {
                "action": "send", "channel": {"$ref": "#/channels/mentoringEvents"},
                "summary": "`mentoring relay`: at least once (drop duplicates by ce_id), "
                           "in order per key.",
                "messages": [{"$ref": "#/channels/mentoringEvents/messages/mentoringEvent"}],
            },
            "buildReadModels": {
                "action": "receive", "channel": {"$ref": "#/channels/mentoringEvents"},
                "summary": "`mentoring consume` (consumer group "
                           f"`{settings.consumer_group}`): the read models, each event "
                           "applied once (by ce_position), partitions shared by processes.",
                "messages": [{"$ref": "#/channels/mentoringEvents/messages/mentoringEvent"}],
            },
            "consumeHrEvents": {
                "action": "receive", "channel": {"$ref": "#/channels/hrEmployees"},
                "summary": "`mentoring hr-events` (consumer group "
                           f"`{settings.hr_group_id}`): each message applied once.",
                "messages": [{"$ref": f"#/channels/hrEmployees/messages/{name}"}
                             for name in hr_messages],
            },
            "deadLetterHrEvents": {
                "action": "send", "channel": {"$ref": "#/channels/hrDeadLetters"},
                "summary": "A malformed or refused HR message, set aside.",
                "messages": [{"$ref": "#/channels/hrDeadLetters/messages/deadLetter"}],
            },
        },
        "components": {
            "messages": {
                "MentoringEvent": {
                    "name": "MentoringEvent", "title": "A stored event (CloudEvents 1.0, "
                    "binary content mode)", "contentType": "application/json",
                    "headers": event_headers(),
                    "payload": {"type": "object", "required": ["actor"],
                                "description": "The event's fields (docs/events.md) and "
                                               "`actor`; personal fields as references.",
                                "properties": {"actor": {"type": "string"}},
                                "additionalProperties": True},
                    "bindings": {"kafka": {"key": {"type": "string", "format": "uuid"},
                                           "bindingVersion": "0.5.0"}},
                },
                **hr_messages,
                "DeadLetter": {
                    "name": "DeadLetter", "title": "A refused HR message",
                    "headers": {"type": "object",
                                "required": ["dlq_error_kind", "dlq_error", "dlq_topic",
                                             "dlq_partition", "dlq_offset"],
                                "properties": {
                                    "dlq_error_kind": _header("Why it was set aside.",
                                                              enum=["malformed", "refused"]),
                                    "dlq_error": _header("What was wrong, in words."),
                                    "dlq_topic": _header("The topic it came from."),
                                    "dlq_partition": _header("Its partition there."),
                                    "dlq_offset": _header("Its offset there."),
                                }},
                    "payload": {"description": "The original value, unchanged."},
                },
            },
        },
    }


def render() -> str:
    body: str = yaml.safe_dump(build(), sort_keys=False, width=100, allow_unicode=True)
    return "# Generated by `python -m mentoring.asyncapi` from the code: do not edit.\n" + body


if __name__ == "__main__":
    DOCUMENT.write_text(render())
    print(f"wrote {DOCUMENT}", file=sys.stderr)
