"""How a domain plugs into the portal: one registry that apps fill from `AppConfig.ready()`.

`core` imports no app of ours; each app tells the registry what it contributes, and the
portal shows only what installed apps registered. A new domain (say `readings`) is a folder
plus one line in INSTALLED_APPS:

    # readings/apps.py
    class ReadingsConfig(AppConfig):
        name = "readings"
        url_prefix = "letture/"  # sportello/urls.py includes readings.urls there

        def ready(self):
            from core.registry import registry

            from . import exports, feed

            registry.register_menu(_("Le mie letture"), "readings:list", order=15)
            registry.register_home_card(order=15, context=selectors.home_card)
            registry.register_public_feature(order=15, title=_("Autolettura"), text=_("…"))
            registry.register_export("letture", exports.readings)
            registry.register_deletion(services.forget_readings)
            registry.register_feed_file(feed.METERS_SPEC)
            registry.register_export_file("readings.csv", exports.readings_since)
            registry.register_backoffice_entry(_("Letture"), "readings:staff_list",
                                               permission="readings.view_reading", order=30)
            registry.register_mail_with_link("reading_confirm")  # only if its mail holds a link
            registry.register_contract_section(order=10, template="readings/section.html",
                                               context=selectors.contract_section)
            registry.register_role_permissions("Operatore servizio clienti",
                                               ["readings.validate_reading"])

What each contribution is:

- menu entries: the personal area's menu (`personal_sections` in every template), in
  `order` (the guide's: I miei servizi 10, Il mio profilo 20, Richieste e reclami 30, Le mie
  pratiche 40), each shown when its URL resolves and `visible(request)` is true.
- profile menu entries: "Il mio profilo"'s own menu (`profile_menu` in templates), after
  the profile's pages, in `order`.
- home cards: the logged-in home page shows the standard card (title, url, text, an
  optional action) made of `context(request)`, or includes `template` with `card` set to it.
- public features: what the anonymous home page and the Contatti page say the portal offers.
- exports: sections of "Scarica i miei dati": `function(user)` returns a list of dicts with
  Italian keys and values as the pages show them (core.registry.local_time for times).
- deletions: `function(user)` runs in "Elimina profilo"'s transaction before the user row is
  deleted (`delete_personal_data(user=user)`).
- feed files: a `feeds.importer.FileSpec` (columns, normalisation, checks) of a file of the
  billing-system feed in; `import_feed` applies the registered files in their `order`.
- export files: `function(since)` returns rows (the first is the header, each row starts
  with a stable id) for `export_feed DIR [--since]`.
- back-office entries: the back-office menu, each shown to staff holding `permission` (a
  permission name, or a callable user -> bool).
- mails with a link: kinds of outbox mail whose body holds a live single-use link; the
  development mailbox shows their text only with DEBUG.
- contract sections: blocks of a contract's page ("Apri"), in `order` (the guide's: Letture
  contatore 10, Bollette online 20): `template` is included with `section` set to
  `context(request, link)` (link: the customer's ContractLink, already scoped to them), when
  `visible(link.contract)` is true (say, water contracts only).
- large bodies: URLs whose form may send more than REQUEST_MAX_BYTES (several attachments):
  core.request_size lets a signed-in user (or, with `permission`, verified staff holding it)
  send up to `max_bytes` there.
- role permissions: permissions an app gives a staff role (a group named in
  accounts.staff.ROLES). The app's own migration grants them on existing databases
  (accounts.migration_tools.grant_role_permissions); the registration is what
  accounts.staff.role_permissions() and the tests read, so the two cannot drift apart.
- URLs: an AppConfig with `url_prefix` has its `urls` module included by sportello/urls.py.

Every registration is keyed (a menu entry by its URL name, a section by its name, and so
on), so running an app's ready() twice changes nothing, and it remembers the module that
registered it: a contribution counts only while that module's app is installed.
"""

import contextlib
import sys
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import AppRegistryNotReady
from django.urls import NoReverseMatch, get_urlconf, reverse
from django.utils import timezone

from . import sql


def _always(request):
    return True


def _no_context(request):
    return {}


def local_time(value):
    """A datetime as the pages show it: Europe/Rome, dd/mm/yyyy HH:MM; a date dd/mm/yyyy."""
    if value is None:
        return None
    if hasattr(value, "hour"):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def home_card_context(entry, request, number):
    """A home card's `context(request)`, or `context(request, number)` for a counted card."""
    return entry.context(request) if entry.count is None else entry.context(request, number)


