"""The accounts' e-mails state lifetimes and limits as core.policy has them."""

import pytest

from accounts import mail

from .helpers import person_data, the_mail

pytestmark = pytest.mark.usefixtures("captcha_test_mode")


def test_the_welcome_mail_states_the_links_lifetime_and_the_purge(client, db):
    client.post("/registrati/", person_data())
    welcome = the_mail(mail.WELCOME)
    for text in (welcome.body_text, welcome.body_html):
        assert "entro 24 ore" in text
        assert "dopo 7 giorni" in text


def test_the_reset_mail_states_its_lifetime(alice):
    mail.send_password_reset(user=alice, link="http://testserver/password/nuova/x/")
    assert "entro un'ora" in the_mail(mail.PASSWORD_RESET).body_text


def test_the_login_warning_states_the_window(alice):
    mail.send_login_attempts(user=alice, failures=10, minutes=15)
    assert "in un arco di 15 minuti" in the_mail(mail.LOGIN_ATTEMPTS).body_text


def test_the_kinds_with_a_link_are_the_ones_that_carry_one():
    assert set(mail.WITH_LINK) == {
        "welcome",
        "password_reset",
        "email_change_confirm",
        "staff_invitation",
    }
