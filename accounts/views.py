import csv
import io
import re
import time

from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_ratelimit.core import is_ratelimited

from core import policy
from core.http import client_key

from . import selectors, services, two_factor
from .backends import cool_off_minutes, is_locked_out, needs_captcha, verify_password
from .exports import export_data, export_rows
from .forms import (
    ChangePasswordForm,
    DeleteProfileForm,
    InitialPasswordForm,
    LoginForm,
    PasswordResetRequestForm,
    ProfileForm,
    RegistrationForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    locked_out_message,
)
from .passwords import MAX_LENGTH as MAX_PASSWORD_LENGTH
from .passwords import user_inputs
from .services import TokenError
from .tasks import send_password_reset

User = get_user_model()
PENDING_2FA = "sportello_2fa_pending"
PENDING_2FA_SECONDS = 300


def _ip_key(group, request):
    return client_key(request)


def _too_many(request, group, rate):
    return is_ratelimited(request, group=group, key=_ip_key, rate=rate, increment=True)


def _keep_session_after_password_change(request, user):
    """Stay logged in after a new password; the session's new key keeps its UserSession."""
    old_key = request.session.session_key
    update_session_auth_hash(request, user)
    services.follow_session(old_key=old_key, new_key=request.session.session_key)


def _meter_words(user):
    """The profile's words the browser's strength meter should treat as guessable, as the
    server does (accounts.passwords). Not the tax codes: pages never show them whole."""
    hidden = {user.codice_fiscale, user.partita_iva} - {""}
    return "|".join(w for w in user_inputs(user) if w not in hidden)


def _safe_next(request, fallback="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(fallback)


# --- login, two-step verification, logout ----------------------------------------------------


@sensitive_post_parameters("password")
def login(request):
    """ "Accesso utente". Failures are counted per (username, address) by django-axes;
    a per-address ceiling on attempts slows guessing across many usernames."""
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST":
        if _too_many(request, "login-ip", policy.LOGIN_ATTEMPTS_RATE):
            return lockout(request)
        # The per-(username, address) lock of django-axes does not stop a botnet, or IPv6
        # addresses taken one after the other: past a number of failures from anywhere, the
        # profile asks for a CAPTCHA too.
        username = request.POST.get("username", "")
        if is_locked_out(request, username):
            return lockout(request)
        if needs_captcha(username):
            form = LoginForm(request, data=request.POST, captcha=True)
        if form.is_valid():
            user = form.get_user()
            if two_factor.has_two_factor(user):
                request.session.cycle_key()
                request.session[PENDING_2FA] = {
                    "user": user.pk,
                    "backend": user.backend,
                    "at": time.time(),
                    "next": _safe_next(request),
                }
                return redirect("accounts:login_verify")
            auth_login(request, user)
            return redirect(_safe_next(request))
        if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            services.warn_of_login_attempts(identifier=username)
    # A failed attempt keeps where the customer was going (the form posts it back).
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def lockout(request, *args, **kwargs):
    """django-axes' answer once a (username, address) pair has failed too often."""
    form = LoginForm(request, initial={"username": request.POST.get("username", "")[:254]})
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "throttled": True,
            "minutes": cool_off_minutes(),
            "next": request.POST.get("next", ""),
        },
        status=429,
    )


