from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """The production algorithm with tiny costs: a login test then takes milliseconds, not
    a quarter of a second, and the throttling tests need dozens of them."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1
