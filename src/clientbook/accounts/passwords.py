from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# Verified against when the e-mail is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("clientbook-timing-equaliser")

MIN_PASSWORD_LENGTH = 8


# argon2 at its lowest cost: for the test environment only, where thousands of sign-ins
# would otherwise spend minutes hashing. A hash carries its own parameters, so either
# kind verifies under either setting.
def cheap_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def use_test_cost() -> None:
    """Hash at the test cost from now on (``create_app`` in the test environment)."""
    global _hasher, _DUMMY_HASH
    _hasher = cheap_hasher()
    _DUMMY_HASH = _hasher.hash("clientbook-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
