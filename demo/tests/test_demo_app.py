"""The demo app: installed only with DEBUG, DEMO=1 or in tests; its commands refuse an HTTPS
PUBLIC_URL with no way around it."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command


def _installed_apps(**env):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print('demo' in settings.INSTALLED_APPS)"
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "sportello.settings",
        "SPORTELLO_VAR_DIR": str(settings.VAR_DIR),
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment, cwd=settings.BASE_DIR,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip() == "True"


@pytest.mark.parametrize(
    ("env", "installed"),
    [({}, False), ({"DEMO": "1"}, True), ({"DEBUG": "1"}, True), ({"DEMO": "0"}, False)],
)
def test_installed_only_on_demo_and_developer_instances(env, installed):
    assert _installed_apps(**env) is installed


def test_seed_demo_has_no_force():
    from demo.management.commands.seed_demo import Command

    parser = Command().create_parser("manage.py", "seed_demo")
    options = {option for action in parser._actions for option in action.option_strings}
    assert "--force" not in options  # (argparse would read --force as --force-color)


@pytest.mark.parametrize("command", [("seed_demo",), ("demo_code", "charlie")])
def test_demo_commands_refuse_an_https_url(db, settings, command):
    settings.HTTPS = True
    with pytest.raises(CommandError, match="HTTPS"):
        call_command(*command, verbosity=0)


def test_the_run_banner_comes_from_the_demo_app():
    from django.apps import apps

    lines = apps.get_app_config("demo").banner()
    assert any("alice" in line and "Alice-demo-2026!" in line for line in lines)


def test_seed_demo_gives_alice_requests_and_a_draft_pratica_once(db, client):
    from django.contrib.auth import get_user_model

    from pratiche.models import Pratica, State
    from tickets.models import Message, Ticket

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    alice = get_user_model().objects.get(username="alice")
    tickets = Ticket.objects.filter(user=alice)
    assert sorted(t.status for t in tickets) == ["answered", "submitted"]
    assert Message.objects.filter(ticket__user=alice, sender=Message.Sender.STAFF).count() == 1
    draft = Pratica.objects.get(user=alice)
    assert draft.state == State.DRAFT and draft.data["supply_town"] == "Villa del Conte"
    client.force_login(alice)
    html = client.get("/richieste/").content.decode()
    assert "Autolettura del contatore" in html and "Cassonetto danneggiato" in html
    assert "Attivazione nuovo servizio" in client.get("/pratiche/").content.decode()
