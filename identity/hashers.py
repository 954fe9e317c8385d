from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idOWASPHasher(Argon2PasswordHasher):
    """argon2id at the OWASP minimum: 19 MiB memory, 2 iterations, 1 lane.

    The algorithm name stays ``argon2`` so hashes made with other parameters
    (Django's defaults, say) verify and are upgraded to these on the next sign-in.
    """

    time_cost = 2
    memory_cost = 19456
    parallelism = 1
