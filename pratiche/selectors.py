"""Reads of "Le mie pratiche": every customer object scoped to its owner (404 otherwise)."""

from django.apps import apps
from django.shortcuts import get_object_or_404

from customers.models import ContractLink

from .models import Attachment, DeliveryChange, Mandate, Pratica, State

OPEN_STATES = (State.SENT, State.IN_PROGRESS, State.INTEGRATION_REQUESTED, State.INTEGRATED)


def links_of(user):
    return list(
        ContractLink.objects.filter(user=user)
        .select_related("contract__holder")
        .order_by("contract__service_code")
    )


def get_link_for_user(user, uid):
    return get_object_or_404(
        ContractLink.objects.select_related("contract__holder"), user=user, uid=uid
    )


def pratiche_of(user):
    """ "Le mie pratiche": the user's pratiche, newest first (drafts too)."""
    return Pratica.objects.filter(user=user).order_by("-created_at", "-id")


def get_pratica_for_user(user, uid):
    return get_object_or_404(
        Pratica.objects.select_related("contract", "assigned_to"), user=user, uid=uid
    )


def get_attachment_for_user(user, pratica_uid, uid):
    return get_object_or_404(
        Attachment.objects.select_related("pratica"),
        pratica__user=user,
        pratica__uid=pratica_uid,
        uid=uid,
    )


def queue(*, kind="", state="", assigned_to=None):
    """The back-office queue: open pratiche by due date (or the state asked for)."""
    rows = Pratica.objects.exclude(state=State.DRAFT).select_related("assigned_to")
    if state == "all":
        pass
    elif state:
        rows = rows.filter(state=state)
    else:
        rows = rows.filter(state__in=OPEN_STATES)
    if kind:
        rows = rows.filter(kind=kind)
    if assigned_to is not None:
        rows = rows.filter(assigned_to=assigned_to)
    return rows.order_by("due_on", "submitted_at", "id")


def get_pratica_for_staff(uid):
    return get_object_or_404(
        Pratica.objects.exclude(state=State.DRAFT).select_related(
            "contract__holder", "user", "assigned_to"
        ),
        uid=uid,
    )


def current_delivery(contract):
    """The contract's effective bill delivery change (None: as the billing system has it)."""
    return (
        DeliveryChange.objects.filter(contract=contract, effective_at__isnull=False)
        .order_by("-effective_at", "-id")
        .first()
    )


def pending_delivery(contract):
    return (
        DeliveryChange.objects.filter(contract=contract, effective_at__isnull=True)
        .order_by("-requested_at", "-id")
        .first()
    )


def active_mandate(contract):
    return (
        Mandate.objects.filter(contract=contract, status=Mandate.Status.SIGNED)
        .order_by("-signed_at")
        .first()
    )


def readings_installed():
    return apps.is_installed("readings")
