"""Reads of "Richieste e reclami": the customer's own requests (a stranger's are a 404) and
the back-office queue, limited to the areas the staff member handles."""

from collections import OrderedDict
from decimal import Decimal

from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core import workdays

from .models import AREA_PERMISSIONS, Area, Attachment, StandardAnswer, Ticket

Status = Ticket.Status

# --- the customer -----------------------------------------------------------------------------


def tickets_for_user(user):
    return Ticket.objects.filter(user=user).order_by("-received_at", "-pk")


def get_ticket_for_user(user, uid):
    """One of the user's requests; anyone else's answers 404."""
    return get_object_or_404(Ticket.objects.select_related("contract"), user=user, uid=uid)


def customer_conversation(ticket):
    """What the customer sees: messages without internal notes, each with its attachments."""
    return ticket.messages.filter(internal=False).prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
    )


def ticket_files(ticket):
    """The attachments filed with the request itself (not with a message)."""
    return ticket.attachments.filter(message__isnull=True).order_by("pk")


def get_attachment_for_user(user, uid):
    """One of the files the customer may see: of their own request, never of an internal
    note (whatever the back-office attaches to one in the future)."""
    return get_object_or_404(
        Attachment.objects.select_related("ticket").exclude(message__internal=True),
        ticket__user=user,
        uid=uid,
    )


# --- staff ---------------------------------------------------------------------------------------


def areas_for(user):
    """The areas whose requests `user` handles."""
    return [
        area for area, codename in AREA_PERMISSIONS.items() if user.has_perm(f"tickets.{codename}")
    ]


def handles_any_area(user):
    return bool(areas_for(user))


def queue(user, *, area="", kind="", status="", due="", assigned="", today=None):
    """The back-office queue: open requests first, by due date (the overdue on top), then
    the closed ones; only the areas `user` handles."""
    today = today or timezone.localdate()
    tickets = Ticket.objects.filter(area__in=areas_for(user))
    if area:
        tickets = tickets.filter(area=area)
    if kind:
        tickets = tickets.filter(kind=kind)
    if status:
        tickets = tickets.filter(status=status)
    if due:
        tickets = tickets.exclude(status=Status.CLOSED)
    if due == "overdue":
        tickets = tickets.filter(due_on__lt=today, answered_at__isnull=True)
    elif due == "week":
        tickets = tickets.filter(
            due_on__gte=today,
            due_on__lte=workdays.add_working_days(today, 5),
            answered_at__isnull=True,
        )
    if assigned == "me":
        tickets = tickets.filter(assigned_to=user)
    elif assigned == "none":
        tickets = tickets.filter(assigned_to__isnull=True)
    return tickets.select_related("assigned_to", "contract").order_by(
        Case(
            When(status__in=[Status.SUBMITTED, Status.TAKEN], then=Value(0)),
            When(status=Status.ANSWERED, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        "due_on",
        "received_at",
        "pk",
    )


def get_ticket_for_staff(user, uid):
    """A request of an area `user` handles; any other is a 404 (as if it did not exist)."""
    return get_object_or_404(
        Ticket.objects.select_related("user", "contract__holder", "assigned_to"),
        uid=uid,
        area__in=areas_for(user),
    )


def get_attachment_for_staff(user, uid):
    return get_object_or_404(
        Attachment.objects.select_related("ticket"), uid=uid, ticket__area__in=areas_for(user)
    )


def staff_conversation(ticket):
    return (
        ticket.messages.select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )


def standard_answers(area):
    from django.db.models import Q

    return StandardAnswer.objects.filter(Q(area="") | Q(area=area), active=True)


def operators_for(area):
    """Active staff who handle `area` (the assignment's choices)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    perm = Permission.objects.filter(
        content_type__app_label="tickets", codename=AREA_PERMISSIONS[area]
    ).first()
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    if perm is None:
        return users.filter(is_superuser=True)
    return (
        users.filter(Q(is_superuser=True) | Q(groups__permissions=perm) | Q(user_permissions=perm))
        .distinct()
        .order_by("username")
    )


def statistics(areas, *, year=None):
    """Per area and month of receipt: received, answered on time, answered late, still
    unanswered, average working days to the first answer (what ARERA asks every year).
    Returns a list of dicts, by area then month."""
    tickets = Ticket.objects.filter(area__in=areas)
    if year:
        tickets = tickets.filter(received_at__year=year)
    rows = OrderedDict()
    labels = dict(Area.choices)
    fields = ("area", "received_at", "answered_at", "working_days_taken", "standard_days")
    for area, received_at, answered_at, taken, standard in tickets.order_by(
        "area", "received_at"
    ).values_list(*fields):
        month = timezone.localtime(received_at).strftime("%Y-%m")
        row = rows.setdefault(
            (area, month),
            {
                "area": area,
                "area_label": labels[area],
                "month": month,
                "received": 0,
                "on_time": 0,
                "late": 0,
                "open": 0,
                "_days": 0,
            },
        )
        row["received"] += 1
        if answered_at is None:
            row["open"] += 1
        elif taken is not None and taken <= standard:
            row["on_time"] += 1
        else:
            row["late"] += 1
        if answered_at is not None:
            row["_days"] += taken or 0
    result = []
    for row in rows.values():
        answered = row["on_time"] + row["late"]
        days = row.pop("_days")
        row["average_days"] = (
            (Decimal(days) / answered).quantize(Decimal("0.1")) if answered else None
        )
        result.append(row)
    return result
