from django import template

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
