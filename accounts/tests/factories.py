import factory
from django.contrib.auth import get_user_model

from core.personas import PERSONAS


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
    """One of the shared personas (core.personas): alice and bob are customers, charlie an
    operator, diana an administrator."""
    data = PERSONAS[name]
    return UserFactory(
        username=name,
        email=data["email"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        password=data["password"],
        is_staff=data["role"] in ("operator", "admin"),
        is_superuser=data["role"] == "admin",
    )
