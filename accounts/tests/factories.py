import factory
from django.contrib.auth import get_user_model

from accounts.staff import ensure_roles
from demo.personas import PERSONAS, is_staff_persona


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"utente{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = factory.Faker("first_name", locale="it_IT")
    last_name = factory.Faker("last_name", locale="it_IT")
    password = factory.django.Password("Password-di-prova-2026")


def persona(name):
    """One of the shared personas (core.personas): alice and bob are customers, charlie the
    customer-service operator, diana an administrator (by role, not superuser)."""
    data = PERSONAS[name]
    staff = is_staff_persona(name)
    user = UserFactory(
        username=name,
        email=data["email"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        password=data["password"],
        is_staff=staff,
    )
    if staff:
        user.groups.add(ensure_roles()[data["role"]])
    return user


def staff_member(role, **kwargs):
    """A staff member with one role of accounts.staff.ROLES (or none, with role=None)."""
    user = UserFactory(is_staff=True, **kwargs)
    if role is not None:
        user.groups.add(ensure_roles()[role])
    return user
