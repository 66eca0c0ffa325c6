from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current URL's query string with `pagina` set to `number` (filters are kept)."""
    query = context["request"].GET.copy()
    query["pagina"] = number
    return "?" + query.urlencode()