@dataclass(frozen=True)
class Entry:
    """One contribution; `app` is the app that registered it (empty when registered before
    the apps were ready: then the app whose package holds `module`)."""

    key: Any
    module: str
    app: str = ""
    order: int = 100
    label: Any = ""
    url_name: str = ""
    visible: Any = _always
    template: str = ""
    context: Any = _no_context
    title: Any = ""
    text: Any = ""
    function: Any = None
    permission: Any = None
    count: Any = None
    extra: dict = field(default_factory=dict)


class Registry:
    KINDS = (
        "menu",
        "profile_menu",
        "home_card",
        "public_feature",
        "export",
        "deletion",
        "feed_file",
        "export_file",
        "backoffice",
        "mail_with_link",
        "contract_section",
        "role_permissions",
        "large_body",
    )

    def __init__(self):
        self._entries = {kind: {} for kind in self.KINDS}
        self._installed_for = None  # the apps.app_configs the cache below was computed for
        self._installed = frozenset()
        self._urls = {}

    # --- registering ----------------------------------------------------------------------

    def _add(self, kind, key, **values):
        # The caller of register_* (an app's ready()): the contribution is that app's, and
        # counts only while that app is installed.
        module = sys._getframe(2).f_globals.get("__name__", "")
        try:
            app = apps.get_containing_app_config(module)
        except AppRegistryNotReady:
            app = None
        self._entries[kind][key] = Entry(
            key=key, module=module, app=app.name if app else "", **values
        )

    def register_menu(self, label, url_name, *, order, visible=None):
        """A personal-area menu entry; shown when `url_name` resolves and `visible(request)`."""
        self._add(
            "menu", url_name, label=label, url_name=url_name, order=order,
            visible=visible or _always,
        )  # fmt: skip

    def register_profile_menu(self, label, url_name, *, order):
        """An entry of "Il mio profilo"'s own menu, after the profile's pages (Visualizza
        profilo 10, Modifica profilo web 20, Modifica credenziali di accesso 30)."""
        self._add("profile_menu", url_name, label=label, url_name=url_name, order=order)

    def register_home_card(self, *, order, context=None, template=None, visible=None, count=None):
        """A card of the logged-in home page. Without `template`, the standard card, drawn
        by core: `context(request)` returns title, url, text and, optionally, action_label
        and action_url. With `template`, that template is included with `card` set to
        `context(request)`. A card that shows a number of the user's rows gives `count(user)`
        returning a core.sql.Count: the home page runs every card's count in one statement
        and calls `context(request, number)`. A standard card is drawn once per language and
        number and kept, so its context must depend on nothing else of the request (what
        is the person's goes through `count`; `visible(request)` decides whether it shows).
        A card is keyed by its app's module and its template."""
        module = sys._getframe(1).f_globals.get("__name__", "")
        self._add(
            "home_card", (module, template or ""), template=template or "", order=order,
            context=context or _no_context, visible=visible or _always, count=count,
        )  # fmt: skip

    def register_public_feature(self, *, order, title, text):
        """What the anonymous home page and the Contatti page say the portal offers."""
        self._add("public_feature", str(title), title=title, text=text, order=order)

    def register_export(self, name, function, *, order=100):
        """A section of "Scarica i miei dati": `function(user)` -> list of dicts."""
        self._add("export", name, function=function, order=order)

    def register_deletion(self, function, *, order=100):
        """A rule of "Elimina profilo": `function(user)`, before the user row is deleted."""
        key = f"{function.__module__}.{function.__qualname__}"
        self._add("deletion", key, function=function, order=order)

    def register_feed_file(self, spec):
        """A file of the billing-system feed in (a feeds.importer.FileSpec)."""
        self._add("feed_file", spec.name, function=spec, order=spec.order)

    def register_export_file(self, name, function, *, order=100):
        """A file of `export_feed`: `function(since)` -> rows, the header first."""
        self._add("export_file", name, function=function, order=order)

    def register_backoffice_entry(self, label, url_name, *, permission, order):
        """A back-office menu entry for staff holding `permission` (a name or a callable)."""
        self._add(
            "backoffice", url_name, label=label, url_name=url_name, permission=permission,
            order=order,
        )  # fmt: skip

    def register_mail_with_link(self, kind):
        """An outbox mail kind whose body holds a live single-use link."""
        self._add("mail_with_link", kind)

    def register_contract_section(self, *, order, template, context, visible=None):
        """A block of a contract's page: `template` with `section` = `context(request, link)`,
        shown when `visible(contract)`."""
        self._add(
            "contract_section", template, template=template, order=order, context=context,
            visible=visible or _always,
        )  # fmt: skip

    def register_large_body(self, url_name, *, max_bytes, permission=None):
        """A URL that takes a request body larger than REQUEST_MAX_BYTES (a form with several
        attachments), up to `max_bytes`: for any signed-in user, or, with `permission`, only
        for verified staff holding it (core.request_size)."""
        self._add(
            "large_body", url_name, url_name=url_name, permission=permission,
            extra={"max_bytes": max_bytes},
        )  # fmt: skip

    def register_role_permissions(self, role, permissions):
        """Permissions ("app_label.codename") this app gives the staff role named `role`."""
        module = sys._getframe(1).f_globals.get("__name__", "")
        perms = {"perms": tuple(permissions)}
        self._add("role_permissions", (module, role), title=role, extra=perms)

    # --- reading --------------------------------------------------------------------------

    def _is_installed(self, entry):
        if self._installed_for is not apps.app_configs:
            self._installed = frozenset(app.name for app in apps.get_app_configs())
            self._installed_for = apps.app_configs
        if entry.app:
            return entry.app in self._installed
        return any(entry.module.startswith(name + ".") for name in self._installed)

    def entries(self, kind):
        """The contributions of installed apps, in their order (then registration order)."""
        found = [e for e in self._entries[kind].values() if self._is_installed(e)]
        return sorted(found, key=lambda e: e.order)

    def url(self, url_name):
        """reverse(url_name), cached per URLconf; None when it does not resolve."""
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        routes = self._urls.setdefault(urlconf, {})
        if url_name not in routes:
            routes[url_name] = None
            with contextlib.suppress(NoReverseMatch):
                routes[url_name] = reverse(url_name, urlconf=urlconf)
        return routes[url_name]

    def menu(self, request):
        """The personal area's menu: [{"label", "url", "active"}]."""
        items = []
        for entry in self.entries("menu"):
            url = self.url(entry.url_name)
            if url is not None and entry.visible(request):
                items.append(
                    {"label": entry.label, "url": url, "active": request.path.startswith(url)}
                )
        return items

    def profile_menu(self, request):
        """Entries apps add to "Il mio profilo"'s menu: [{"label", "url", "active"}]."""
        items = []
        for entry in self.entries("profile_menu"):
            url = self.url(entry.url_name)
            if url is not None:
                items.append(
                    {"label": entry.label, "url": url, "active": request.path.startswith(url)}
                )
        return items

    def home_card_counts(self, request):
        """The logged-in home's cards as [(entry, number)], every card's count read in one
        statement (every signed-in person opens the home page); number is None for a card
        without `count`."""
        shown = [e for e in self.entries("home_card") if e.visible(request)]
        numbers = iter(sql.counts([e.count(request.user) for e in shown if e.count is not None]))
        return [(e, None if e.count is None else next(numbers)) for e in shown]

    def public_features(self):
        return [{"title": e.title, "text": e.text} for e in self.entries("public_feature")]

    def export_sections(self, user):
        """[(name, rows)] of "Scarica i miei dati", in order."""
        return [(e.key, e.function(user)) for e in self.entries("export")]

    def delete_personal_data(self, *, user):
        """Run every installed app's deletion rule for `user` (the caller deletes the row)."""
        for entry in self.entries("deletion"):
            entry.function(user)

    def feed_files(self):
        """The FileSpecs of the feed in, in the order they are applied."""
        return [e.function for e in self.entries("feed_file")]

    def export_files(self):
        """[(name, function(since))] of `export_feed`."""
        return [(e.key, e.function) for e in self.entries("export_file")]

    def backoffice_entries(self, request):
        """The back-office menu for this staff member: [{"label", "url", "active"}]."""
        user = request.user
        items = []
        for entry in self.entries("backoffice"):
            permission = entry.permission
            allowed = permission(user) if callable(permission) else user.has_perm(permission)
            url = self.url(entry.url_name)
            if allowed and url is not None:
                items.append(
                    {"label": entry.label, "url": url, "active": request.path.startswith(url)}
                )
        return items

    def contract_sections(self, request, link):
        """The blocks of a contract's page: [{"template", "context"}]."""
        return [
            {"template": e.template, "context": e.context(request, link)}
            for e in self.entries("contract_section")
            if e.visible(link.contract)
        ]

    def role_permissions(self):
        """{role name: set of permissions} that installed apps give staff roles."""
        roles = {}
        for entry in self.entries("role_permissions"):
            roles.setdefault(entry.title, set()).update(entry.extra["perms"])
        return roles

    def large_bodies(self):
        """{url name: (permission or None, max bytes)} of the URLs that take larger bodies."""
        return {e.key: (e.permission, e.extra["max_bytes"]) for e in self.entries("large_body")}

    def mail_with_link_kinds(self):
        return frozenset(e.key for e in self.entries("mail_with_link"))


registry = Registry()
