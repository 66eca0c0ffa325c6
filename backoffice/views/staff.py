"""Staff accounts and their roles, for holders of accounts.manage_staff (administrators).
No page shows or sets a password: a new staff member chooses it through an e-mailed link."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import staff as account_staff
from accounts.two_factor import has_two_factor
from core.access import staff_required

from ..forms import ReasonForm, RolesForm, StaffCreateForm

User = get_user_model()
MANAGE_STAFF = "accounts.manage_staff"


def _member_or_404(uid):
    return get_object_or_404(User.objects.prefetch_related("groups"), uid=uid, is_staff=True)


@staff_required(MANAGE_STAFF)
def staff_list(request):
    members = (
        User.objects.filter(is_staff=True)
        .prefetch_related("groups")
        .order_by("username")
        .only(
            "uid", "username", "first_name", "last_name", "email", "is_active", "is_superuser",
            "password",
        )
    )  # fmt: skip
    page_obj = Paginator(members, 50).get_page(request.GET.get("pagina"))
    return render(request, "backoffice/staff_list.html", {"page_obj": page_obj})


@staff_required(MANAGE_STAFF)
def staff_create(request):
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = account_staff.create_staff(
                actor=request.user,
                username=data["username"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                roles=list(data["roles"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Profilo creato: %(email)s riceverà il link per scegliere la password.")
                % {"email": member.email},
            )
            return redirect("backoffice:staff_member", uid=member.uid)
    status = 400 if form.errors else 200
    return render(request, "backoffice/staff_create.html", {"form": form}, status=status)


def _member_page(request, member, *, roles_form=None, reason_form=None, otp_form=None, status=200):
    return render(
        request,
        "backoffice/staff_member.html",
        {
            "member": member,
            "member_roles": sorted(group.name for group in member.groups.all()),
            "is_self": member.pk == request.user.pk,
            "roles_form": roles_form
            or RolesForm(initial={"roles": [g.pk for g in member.groups.all()]}),
            "reason_form": reason_form or ReasonForm(),
            # Its own prefix: the page has two reason fields, ids must stay unique.
            "otp_form": otp_form or ReasonForm(prefix="otp"),
            "has_authenticator": has_two_factor(member),
        },
        status=status,
    )


@staff_required(MANAGE_STAFF)
def staff_member(request, uid):
    return _member_page(request, _member_or_404(uid))


@staff_required(MANAGE_STAFF)
@require_POST
def staff_roles(request, uid):
    member = _member_or_404(uid)
    form = RolesForm(request.POST)
    if form.is_valid():
        try:
            changed = account_staff.set_roles(
                actor=request.user, member=member, roles=list(form.cleaned_data["roles"])
            )
        except ValidationError as error:
            form.add_error("roles", error)
        else:
            if changed:
                messages.success(request, _("Ruoli aggiornati."))
            else:
                messages.info(request, _("I ruoli non sono cambiati."))
            return redirect("backoffice:staff_member", uid=uid)
    return _member_page(request, member, roles_form=form, status=400)


@staff_required(MANAGE_STAFF)
@require_POST
def staff_set_active(request, uid, active):
    member = _member_or_404(uid)
    form = ReasonForm(request.POST)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if active:
                account_staff.reactivate_staff(actor=request.user, member=member, reason=reason)
                messages.success(request, _("Profilo riattivato."))
            else:
                account_staff.deactivate_staff(actor=request.user, member=member, reason=reason)
                messages.success(
                    request, _("Profilo disattivato. Le sue sessioni sono state chiuse.")
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("backoffice:staff_member", uid=uid)
    return _member_page(request, member, reason_form=form, status=400)


@staff_required(MANAGE_STAFF)
@require_POST
def staff_reset_two_factor(request, uid):
    member = _member_or_404(uid)
    form = ReasonForm(request.POST, prefix="otp")
    if form.is_valid():
        try:
            done = account_staff.reset_two_factor(
                actor=request.user, user=member, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if done:
                messages.success(
                    request,
                    _(
                        "Verifica in due passaggi azzerata: al prossimo accesso configurerà di "
                        "nuovo l'app. Le sue sessioni sono state chiuse."
                    ),
                )
            else:
                messages.info(request, _("Il profilo non ha un'app di autenticazione."))
            return redirect("backoffice:staff_member", uid=uid)
    return _member_page(request, member, otp_form=form, status=400)


@staff_required(MANAGE_STAFF)
@require_POST
def staff_resend(request, uid):
    member = _member_or_404(uid)
    if account_staff.resend_staff_invitation(actor=request.user, member=member):
        messages.success(request, _("Nuovo link per scegliere la password inviato."))
    else:
        messages.info(request, _("Il profilo ha già una password o è disattivato."))
    return redirect("backoffice:staff_member", uid=uid)
