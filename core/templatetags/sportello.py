from django import template
from django.utils import translation

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

# Rendered fragments of the layout, per (name, language), for the life of the process.
_fragments = {}


def forget_fragments():
    _fragments.clear()


class FixedFragmentNode(template.Node):
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
