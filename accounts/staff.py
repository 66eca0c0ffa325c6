"""What staff do to web profiles and to staff accounts from the back-office.

Each function is keyword-only, names its side effects, checks the actor's permission again
(the views check it too: a service must not trust that its caller did) and writes an audit
entry. A customer-service operator never acts on a staff account: staff accounts are managed
only by holders of `accounts.manage_staff`, through the functions at the end of this module.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.policy import STAFF_INVITATION_VALIDITY

from . import mail as accounts_mail
from . import services
from .models import AccountEvent, EmailToken
from .services.tokens import issue_token, link_to

ROLE_CUSTOMER_SERVICE = "Operatore servizio clienti"
ROLE_PRATICHE = "Operatore pratiche"
ROLE_ADMIN = "Amministratore"

# The roles and their permissions, as migration 0003_staff_roles creates them. Kept here so
# a database emptied by a test (TransactionTestCase flushes groups) can be given them again.
ROLES = {
    ROLE_CUSTOMER_SERVICE: (
        "accounts.access_backoffice",
        "accounts.view_user",
        "accounts.manage_customers",
        "customers.view_holder",
        "customers.view_contract",
        "customers.delete_contractlink",
        "core.view_outboxmessage",
    ),
    ROLE_PRATICHE: ("accounts.access_backoffice",),
    ROLE_ADMIN: (
        "accounts.access_backoffice",
        "accounts.view_user",
        "accounts.manage_customers",
        "accounts.manage_staff",
        "customers.view_holder",
        "customers.view_contract",
        "customers.delete_contractlink",
        "core.view_outboxmessage",
        "core.view_auditevent",
        "feeds.add_importjob",
        "feeds.view_importjob",
    ),
}


User = get_user_model()


def role_permissions():
    """{role: set of permissions}: ROLES, plus what installed apps give each role
    (core.registry register_role_permissions)."""
    from core.registry import registry

    roles = {name: set(perms) for name, perms in ROLES.items()}
    for name, perms in registry.role_permissions().items():
        roles.setdefault(name, set()).update(perms)
    return roles


def ensure_roles():
    """Create the role groups with (at least) their permissions if they are missing. The
    migration does this on every real database; tests that flush the database call it."""
    from django.contrib.auth.models import Permission

    groups = {}
    for name, perms in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        groups[name] = group
    return groups


def role_groups():
    """The groups that are staff roles, in a stable order."""
    return Group.objects.filter(name__in=ROLES).order_by("name")


def is_staff_account(user):
    return user.is_staff or user.is_superuser


def is_administrator(user):
    """Superusers, and active staff with the Amministratore role (the /gestione/ admin)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.is_superuser or user.groups.filter(name=ROLE_ADMIN).exists()


def _require(actor, perm):
    if actor is None or not actor.is_active or not actor.has_perm(perm):
        raise PermissionDenied


def _require_customer(actor, user):
    """Acting on a customer's profile; staff accounts only with accounts.manage_staff."""
    _require(actor, "accounts.manage_customers")
    if is_staff_account(user):
        _require(actor, "accounts.manage_staff")


# --- customers' profiles ---------------------------------------------------------------------


def staff_resend_confirmation(*, user, actor):
    _require_customer(actor, user)
    if user.is_confirmed or not user.is_active:
        return False
    with transaction.atomic():
        services.send_confirmation(user)
        audit.record(actor=actor, action="accounts.resend_confirmation", obj=user)
    return True


def block_user(*, user, actor, reason):
    _require_customer(actor, user)
    with transaction.atomic():
        user.is_active = False
        user.blocked_at = timezone.now()
        user.blocked_reason = reason
        user.save(update_fields=["is_active", "blocked_at", "blocked_reason"])
        services.end_all_sessions(user=user)
        services.record_event(user=user, kind=AccountEvent.Kind.BLOCKED)
        audit.record(actor=actor, action="accounts.block", obj=user, reason=reason)


def unblock_user(*, user, actor, reason):
    _require_customer(actor, user)
    with transaction.atomic():
        user.is_active = True
        user.blocked_at = None
        user.blocked_reason = ""
        user.save(update_fields=["is_active", "blocked_at", "blocked_reason"])
        services.record_event(user=user, kind=AccountEvent.Kind.UNBLOCKED)
        audit.record(actor=actor, action="accounts.unblock", obj=user, reason=reason)


# --- staff accounts ----------------------------------------------------------------------------


def _active_administrators():
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | Q(groups__name=ROLE_ADMIN))
        .distinct()
    )


def _lock_roles():
    # Changes that could leave no active administrator are serialised on the role's row.
    Group.objects.select_for_update().filter(name=ROLE_ADMIN).first()


def _send_invitation(member):
    token = issue_token(
        user=member, purpose=EmailToken.Purpose.RESET, validity=STAFF_INVITATION_VALIDITY
    )
    link = link_to("accounts:password_reset_confirm", token)
    return accounts_mail.send_staff_invitation(user=member, link=link)