def login_verify(request):
    """Second step for profiles with two-step verification: the app's code or a recovery
    code."""
    pending = request.session.get(PENDING_2FA)
    if not pending or time.time() - pending["at"] > PENDING_2FA_SECONDS:
        request.session.pop(PENDING_2FA, None)
        messages.info(request, _("Accedi di nuovo: la verifica è scaduta."))
        return redirect("accounts:login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        raise Http404
    error = None
    if request.method == "POST":
        # Digits of the app or a recovery code: anything else (a NUL byte…) is just wrong.
        token = re.sub(r"[^0-9A-Za-z]", "", request.POST.get("token", ""))[:16]
        if _too_many(request, "login-verify", policy.LOGIN_VERIFY_RATE):
            error = _("Troppi tentativi. Attendi qualche minuto e riprova.")
        elif two_factor.is_throttled(user):
            error = two_factor.THROTTLED_MESSAGE
        elif (device := two_factor.match(user, token)) is not None:
            del request.session[PENDING_2FA]
            user.backend = pending["backend"]
            auth_login(request, user)
            otp_login(request, device)
            return redirect(pending["next"])
        else:
            error = _("Il codice non è valido. Controlla l'app e riprova.")
    return render(
        request, "accounts/login_verify.html", {"error": error}, status=400 if error else 200
    )


@require_POST
def logout(request):
    auth_logout(request)
    messages.success(request, _("Sei uscito dall'area riservata."))
    return redirect("home")


# --- registration and confirmation ------------------------------------------------------------


def register(request):
    """ "Registrazione utente" (guide steps 1-7)."""
    if request.user.is_authenticated:
        return redirect("home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Only complete submissions count; when over the limit the form stays filled in.
        if not _too_many(request, "register", policy.REGISTRATION_RATE):
            services.register(data=form.cleaned_data, request=request)
            return redirect("accounts:register_done")
        form.add_error(
            None,
            _("Troppe registrazioni da questo indirizzo. Attendi un'ora e invia di nuovo."),
        )
        return render(request, "accounts/register.html", {"form": form}, status=429)
    return render(request, "accounts/register.html", {"form": form})


def register_done(request):
    return render(request, "accounts/register_done.html")


def confirm(request, token):
    """The welcome link (guide step 9): a page with "Accedi". Only the POST uses the link,
    so a mail scanner opening it does not spend it."""
    try:
        row = services.inspect_token(token=token, purpose="confirm")
    except TokenError as error:
        return render(
            request,
            "accounts/link_invalid.html",
            {"reason": error.reason, "form": ResendConfirmationForm()},
            status=410 if error.reason != "invalid" else 404,
        )
    if request.method == "POST":
        try:
            user = services.confirm_registration(token=token, request=request)
        except TokenError as error:
            return render(
                request,
                "accounts/link_invalid.html",
                {"reason": error.reason, "form": ResendConfirmationForm()},
                status=410,
            )
        if request.user.is_authenticated:
            auth_logout(request)
        auth_login(request, user, backend="accounts.backends.UsernameOrEmailBackend")
        return redirect("accounts:set_password")
    return render(request, "accounts/confirm.html", {"username": row.user.username})


def resend_confirmation(request):
    form = ResendConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _too_many(request, "resend", policy.CONFIRMATION_RESEND_RATE):
            services.resend_confirmation(email=form.cleaned_data["email"])
        return render(request, "accounts/resend_done.html")
    return render(request, "accounts/resend.html", {"form": form})


@login_required
@sensitive_post_parameters("password1", "password2")
def set_password(request):
    """Guide step 10: choose the password and "Salva"."""
    user = request.user
    if user.has_usable_password():
        return redirect("accounts:profile")
    form = InitialPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.set_initial_password(
            user=user, password=form.cleaned_data["password1"], request=request
        )
        _keep_session_after_password_change(request, user)
        return redirect("accounts:welcome")
    return render(
        request, "accounts/set_password.html", {"form": form, "user_inputs": _meter_words(user)}
    )


@login_required
def welcome(request):
    return render(request, "accounts/welcome.html")


# --- password recovery -----------------------------------------------------------------------


def password_reset(request):
    """ "Richiedi nuova password": the same answer whether or not the profile exists."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The lookup, the link and the mail happen in a task: whether the profile exists,
        # this request does the same work and takes the same time.
        if not _too_many(request, "password-reset", policy.PASSWORD_RESET_RATE):
            send_password_reset.enqueue(form.cleaned_data["identifier"])
        return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_done(request):
    return render(request, "accounts/password_reset_done.html")


@sensitive_post_parameters("password1", "password2")
def password_reset_confirm(request, token):
    try:
        row = services.inspect_token(token=token, purpose="reset")
    except TokenError as error:
        return render(request, "accounts/reset_invalid.html", {"reason": error.reason}, status=410)
    form = ResetPasswordForm(request.POST or None, user=row.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password(
                token=token, password=form.cleaned_data["password1"], request=request
            )
        except TokenError as error:
            return render(
                request, "accounts/reset_invalid.html", {"reason": error.reason}, status=410
            )
        if request.user.is_authenticated:
            auth_logout(request)
        messages.success(
            request, _("La nuova password è stata salvata. Accedi con la nuova password.")
        )
        return redirect("accounts:login")
    return render(
        request,
        "accounts/password_reset_confirm.html",
        {"form": form, "user_inputs": _meter_words(row.user)},
    )


# --- "Il mio profilo" --------------------------------------------------------------------------


@login_required
def profile(request):
    """ "Visualizza profilo"."""
    return render(
        request,
        "accounts/profile.html",
        {
            "profile": request.user,
            "news_consent": services.news_consent(request.user),
            "two_factor": two_factor.has_two_factor(request.user),
        },
    )


@login_required
def profile_edit(request):
    """ "Modifica profilo web"."""
    user = request.user
    initial = {"news_consent": services.news_consent(user)}
    form = ProfileForm(request.POST or None, instance=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        email_pending = services.update_profile(user=user, data=data, request=request)
        services.set_news_consent(user=user, granted=data["news_consent"], request=request)
        messages.success(request, _("Il profilo web è stato aggiornato."))
        if email_pending:
            messages.info(
                request,
                _(
                    "Ti abbiamo inviato un link al nuovo indirizzo e-mail: il cambio vale dopo "
                    "che lo avrai aperto. Fino ad allora resta valido l'indirizzo attuale."
                ),
            )
        return redirect("accounts:profile")
    return render(request, "accounts/profile_edit.html", {"form": form})


def email_change_confirm(request, token):
    try:
        services.inspect_token(token=token, purpose="email_change")
    except TokenError as error:
        return render(request, "accounts/email_invalid.html", {"reason": error.reason}, status=410)
    if request.method == "POST":
        try:
            services.confirm_email_change(token=token, request=request)
        except TokenError as error:
            return render(
                request, "accounts/email_invalid.html", {"reason": error.reason}, status=410
            )
        messages.success(request, _("Il nuovo indirizzo e-mail è confermato."))
        return redirect("accounts:profile" if request.user.is_authenticated else "accounts:login")
    return render(request, "accounts/email_confirm.html")


@login_required
@sensitive_post_parameters("current_password", "password1", "password2")
def password_change(request):
    """ "Modifica credenziali di accesso"."""
    form = ChangePasswordForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        services.change_password(
            user=request.user, password=form.cleaned_data["password1"], request=request
        )
        _keep_session_after_password_change(request, request.user)
        messages.success(
            request,
            _("La password è stata modificata. Le altre sessioni aperte sono state chiuse."),
        )
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "user_inputs": _meter_words(request.user)},
        status=429 if form.locked_out else 200,
    )


@login_required
def activity(request):
    user = request.user
    return render(
        request,
        "accounts/activity.html",
        {
            "events": selectors.recent_events(user),
            "sessions": selectors.sessions_of(user),
            "current_key": request.session.session_key,
        },
    )


@login_required
@require_POST
def end_session(request):
    # The page posts the row's id, never a session key: a key is as good as a login cookie.
    session_id = request.POST.get("session", "")
    if not session_id.isdigit() or not services.end_session(
        user=request.user,
        session_id=int(session_id),
        current_key=request.session.session_key,
        request=request,
    ):
        raise Http404
    messages.success(request, _("La sessione è stata chiusa."))
    return redirect("accounts:activity")


@login_required
@require_POST
def end_other_sessions(request):
    count = services.end_all_sessions(user=request.user, keep=request.session.session_key)
    messages.success(request, _("Sessioni chiuse: %(count)d.") % {"count": count})
    return redirect("accounts:activity")


@login_required
@sensitive_post_parameters("password")
def delete_profile(request):
    """ "Elimina profilo"."""
    form = DeleteProfileForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        user = request.user
        auth_logout(request)
        services.delete_profile(user=user)
        return redirect("accounts:deleted")
    return render(
        request, "accounts/delete.html", {"form": form}, status=429 if form.locked_out else 200
    )


def deleted(request):
    return render(request, "accounts/deleted.html")


@login_required
def my_data(request):
    return render(request, "accounts/my_data.html")


@login_required
def my_data_json(request):
    response = JsonResponse(export_data(request.user), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="i-miei-dati.json"'
    return response


@login_required
def my_data_csv(request):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["sezione", "numero", "campo", "valore"])
    writer.writerows(export_rows(request.user))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="i-miei-dati.csv"'
    return response


# --- two-step verification ---------------------------------------------------------------


def _password_again_error(outcome):
    return locked_out_message() if outcome == "locked" else _("La password non è corretta.")


@login_required
@sensitive_post_parameters("password", "token")
def two_factor_setup(request):
    """Set up the authenticator; once it is on: new recovery codes, or (customers only)
    turn it off. Staff who have not verified an authenticator in this session can only
    set one up here (core.middleware.StaffTwoFactorMiddleware sends them here)."""
    user = request.user
    active = two_factor.has_two_factor(user)
    verified = two_factor.session_is_verified(user)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    errors = {}
    status = 200
    if action == "disable":
        if user.is_staff or not active:
            raise Http404  # mandatory for staff; nothing to turn off otherwise
        outcome = verify_password(request=request, user=user, password=_password_in(request))
        if outcome == "ok":
            two_factor.disable_two_factor(user=user, request=request)
            messages.success(request, _("La verifica in due passaggi è stata disattivata."))
            return redirect("accounts:profile")
        errors["disable"] = _password_again_error(outcome)
        status = 429 if outcome == "locked" else 400
    elif action == "codes":
        if not active:
            raise Http404  # recovery codes exist only with an authenticator
        codes, errors["codes"], status = _new_recovery_codes(request, verified=verified)
        if codes is not None:
            return render(request, "accounts/two_factor_codes.html", {"codes": codes})
    elif request.method == "POST":
        if active:
            raise Http404  # replacing the authenticator means turning it off first
        token = request.POST.get("token", "").replace(" ", "")[:16]
        if not two_factor.pending_totp_device(user).verify_is_allowed()[0]:
            errors["token"] = two_factor.THROTTLED_MESSAGE
        else:
            codes = two_factor.confirm_totp(user=user, token=token, request=request)
            if codes is not None:
                otp_login(request, user.totpdevice_set.get(confirmed=True))
                return render(request, "accounts/two_factor_codes.html", {"codes": codes})
            errors["token"] = _("Il codice non è valido: controlla l'ora del telefono e riprova.")
        status = 400
    context = {
        "active": active,
        "verified": verified,
        "error": errors.get("token"),
        "disable_error": errors.get("disable"),
        "codes_error": errors.get("codes"),
    }
    if not active:
        device = two_factor.pending_totp_device(user)
        context.update(
            qr=two_factor.qr_data_uri(device),
            secret=two_factor.secret_for_manual_entry(device),
        )
    else:
        context["remaining"] = two_factor.remaining_recovery_codes(user)
    return render(request, "accounts/two_factor.html", context, status=status)


def _password_in(request):
    return request.POST.get("password", "")[:MAX_PASSWORD_LENGTH]


def _new_recovery_codes(request, *, verified):
    """New recovery codes once the person proves it again: the code the app shows now, or
    (in a session verified with the authenticator) the password. Returns (codes, error,
    status)."""
    user = request.user
    value = _password_in(request)
    token = re.sub(r"\s", "", value)
    if token.isdigit() and len(token) in (6, 8):
        if two_factor.is_throttled(user):
            return None, two_factor.THROTTLED_MESSAGE, 400
        device = two_factor.matches_authenticator(user, token)
        if device is not None:
            otp_login(request, device)
            return two_factor.regenerate_recovery_codes(user=user), None, 200
    if not verified:
        return None, _("Scrivi il codice di 6 cifre che l'app mostra in questo momento."), 400
    outcome = verify_password(request=request, user=user, password=value)
    if outcome == "ok":
        return two_factor.regenerate_recovery_codes(user=user), None, 200
    if outcome == "locked":
        return None, _password_again_error(outcome), 429
    return None, _("La password o il codice non sono corretti."), 400
