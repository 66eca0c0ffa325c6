"""Pages whose shape is the same for many people: rendered once, filled in per request.

A page a customer opens often (the logged-in home, "Bollette online") is, for everyone who sees
the same data, the same menu and the same language, the same HTML but for two values: their
name (header, greeting) and the CSRF token of the "Esci" form. `render_shaped()` renders such a
page through the template engine once per process and `key`, with slots for those two values
(core.templatetags.sportello), and fills them in on each request: the template engine was most
of these pages' time (docs/performance.md).

The caller's `key` must hold everything else the page shows (the rows, the filters, the ids in
its links): the template is rendered with a stand-in user (no name, not staff, no permission),
so a template that reads anything of the person but `user.display_name`, or the request
beyond its path, must not be rendered this way. Staff, and a page with messages to show, are
rendered as usual. Settings the layout shows reset the shapes (core.signals).
"""

from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation

from .csrf import get_token
from .registry import registry
from .templatetags.sportello import SHAPE_TOKEN, SHAPE_USER, fill_shape, split_shape

_shapes = {}
MAX_SHAPES = 1024  # about 25 MB per process at most: a page is 5-25 KB


def forget():
    _shapes.clear()


def render_shaped(request, template_name, context, key):
    """render(request, template_name, context), through a shape kept per `key` (hashable)."""
    user = request.user
    if not user.is_authenticated or user.is_staff or len(get_messages(request)):
        return render(request, template_name, context)
    menu = tuple((item["url"], item["active"]) for item in registry.menu(request))
    full_key = (template_name, translation.get_language(), menu, key)
    parts = _shapes.get(full_key)
    if parts is None:
        shape = {**context, "user": SHAPE_USER, "csrf_token": SHAPE_TOKEN}
        parts = split_shape(loader.render_to_string(template_name, shape, request))
        if len(_shapes) >= MAX_SHAPES:
            _shapes.clear()
        _shapes[full_key] = parts
    return HttpResponse(fill_shape(parts, name=user.display_name, token=get_token(request)))
