"""Fortnox tokens at rest: AES-256-GCM with a random 96-bit nonce per value.

A stored value is `v1:<base64url(nonce | ciphertext | tag)>`. The associated data names the
row and column it belongs to, so a ciphertext copied into another provider's row or from the
refresh column into the access column does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

logger = logging.getLogger("equinet.accounting.crypto")

PREFIX = "v1:"
NONCE_BYTES = 12
KEY_BYTES = 32
# Only for development and test databases without FORTNOX_ENCRYPTION_KEY; production refuses
# to start without a key of its own (Settings.problems).
DEVELOPMENT_KEY = bytes.fromhex("0123456789abcdef" * 4)


class TokenDecryptionError(ValueError):
    """The stored value is not ours: malformed, tampered with, or written with another key."""


def parse_key(value: str) -> bytes:
    """32 bytes from 64 hex characters or from base64 (standard or URL-safe alphabet)."""
    text = value.strip()
    if len(text) == 2 * KEY_BYTES:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    try:
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ValueError("FORTNOX_ENCRYPTION_KEY must be 32 bytes in base64 or 64 hex characters")
    return raw


class TokenCipher:
    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("an AES-256 key is 32 bytes")
        self._aead = AESGCM(key)

    @classmethod
    def from_setting(cls, value: str | None) -> TokenCipher:
        if not value:
            logger.warning("FORTNOX_ENCRYPTION_KEY is not set: using the development key")
            return cls(DEVELOPMENT_KEY)
        return cls(parse_key(value))

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, stored: str, context: str) -> str:
        if not stored.startswith(PREFIX):
            raise TokenDecryptionError("not an encrypted token")
        try:
            raw = base64.urlsafe_b64decode(stored[len(PREFIX) :].encode())
            nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
            return self._aead.decrypt(nonce, sealed, context.encode()).decode()
        except (binascii.Error, ValueError, InvalidTag) as error:
            raise TokenDecryptionError("the token does not decrypt with this key") from error


def token_context(provider_id: str, column: str) -> str:
    """The associated data of one token: which provider's which column it is."""
    return f"FortnoxConnection:{provider_id}:{column}"
