import itertools
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent, OutboxMessage
from core.workdays import add_working_days
from pratiche import services
from pratiche.models import Kind, Mandate, Pratica, PraticaEvent, PraticaType, State
from pratiche.services import CUSTOMER, STAFF, TRANSITIONS, TransitionError, set_pratica_state

ALLOWED = {
    (State.DRAFT, State.SENT): CUSTOMER,
    (State.SENT, State.CANCELLED): CUSTOMER,
    (State.SENT, State.IN_PROGRESS): STAFF,
    (State.IN_PROGRESS, State.INTEGRATION_REQUESTED): STAFF,
    (State.IN_PROGRESS, State.ACCEPTED): STAFF,
    (State.IN_PROGRESS, State.REJECTED): STAFF,
    (State.INTEGRATION_REQUESTED, State.INTEGRATED): CUSTOMER,
    (State.INTEGRATION_REQUESTED, State.REJECTED): STAFF,
    (State.INTEGRATED, State.IN_PROGRESS): STAFF,
    (State.INTEGRATED, State.INTEGRATION_REQUESTED): STAFF,
    (State.INTEGRATED, State.ACCEPTED): STAFF,
    (State.INTEGRATED, State.REJECTED): STAFF,
}
PAIRS = [(a, b) for a, b in itertools.product(State, State) if a != b]


def verified(user):
    """Staff as the middleware leaves them after the second step."""
    user.otp_device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    user.is_verified = lambda: True
    return user


def make(customer, state, link=None):
    return Pratica.objects.create(
        idempotency_key=uuid.uuid4(),
        kind=Kind.VARIAZIONE,
        user=customer,
        contract=link.contract if link else None,
        state=state,
        protocol=f"PR-T-{uuid.uuid4().hex[:8]}",
        submitted_at=timezone.now(),
    )


def test_the_table_is_the_documented_one():
    assert TRANSITIONS == ALLOWED


