"""Signed unsubscribe tokens: who and which kind of reminder, tamper-proof with SECRET_KEY."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from equinet.settings import Settings

_SALT = "equinet.reminders.unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    user_id: str
    kind: str


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=_SALT)


def sign(settings: Settings, user_id: str, kind: str) -> str:
    return str(_serializer(settings).dumps({"u": user_id, "k": kind}))


def verify(settings: Settings, token: str) -> Unsubscribe | None:
    try:
        data = _serializer(settings).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), str):
        return None
    kind = data.get("k")
    return Unsubscribe(user_id=data["u"], kind=kind) if isinstance(kind, str) else None
