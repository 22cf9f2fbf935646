"""Password hashing: argon2id (OWASP's first choice), with its parameters from argon2-cffi.

Hashes from an adopted Equinet database are bcrypt (`$2a$`/`$2b$`, cost 10, made by
bcryptjs). They still verify, and `needs_rehash` tells the login to replace them with argon2id
once the user has proved the password. Hashing is CPU work of tens of milliseconds: async code
calls the `*_async` variants, which run it in a worker thread.
"""

from __future__ import annotations

import asyncio

import bcrypt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
# bcrypt only ever reads the first 72 bytes; bcryptjs cut longer passwords there silently.
_BCRYPT_MAX_BYTES = 72

# Verified against when the e-mail is unknown, so that "no such user" costs as much time as
# "wrong password" (login must not reveal which accounts exist).
DUMMY_HASH = _hasher.hash("equinet-dummy-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def is_bcrypt_hash(password_hash: str) -> bool:
    return password_hash.startswith(_BCRYPT_PREFIXES)


def verify_password(password_hash: str, password: str) -> bool:
    if is_bcrypt_hash(password_hash):
        try:
            return bcrypt.checkpw(
                password.encode()[:_BCRYPT_MAX_BYTES], password_hash.encode("ascii")
            )
        except ValueError:
            return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True for bcrypt hashes and argon2 hashes made with weaker parameters than today's."""
    if is_bcrypt_hash(password_hash):
        return True
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)
