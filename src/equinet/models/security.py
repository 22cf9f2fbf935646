"""Two-factor login (TOTP credentials, recovery codes, pending login challenges) and the audit
log of admin actions. Secrets are stored encrypted, codes and challenge tokens only as hashes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_uuid, utcnow


class TwoFactorCredential(Base):
    __tablename__ = "TwoFactorCredential"

    user_id: Mapped[str] = mapped_column(
        "userId",
        Text,
        ForeignKey(
            "User.id",
            name="TwoFactorCredential_userId_fkey",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        primary_key=True,
    )
    secret_encrypted: Mapped[str] = mapped_column("secretEncrypted", Text, nullable=False)
    # Null until the first code proves the authenticator app holds the secret.
    confirmed_at: Mapped[datetime | None] = mapped_column("confirmedAt", Timestamp3, nullable=True)
    # The TOTP time step last accepted: a code is never accepted twice.
    last_used_step: Mapped[int | None] = mapped_column("lastUsedStep", BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )


class TwoFactorRecoveryCode(Base):
    __tablename__ = "TwoFactorRecoveryCode"
    __table_args__ = (Index("TwoFactorRecoveryCode_userId_idx", "userId"),)

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    user_id: Mapped[str] = mapped_column(
        "userId",
        Text,
        ForeignKey(
            "User.id",
            name="TwoFactorRecoveryCode_userId_fkey",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        nullable=False,
    )
    code_hash: Mapped[str] = mapped_column("codeHash", Text, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column("usedAt", Timestamp3, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )


class LoginChallenge(Base):
    """A password that was right, waiting for its second factor (a few minutes, used once)."""

    __tablename__ = "LoginChallenge"
    __table_args__ = (
        Index("LoginChallenge_tokenHash_key", "tokenHash", unique=True),
        Index("LoginChallenge_userId_idx", "userId"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    user_id: Mapped[str] = mapped_column(
        "userId",
        Text,
        ForeignKey(
            "User.id", name="LoginChallenge_userId_fkey", ondelete="CASCADE", onupdate="CASCADE"
        ),
        nullable=False,
    )
    token_hash: Mapped[str] = mapped_column("tokenHash", Text, nullable=False)
    expires_at: Mapped[datetime] = mapped_column("expiresAt", Timestamp3, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column("usedAt", Timestamp3, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )


class AdminAuditLog(Base):
    """Every admin action: who, what, on which row, when, and the row before and after."""

    __tablename__ = "AdminAuditLog"
    __table_args__ = (
        Index("AdminAuditLog_createdAt_idx", "createdAt"),
        Index("AdminAuditLog_actorId_idx", "actorId"),
        Index("AdminAuditLog_targetType_targetId_idx", "targetType", "targetId"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    # The actor's e-mail is kept as written at the time, so the entry outlives the account.
    actor_id: Mapped[str | None] = mapped_column(
        "actorId",
        Text,
        ForeignKey(
            "User.id", name="AdminAuditLog_actorId_fkey", ondelete="SET NULL", onupdate="CASCADE"
        ),
        nullable=True,
    )
    actor_email: Mapped[str] = mapped_column("actorEmail", Text, nullable=False)
    action: Mapped[str] = mapped_column("action", Text, nullable=False)
    target_type: Mapped[str] = mapped_column("targetType", Text, nullable=False)
    target_id: Mapped[str | None] = mapped_column("targetId", Text, nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column("before", JSONB, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column("after", JSONB, nullable=True)
    ip_address: Mapped[str | None] = mapped_column("ipAddress", Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )
