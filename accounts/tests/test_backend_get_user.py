import pytest
from django.contrib.auth import get_user_model

from accounts.backends import UsernameOrEmailBackend

pytestmark = pytest.mark.django_db


def test_get_user_reads_the_same_user_as_the_orm(alice):
    loaded = UsernameOrEmailBackend().get_user(str(alice.pk))
    expected = get_user_model().objects.get(pk=alice.pk)
    for field in get_user_model()._meta.concrete_fields:
        value = getattr(loaded, field.attname)
        assert value == getattr(expected, field.attname), field.name
        assert type(value) is type(getattr(expected, field.attname)), field.name
    assert not loaded._state.adding and loaded._state.db == "default"
    loaded.first_name = "Alicia"
    loaded.save(update_fields=["first_name"])  # an instance the ORM can save
    assert get_user_model().objects.get(pk=alice.pk).first_name == "Alicia"


@pytest.mark.parametrize("user_id", ["0", "999999", "not-a-number", ""])
def test_get_user_of_no_user_is_none(user_id):
    assert UsernameOrEmailBackend().get_user(user_id) is None


def test_get_user_refuses_a_deactivated_user(alice):
    alice.is_active = False
    alice.save()
    assert UsernameOrEmailBackend().get_user(str(alice.pk)) is None


def test_a_deactivated_users_session_is_anonymous(client, alice):
    client.force_login(alice)
    get_user_model().objects.filter(pk=alice.pk).update(is_active=False)
    response = client.get("/servizi/")
    assert response.status_code == 302  # to the login page