@pytest.mark.parametrize(("frm", "to"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_move(customer, operator, frm, to):
    pratica = make(customer, frm)
    actor = customer if ALLOWED.get((frm, to)) == CUSTOMER else verified(operator)
    note = "Manca la delega firmata." if to in services.NOTE_REQUIRED else ""
    if (frm, to) not in ALLOWED:
        with pytest.raises(TransitionError):
            set_pratica_state(pratica=pratica, to=to, actor=actor, note=note)
        pratica.refresh_from_db()
        assert pratica.state == frm
        assert not PraticaEvent.objects.exists()
        return
    assert set_pratica_state(pratica=pratica, to=to, actor=actor, note=note) is True
    pratica.refresh_from_db()
    assert pratica.state == to
    event = PraticaEvent.objects.get()
    assert (event.from_state, event.to_state) == (frm, to)
    assert AuditEvent.objects.filter(action=f"pratiche.{to.value}").exists()
    mails = OutboxMessage.objects.filter(kind="pratica_state")
    assert mails.count() == (1 if to in services.NOTIFY else 0)
    if to in services.FINAL:
        assert pratica.decided_at is not None
        assert pratica.reason == note


@pytest.mark.parametrize(("frm", "to"), [k for k, who in ALLOWED.items() if who == STAFF])
def test_staff_moves_refused_to_the_customer_and_to_other_staff(
    customer, operator, cs_operator, frm, to
):
    pratica = make(customer, frm)
    for actor in (customer, verified(cs_operator)):
        with pytest.raises(PermissionDenied):
            set_pratica_state(pratica=pratica, to=to, actor=actor, note="x")
    # An operator who has not passed the second step is refused too.
    operator.is_verified = lambda: False
    with pytest.raises(PermissionDenied):
        set_pratica_state(pratica=pratica, to=to, actor=operator, note="x")
    pratica.refresh_from_db()
    assert pratica.state == frm


@pytest.mark.parametrize(("frm", "to"), [k for k, who in ALLOWED.items() if who == CUSTOMER])
def test_customer_moves_refused_to_staff_and_to_other_customers(
    customer, stranger, operator, frm, to
):
    pratica = make(customer, frm)
    for actor in (stranger, verified(operator)):
        with pytest.raises(PermissionDenied):
            set_pratica_state(pratica=pratica, to=to, actor=actor)
    pratica.refresh_from_db()
    assert pratica.state == frm


@pytest.mark.parametrize("to", sorted(services.NOTE_REQUIRED))
def test_note_required(customer, operator, to):
    pratica = make(customer, State.IN_PROGRESS)
    with pytest.raises(ValidationError):
        set_pratica_state(pratica=pratica, to=to, actor=verified(operator), note="  ")
    pratica.refresh_from_db()
    assert pratica.state == State.IN_PROGRESS


def test_repeat_is_quiet(customer, operator):
    pratica = make(customer, State.SENT)
    actor = verified(operator)
    assert set_pratica_state(pratica=pratica, to=State.IN_PROGRESS, actor=actor)
    assert set_pratica_state(pratica=pratica, to=State.IN_PROGRESS, actor=actor) is False
    assert PraticaEvent.objects.count() == 1
    pratica.refresh_from_db()
    assert pratica.assigned_to == operator


def test_due_date_in_working_days_per_type(customer, link):
    PraticaType.objects.filter(kind=Kind.CESSAZIONE).update(working_days=9)
    from pratiche.tests.test_customer_pages import variazione_post  # noqa: F401

    pratica = services.submit_pratica(
        user=customer, kind=Kind.CESSAZIONE, key=uuid.uuid4(), contract=link.contract,
        data={}, summary=[["Autolettura finale (m³)", "123"]], declaration=True,
    )  # fmt: skip
    assert pratica.due_on == add_working_days(pratica.submitted_at, 9)


def test_rqsii_defaults_in_the_table(db):
    days = dict(PraticaType.objects.values_list("kind", "working_days"))
    assert days[Kind.VOLTURA] == 5
    assert days[Kind.SUBENTRO] == 5
    assert days[Kind.ATTIVAZIONE] == 5
    assert days[Kind.CESSAZIONE] == 7


def test_protocols_are_consecutive_per_year(customer, link):
    year = timezone.localdate().year
    protocols = [
        services.submit_pratica(
            user=customer, kind=Kind.VARIAZIONE, key=uuid.uuid4(), contract=link.contract,
            data={}, summary=[],
        ).protocol
        for _n in range(3)
    ]  # fmt: skip
    assert protocols == [f"PR-{year}-{n:06d}" for n in (1, 2, 3)]


def test_rejected_direct_debit_cancels_its_mandate(customer, operator, link):
    pratica = services.submit_pratica(
        user=customer, kind=Kind.DOMICILIAZIONE, key=uuid.uuid4(), contract=link.contract,
        data={}, summary=[], mandate={"iban": "IT60X0542811101000000123456", "bic": "",
                                      "account_holder": "Lucia Bianchi",
                                      "account_holder_cf": "BNCLCU80A41G224W"},
    )  # fmt: skip
    mandate = Mandate.objects.get()
    assert mandate.status == Mandate.Status.SIGNED
    actor = verified(operator)
    set_pratica_state(pratica=pratica, to=State.IN_PROGRESS, actor=actor)
    set_pratica_state(pratica=pratica, to=State.REJECTED, actor=actor, note="IBAN di un altro")
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.CANCELLED


def test_revocation_revokes_the_mandate(customer, link):
    services.submit_pratica(
        user=customer, kind=Kind.DOMICILIAZIONE, key=uuid.uuid4(), contract=link.contract,
        data={}, summary=[], mandate={"iban": "IT60X0542811101000000123456", "bic": "",
                                      "account_holder": "Lucia Bianchi",
                                      "account_holder_cf": "BNCLCU80A41G224W"},
    )  # fmt: skip
    revoca = services.submit_pratica(
        user=customer, kind=Kind.REVOCA, key=uuid.uuid4(), contract=link.contract,
        data={}, summary=[],
    )  # fmt: skip
    mandate = Mandate.objects.get()
    assert mandate.status == Mandate.Status.REVOKED
    assert mandate.revoked_by == revoca


def test_assignment_needs_the_permission(customer, operator, cs_operator):
    pratica = make(customer, State.SENT)
    with pytest.raises(PermissionDenied):
        services.assign_pratica(pratica=pratica, actor=verified(cs_operator), assignee=operator)
    with pytest.raises(ValidationError):
        services.assign_pratica(pratica=pratica, actor=verified(operator), assignee=cs_operator)
    services.assign_pratica(pratica=pratica, actor=operator, assignee=operator)
    pratica.refresh_from_db()
    assert pratica.assigned_to == operator
    assert AuditEvent.objects.filter(action="pratiche.assign").exists()


def test_a_draft_is_sent_only_through_submit(customer):
    draft = Pratica.objects.create(idempotency_key=uuid.uuid4(), kind=Kind.VARIAZIONE,
                                   user=customer)  # fmt: skip
    with pytest.raises(TransitionError):
        set_pratica_state(pratica=draft, to=State.SENT, actor=customer)
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_the_service_refuses_a_contract_the_customer_did_not_link(customer, stranger):
    from customers.tests.factories import LinkFactory

    theirs = LinkFactory(user=stranger).contract
    with pytest.raises(PermissionDenied):
        services.submit_pratica(user=customer, kind=Kind.CESSAZIONE, key=uuid.uuid4(),
                                contract=theirs, data={}, summary=[])  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.save_draft(user=customer, kind=Kind.CESSAZIONE, key=uuid.uuid4(),
                            contract=theirs, data={})  # fmt: skip
    assert not Pratica.objects.exists()
