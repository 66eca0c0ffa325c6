import logging

import pytest
from django.test import Client

from .helpers import (
    CF_MARIO_OMOCODIC,
    OTHER_STRONG_PASSWORD,
    STRONG_PASSWORD,
    link_in,
    mails,
    person_data,
    run_tasks,
)

WRONG_PASSWORD = "Tentativo-Sbagliato-1234"
RESET_PASSWORD = "Ombrello giallo sotto la pioggia 77"


@pytest.fixture
def every_log_record(caplog):
    """Records of every logger at DEBUG, including those that do not propagate."""
    names = [None, *logging.root.manager.loggerDict]
    for name in names:
        caplog.set_level(logging.DEBUG, logger=name)
    isolated = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in isolated:
        logger.addHandler(caplog.handler)
    yield caplog
    for logger in isolated:
        logger.removeHandler(caplog.handler)


def test_no_password_or_codice_fiscale_in_any_log_line(db, every_log_record, captcha_test_mode):
    browser = Client(REMOTE_ADDR="198.51.100.9")
    # registration, confirmation and the first password
    browser.post("/registrati/", person_data())
    browser.post(link_in(mails("welcome")[-1]))
    browser.post("/benvenuto/password/", {"password1": "troppo", "password2": "troppo"})
    browser.post(
        "/benvenuto/password/", {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD}
    )
    browser.post("/esci/")
    # a failed login, then a good one
    browser.post("/accedi/", {"username": "mario.rossi", "password": WRONG_PASSWORD})
    browser.post("/accedi/", {"username": CF_MARIO_OMOCODIC, "password": STRONG_PASSWORD})
    assert (
        browser.post(
            "/accedi/", {"username": "mario.rossi", "password": STRONG_PASSWORD}
        ).status_code
        == 302
    )
    # a password change, with a wrong current password first
    for current in (WRONG_PASSWORD, STRONG_PASSWORD):
        browser.post(
            "/profilo/credenziali/",
            {
                "current_password": current,
                "password1": OTHER_STRONG_PASSWORD,
                "password2": OTHER_STRONG_PASSWORD,
            },
        )
    browser.post("/esci/")
    # a reset, with a rejected try first
    browser.post("/password/recupero/", {"identifier": "mario.rossi@example.com"})
    run_tasks()
    link = link_in(mails("password_reset")[-1])
    browser.post(link, {"password1": RESET_PASSWORD, "password2": RESET_PASSWORD + "!"})
    assert (
        browser.post(link, {"password1": RESET_PASSWORD, "password2": RESET_PASSWORD}).url
        == "/accedi/"
    )
    # a profile edit that shows the codice fiscale back
    login = browser.post("/accedi/", {"username": "mario.rossi", "password": RESET_PASSWORD})
    assert login.status_code == 302
    assert CF_MARIO_OMOCODIC in browser.get("/profilo/modifica/").content.decode()

    records = every_log_record.records
    assert "axes.handlers.database" in {r.name for r in records}, "the capture works"
    secrets = (
        STRONG_PASSWORD,
        OTHER_STRONG_PASSWORD,
        WRONG_PASSWORD,
        RESET_PASSWORD,
        CF_MARIO_OMOCODIC,
        CF_MARIO_OMOCODIC.lower(),
    )
    for record in records:
        line = record.getMessage()
        if record.exc_info:
            line += logging.Formatter().formatException(record.exc_info)
        for secret in secrets:
            assert secret not in line, f"{record.name}: {line[:200]}"
