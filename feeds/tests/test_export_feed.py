"""`manage.py export_feed DIR [--since]`: what customers did, back to the billing system."""

import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from customers.models import ContractLink
from customers.services import unlink_contract
from customers.tests.factories import ContractFactory

pytestmark = pytest.mark.django_db


def _read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_contract_links_made_and_removed_with_stable_ids(tmp_path, alice):
    from core import audit

    alice.phone_mobile = "+393471234567"
    alice.save()
    contract = ContractFactory()
    link = ContractLink.objects.create(user=alice, contract=contract, declaration_version="1")
    audit.record(
        actor=alice,
        action="customers.link",
        obj=link,
        service_code=contract.service_code,
        link=str(link.uid),
    )
    call_command("export_feed", str(tmp_path), stdout=io.StringIO())
    first = _read(tmp_path / "contract_links.csv")
    assert first[0][:4] == ["event_id", "event", "link_uid", "service_code"]
    assert first[1][1:7] == [
        "linked", str(link.uid), contract.service_code, str(alice.uid), alice.email,
        "+393471234567",
    ]  # fmt: skip

    unlink_contract(link=link, actor=alice)
    call_command("export_feed", str(tmp_path), stdout=io.StringIO())
    second = _read(tmp_path / "contract_links.csv")
    assert second[1] == first[1]  # the same event keeps its id
    assert second[2][1] == "unlinked"
    assert second[2][3] == contract.service_code
    assert second[2][4] == str(alice.uid)

    later = timezone.now() + datetime.timedelta(minutes=1)
    call_command("export_feed", str(tmp_path), "--since", later.isoformat(), stdout=io.StringIO())
    assert len(_read(tmp_path / "contract_links.csv")) == 1  # the header only


def test_since_must_be_a_date(tmp_path):
    with pytest.raises(CommandError, match="--since"):
        call_command("export_feed", str(tmp_path), "--since", "yesterday")


def test_help_names_the_files(capsys):
    with pytest.raises(SystemExit):
        call_command("export_feed", "--help")
    assert "contract_links.csv" in capsys.readouterr().out
