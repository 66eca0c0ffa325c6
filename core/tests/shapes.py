"""A page served through its kept shape (core.shapes) against the same page rendered as usual."""

import re

from core import shapes

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def both_ways(client, url, monkeypatch):
    """(HTML through the shape, HTML rendered as usual) of `url`, the CSRF tokens (fresh on
    every page) replaced by one stand-in. A shape that read anything of the person but the
    name, or of the request, would differ from the usual rendering."""
    shapes.forget()
    client.get(url)  # the shape is rendered and kept
    kept = client.get(url)  # and this one is filled in from it
    assert shapes._shapes, f"{url} was not served through a shape"
    with monkeypatch.context() as patch:
        # A page with messages is rendered as usual (core.shapes.render_shaped).
        patch.setattr(shapes, "get_messages", lambda request: [None])
        usual = client.get(url)
    assert kept.status_code == usual.status_code == 200
    token = 'name="csrfmiddlewaretoken" value="TOKEN"'
    return (
        _TOKEN.sub(token, kept.content.decode()),
        _TOKEN.sub(token, usual.content.decode()),
    )
