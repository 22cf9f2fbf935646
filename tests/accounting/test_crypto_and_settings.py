"""Fortnox tokens are AES-256-GCM encrypted at rest, and production needs the key to start."""

from __future__ import annotations

import base64
import os

import pytest

from equinet.accounting.crypto import TokenCipher, TokenDecryptionError, parse_key, token_context
from equinet.app import create_app
from equinet.settings import ConfigurationError, Environment, Settings

KEY = os.urandom(32)


def test_a_token_round_trips_and_two_encryptions_differ() -> None:
    box = TokenCipher(KEY)
    context = token_context("provider-1", "accessToken")
    for plain in ("eyJhbGciOi.access-token", "", "åäö ✓ unicode"):
        first, second = box.encrypt(plain, context), box.encrypt(plain, context)
        assert first != second  # a fresh 96-bit nonce per value
        assert plain == box.decrypt(first, context) == box.decrypt(second, context)
        if plain:
            assert plain not in first
    raw = base64.urlsafe_b64decode(box.encrypt("x", context)[3:])
    assert len(raw) == 12 + 1 + 16  # nonce, ciphertext, GCM tag


def test_a_tampered_moved_or_foreign_token_does_not_decrypt() -> None:
    box = TokenCipher(KEY)
    stored = box.encrypt("secret", token_context("provider-1", "accessToken"))
    raw = bytearray(base64.urlsafe_b64decode(stored[3:]))
    raw[-1] ^= 1
    tampered = "v1:" + base64.urlsafe_b64encode(bytes(raw)).decode()
    with pytest.raises(TokenDecryptionError):
        box.decrypt(tampered, token_context("provider-1", "accessToken"))
    with pytest.raises(TokenDecryptionError):  # copied into another provider's row
        box.decrypt(stored, token_context("provider-2", "accessToken"))
    with pytest.raises(TokenDecryptionError):  # copied into the other column
        box.decrypt(stored, token_context("provider-1", "refreshToken"))
    with pytest.raises(TokenDecryptionError):
        TokenCipher(os.urandom(32)).decrypt(stored, token_context("provider-1", "accessToken"))
    with pytest.raises(TokenDecryptionError):
        box.decrypt("plain-text-token", token_context("provider-1", "accessToken"))


def test_the_key_is_read_from_base64_or_hex_and_must_be_32_bytes() -> None:
    assert parse_key(base64.b64encode(KEY).decode()) == KEY
    assert parse_key(base64.urlsafe_b64encode(KEY).decode()) == KEY
    assert parse_key(KEY.hex()) == KEY
    for bad in ("", "short", base64.b64encode(os.urandom(16)).decode(), "z" * 64):
        with pytest.raises(ValueError):
            parse_key(bad)


def _production(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "equinet_env": Environment.production,
        "secret_key": "p" * 48,
        "database_url": "postgresql://app@127.0.0.1:5432/equinet",
        "redis_url": "redis://127.0.0.1:6379/10",
        "fortnox_client_id": "client",
        "fortnox_client_secret": "secret",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_production_with_fortnox_on_refuses_to_start_without_a_valid_key() -> None:
    for key in (None, "", "not-a-key", base64.b64encode(os.urandom(16)).decode()):
        with pytest.raises(ConfigurationError) as refused:
            create_app(_production(fortnox_encryption_key=key))
        [line] = refused.value.problems
        assert line.startswith("FORTNOX_ENCRYPTION_KEY") and "set FORTNOX_ENCRYPTION_KEY" in line


def test_production_starts_with_a_key_or_with_fortnox_off() -> None:
    assert _production(fortnox_encryption_key=base64.b64encode(KEY).decode()).problems() == []
    assert _production(fortnox_client_id=None).problems() == []
