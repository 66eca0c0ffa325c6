from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Every form renders through templates/forms/: label, errors, input, help text, with the
    ids that aria-describedby points at, and the Bootstrap Italia classes set on widgets."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if widget is not None:
            _style_widget(widget)
        return super().render(template_name, context, request)


def _style_widget(widget):
    attrs = widget["attrs"]
    kind = widget.get("type")
    if kind in ("checkbox", "radio"):
        css = "form-check-input"
    elif kind == "select" or widget.get("template_name", "").endswith("/select.html"):
        css = "form-select"
    elif kind == "hidden":
        return
    else:
        css = "form-control"
    existing = attrs.get("class", "")
    if css not in existing.split():
        attrs["class"] = f"{existing} {css}".strip()
