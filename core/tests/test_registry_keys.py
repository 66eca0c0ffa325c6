from django.test import RequestFactory

from core.registry import Registry, home_card_context

CALL = "registry.register_home_card(order=order, context=context)"


def _register(registry, module, order, context):
    # As if from `module`'s AppConfig.ready(): the registry keys a card by its caller.
    scope = {"__name__": module, "registry": registry, "order": order}
    exec(CALL, {**scope, "context": context})  # noqa: S102


def test_two_apps_may_both_use_the_standard_card():
    registry = Registry()
    _register(registry, "customers.apps", 10, lambda request: {"title": "I miei servizi"})
    _register(registry, "accounts.apps", 20, lambda request: {"title": "Il mio profilo"})
    _register(registry, "accounts.apps", 20, lambda request: {"title": "Il mio profilo"})
    request = RequestFactory().get("/")
    cards = [home_card_context(e, request, n) for e, n in registry.home_card_counts(request)]
    assert [c["title"] for c in cards] == ["I miei servizi", "Il mio profilo"]
