import uuid

import pytest

from core import sql
from core.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _message(kind, to, state):
    return OutboxMessage.objects.create(kind=kind, to=to, subject="s", body_text="b", state=state)


def test_count_is_the_orms_count():
    for kind, to, state in [
        ("a", "x@example.it", "sent"),
        ("a", "y@example.it", "sent"),
        ("a", "x@example.it", "dead"),
        ("b", "x@example.it", "sent"),
    ]:
        _message(kind, to, state)  # fmt: skip
    cases = [
        ({}, {}),
        ({"kind": "a"}, {}),
        ({"kind": "a", "to": "x@example.it"}, {}),
        ({"kind": "a"}, {"state": "sent"}),
        ({"kind": "z"}, {}),
        ({"state": ["sent", "dead"]}, {}),
        ({"state": {"dead"}, "kind": ("a", "b")}, {}),
        ({}, {"to": ["y@example.it", "z@example.it"]}),
    ]
    for filters, exclude in cases:
        lookups = {
            f"{n}__in" if isinstance(v, list | tuple | set) else n: v for n, v in filters.items()
        }
        unwanted = {
            f"{n}__in" if isinstance(v, list | tuple | set) else n: v for n, v in exclude.items()
        }
        expected = OutboxMessage.objects.filter(**lookups).exclude(**unwanted).count()
        assert sql.count(OutboxMessage, exclude=exclude, **filters) == expected, filters


def test_counts_reads_several_counts_in_one_statement(django_assert_num_queries):
    from core.models import AuditEvent

    for kind, to, state in [("a", "x@example.it", "sent"), ("b", "x@example.it", "dead")]:
        _message(kind, to, state)
    wanted = [
        sql.Count(OutboxMessage, {"kind": "a"}),
        sql.Count(OutboxMessage, {"to": "x@example.it"}, exclude={"state": ["dead"]}),
        sql.Count(AuditEvent, {}),
        sql.Count(OutboxMessage, {"kind": ("a", "b")}),
    ]
    with django_assert_num_queries(1):
        numbers = sql.counts(wanted)
    assert numbers == [1, 1, AuditEvent.objects.count(), 2]
    assert sql.counts([]) == []


def test_count_prepares_values_as_the_orm_does():
    message = _message("a", "x@example.it", "sent")
    assert sql.count(OutboxMessage, id=message.id) == 1  # a UUID, stored as hex on SQLite
    assert sql.count(OutboxMessage, id=uuid.uuid4()) == 0


def test_a_value_is_a_parameter_never_sql():
    _message("a", "x@example.it", "sent")
    assert sql.count(OutboxMessage, kind="a' OR '1'='1") == 0