def create_staff(*, actor, username, email, first_name, last_name, roles):
    """A new staff member with the given roles (groups) and no usable password.

    Side effects: the User, their groups, a single-use link (24 hours) to choose the password
    sent by e-mail (the password-reset link: following it sets the password and confirms the
    address), an audit entry. At the first login StaffTwoFactorMiddleware asks for the
    authenticator. Raises ValidationError when the username or the address is taken.
    """
    _require(actor, "accounts.manage_staff")
    # NFKC, as the login form does: "ｃharlie" would be a second "charlie" that logs in as
    # nobody and reads like charlie in the audit log.
    username, email = User.normalize_username(username.strip()), email.strip()
    errors = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("Questo nome utente è già in uso.")
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = _("Questo indirizzo e-mail è già in uso.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            member = User(
                username=username,
                email=email,
                first_name=first_name,
                last_name=last_name,
                is_staff=True,
            )
            member.set_unusable_password()
            member.save()
            member.groups.set(roles)
            _send_invitation(member)
            audit.record(
                actor=actor,
                action="accounts.staff_create",
                obj=member,
                roles=sorted(group.name for group in roles),
            )
    except IntegrityError:
        raise ValidationError(
            {"username": _("Questo nome utente o indirizzo e-mail è già in uso.")}
        ) from None
    return member


def resend_staff_invitation(*, actor, member):
    """A new password link for a staff member who has not chosen a password yet. Returns
    False (and sends nothing) when they have one or are deactivated."""
    _require(actor, "accounts.manage_staff")
    if not member.is_staff or not member.is_active or member.has_usable_password():
        return False
    with transaction.atomic():
        _send_invitation(member)
        audit.record(actor=actor, action="accounts.staff_invitation", obj=member)
    return True


def set_roles(*, actor, member, roles):
    """Give and take roles so that `member` has exactly `roles`. An administrator cannot take
    their own Amministratore role, and the last active administrator keeps it.
    Side effects: the member's groups, an audit entry with what was added and removed."""
    _require(actor, "accounts.manage_staff")
    if not member.is_staff:
        raise PermissionDenied
    wanted = {group.name for group in roles if group.name in ROLES}
    with transaction.atomic():
        _lock_roles()
        current = set(member.groups.filter(name__in=ROLES).values_list("name", flat=True))
        added, removed = wanted - current, current - wanted
        if not added and not removed:
            return False
        if ROLE_ADMIN in removed:
            if member.pk == actor.pk:
                raise ValidationError(_("Non puoi togliere a te stesso il ruolo Amministratore."))
            if not _active_administrators().exclude(pk=member.pk).exists():
                raise ValidationError(_("Deve restare almeno un amministratore attivo."))
        member.groups.remove(*Group.objects.filter(name__in=removed))
        member.groups.add(*Group.objects.filter(name__in=added))
        audit.record(
            actor=actor,
            action="accounts.staff_roles",
            obj=member,
            added=sorted(added),
            removed=sorted(removed),
        )
    return True


def deactivate_staff(*, actor, member, reason):
    """The staff member can no longer log in. Side effects: is_active off with the reason,
    every session ended, an audit entry. Nobody deactivates themselves, and the last active
    administrator stays."""
    _require(actor, "accounts.manage_staff")
    if not member.is_staff:
        raise PermissionDenied
    if member.pk == actor.pk:
        raise ValidationError(_("Non puoi disattivare il tuo profilo."))
    with transaction.atomic():
        _lock_roles()
        if not member.is_active:
            return False
        if (
            _active_administrators().filter(pk=member.pk).exists()
            and not _active_administrators().exclude(pk=member.pk).exists()
        ):
            raise ValidationError(_("Deve restare almeno un amministratore attivo."))
        member.is_active = False
        member.blocked_at = timezone.now()
        member.blocked_reason = reason
        member.save(update_fields=["is_active", "blocked_at", "blocked_reason"])
        services.end_all_sessions(user=member)
        audit.record(actor=actor, action="accounts.staff_deactivate", obj=member, reason=reason)
    return True


def reactivate_staff(*, actor, member, reason):
    """The staff member can log in again. Side effects: is_active on, an audit entry."""
    _require(actor, "accounts.manage_staff")
    if not member.is_staff:
        raise PermissionDenied
    with transaction.atomic():
        if member.is_active:
            return False
        member.is_active = True
        member.blocked_at = None
        member.blocked_reason = ""
        member.save(update_fields=["is_active", "blocked_at", "blocked_reason"])
        audit.record(actor=actor, action="accounts.staff_reactivate", obj=member, reason=reason)
    return True


def reset_two_factor(*, actor, user, reason):
    """For someone who lost the phone with the authenticator and the recovery codes, once
    staff have checked who they are: remove the authenticator and its codes. A staff
    member's needs accounts.manage_staff (their next login asks for a new authenticator); a
    customer's needs accounts.manage_customers (they log in with the password alone and may
    turn it on again). Side effects: the devices deleted, every session ended, an audit
    entry, a notice by e-mail. Nobody resets their own. Returns False when there was none."""
    from django_otp import devices_for_user

    if is_staff_account(user):
        _require(actor, "accounts.manage_staff")
    else:
        _require_customer(actor, user)
    if user.pk == actor.pk:
        raise ValidationError(_("Non puoi azzerare la tua verifica in due passaggi da qui."))
    with transaction.atomic():
        devices = list(devices_for_user(user, confirmed=None))
        if not devices:
            return False
        for device in devices:
            device.delete()
        services.end_all_sessions(user=user)
        audit.record(actor=actor, action="accounts.reset_two_factor", obj=user, reason=reason)
        if user.email:
            accounts_mail.send_two_factor_reset(user=user)
    return True
