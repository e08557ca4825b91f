"""Password hashers."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with small parameters, for the test suite only (settings pick it when HAVEN_ENV=test)."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1
