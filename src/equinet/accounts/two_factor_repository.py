"""All SQL of two-factor login: credentials, recovery codes, login challenges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.models import LoginChallenge, TwoFactorCredential, TwoFactorRecoveryCode, User


async def credential(
    db: AsyncSession, user_id: str, *, for_update: bool = False
) -> TwoFactorCredential | None:
    statement = select(TwoFactorCredential).where(TwoFactorCredential.user_id == user_id)
    if for_update:
        statement = statement.with_for_update()
    return await db.scalar(statement)


async def replace_credential(db: AsyncSession, row: TwoFactorCredential) -> TwoFactorCredential:
    await db.execute(delete(TwoFactorCredential).where(TwoFactorCredential.user_id == row.user_id))
    db.add(row)
    await db.flush()
    return row


async def remove_credential(db: AsyncSession, user_id: str) -> None:
    await db.execute(delete(TwoFactorCredential).where(TwoFactorCredential.user_id == user_id))
    await db.execute(delete(TwoFactorRecoveryCode).where(TwoFactorRecoveryCode.user_id == user_id))


async def replace_recovery_codes(db: AsyncSession, user_id: str, hashes: list[str]) -> None:
    await db.execute(delete(TwoFactorRecoveryCode).where(TwoFactorRecoveryCode.user_id == user_id))
    db.add_all(TwoFactorRecoveryCode(user_id=user_id, code_hash=h) for h in hashes)
    await db.flush()


async def claim_recovery_code(db: AsyncSession, user_id: str, code_hash: str) -> bool:
    """Mark an unused code used; False when there is none (used codes never work again)."""
    claimed = await db.scalar(
        update(TwoFactorRecoveryCode)
        .where(
            TwoFactorRecoveryCode.user_id == user_id,
            TwoFactorRecoveryCode.code_hash == code_hash,
            TwoFactorRecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .returning(TwoFactorRecoveryCode.id)
    )
    return claimed is not None


async def unused_recovery_codes(db: AsyncSession, user_id: str) -> int:
    count = await db.scalar(
        select(func.count())
        .select_from(TwoFactorRecoveryCode)
        .where(TwoFactorRecoveryCode.user_id == user_id, TwoFactorRecoveryCode.used_at.is_(None))
    )
    return int(count or 0)


async def add_challenge(
    db: AsyncSession, user_id: str, token_hash: str, expires_at: datetime
) -> None:
    db.add(LoginChallenge(user_id=user_id, token_hash=token_hash, expires_at=expires_at))
    await db.flush()


async def challenge_user(db: AsyncSession, token_hash: str) -> tuple[LoginChallenge, User] | None:
    row = (
        await db.execute(
            select(LoginChallenge, User)
            .join(User, User.id == LoginChallenge.user_id)
            .where(
                LoginChallenge.token_hash == token_hash,
                LoginChallenge.used_at.is_(None),
                LoginChallenge.expires_at > utcnow(),
            )
            .with_for_update(of=LoginChallenge)
        )
    ).first()
    if row is None:
        return None
    challenge, user = row
    return challenge, user


async def forget_challenges(db: AsyncSession, user_id: str) -> None:
    await db.execute(delete(LoginChallenge).where(LoginChallenge.user_id == user_id))


async def forget_stale_challenges(db: AsyncSession, user_id: str) -> None:
    """Used and expired challenges of a user go when a new one is made (they never work)."""
    await db.execute(
        delete(LoginChallenge).where(
            LoginChallenge.user_id == user_id,
            or_(LoginChallenge.used_at.is_not(None), LoginChallenge.expires_at <= utcnow()),
        )
    )
