import re

from django import template
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.csrf import get_token
from core.identifiers import mask_codice_fiscale

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current URL's query string with `pagina` set to `number` (filters are kept)."""
    query = context["request"].GET.copy()
    query["pagina"] = number
    return "?" + query.urlencode()


@register.filter
def mask_cf(value):
    """A codice fiscale as customers see it everywhere (core.identifiers)."""
    return mask_codice_fiscale(value)


# --- the layout's fixed fragments -------------------------------------------------------------

# Rendered fragments of the layout, per (name, language), for the life of the process: a few.
_fragments = {}
# Header shapes, per (language, menu, signed in or not, ...): at most _MAX_HEADERS.
_headers = {}


def forget_fragments():
    _fragments.clear()
    _headers.clear()


class FixedFragmentNode(template.Node):
    # No block may sit inside a fixed fragment, so {% extends %}'s search for blocks, which
    # walks the parent's whole tree on every render, need not walk into the footer's.
    child_nodelists = ()

    def __init__(self, name, nodelist):
        self.name = name
        self.nodelist = nodelist

    def render(self, context):
        key = (self.name, translation.get_language())
        html = _fragments.get(key)
        if html is None:
            html = _fragments[key] = self.nodelist.render(context)
        return html


@register.tag
def fixed(parser, token):
    """{% fixed name %}…{% endfixed %}: markup that depends on nothing but the settings and the
    language (the layout's stylesheets and footer), rendered once per language and process.
    Every signed-in page paid for its footer's dozen translations and URLs on every request
    (docs/performance.md). Settings change with a deploy, which restarts the processes; a test
    that overrides one gets the fragments rendered anew (core.signals). Never put a block,
    a variable of the request, or the user's data inside."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% fixed %} takes one name")
    nodelist = parser.parse(("endfixed",))
    parser.delete_first_token()
    return FixedFragmentNode(bits[1], nodelist)


# --- the page header ---------------------------------------------------------------------------

# Stand-ins for the two per-request values of a cached header, filled in on each request.
_SLOT = "\x00sp-slot-{}\x00"
_SLOTS = re.compile("\x00sp-slot-(name|csrf)\x00")
_MAX_HEADERS = 512


class _Person:
    """The user as includes/header.html reads it while its shape is rendered once."""

    is_authenticated = True
    is_staff = False
    display_name = _SLOT.format("name")

    def has_perm(self, perm, obj=None):
        return False


SHAPE_USER = _Person()
SHAPE_TOKEN = _SLOT.format("csrf")


def split_shape(html):
    """[text, slot, text, slot, ..., text]: the slots' names at the odd places."""
    return _SLOTS.split(html)


def fill_shape(parts, *, name, token):
    """The page of `parts` (split_shape) with the person's name (escaped here) and the CSRF
    token put in."""
    if len(parts) == 1:
        return parts[0]
    values = {"name": escape(name), "csrf": token}
    out = list(parts)
    for i in range(1, len(out), 2):
        out[i] = values[out[i]]
    return "".join(out)


@register.simple_tag(takes_context=True)
def portal_header(context):
    """The customer and public pages' header (includes/header.html). It is the same for every
    person who sees the same menu in the same language but for their name and the CSRF token
    of the "Esci" form, so its shape is rendered once per (language, menu, signed-in or not)
    and process, and those two values are put in on each request: rendering it through the
    template engine was a third of the logged-in home's time (docs/performance.md). Settings
    it shows reset the cache with the layout's fixed fragments (core.signals)."""
    # The 500 page is rendered without a request (core.views.server_error): anonymous then.
    request, user = context.get("request"), context.get("user") or AnonymousUser()
    authenticated = request is not None and user.is_authenticated
    sections = context.get("personal_sections") or []
    backoffice_link = bool(
        authenticated and user.is_staff and user.has_perm("accounts.access_backoffice")
    )
    key = (
        "header",
        translation.get_language(),
        authenticated,
        backoffice_link,
        tuple((s["url"], bool(s["active"])) for s in sections) if authenticated else (),
        context.get("login_url"),
        context.get("register_url"),
    )
    parts = _headers.get(key)
    if parts is None:
        html = render_to_string(
            "includes/header.html",
            {
                "user": SHAPE_USER if authenticated else AnonymousUser(),
                "csrf_token": SHAPE_TOKEN,
                "utility": settings.UTILITY,
                "login_url": context.get("login_url"),
                "register_url": context.get("register_url"),
                "show_backoffice_link": backoffice_link,
                "center_class": "",
                "brand_url": reverse("home"),
                "tagline": _("Servizi online"),
                "personal_sections": sections,
            },
        )
        parts = split_shape(html)
        if len(_headers) >= _MAX_HEADERS:
            _headers.clear()
        _headers[key] = parts
    if not authenticated:  # no name, no "Esci": no slot
        return mark_safe(parts[0])  # noqa: S308 - rendered by the template engine
    token = context.get("csrf_token")
    html = fill_shape(
        parts,
        name=user.display_name,
        token=get_token(request) if token is None else str(token),
    )
    return mark_safe(html)  # noqa: S308 - template output and escaped values
