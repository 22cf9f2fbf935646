"""The Fortnox connection of a provider and the invoice sync of its paid bookings.

Requests only read and write our rows and queue jobs; every call to Fortnox is made by a job
(`accounting/tasks.py`) between short transactions, never while one is open. An invoice is
created at most once per booking: the job claims the payment, looks the invoice up in Fortnox
by the booking id (its ExternalInvoiceReference1) before creating it, and records the Fortnox
document number on the payment in one transaction.
"""

from __future__ import annotations

import logging
import secrets
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.accounting import fortnox, repository
from equinet.accounting.crypto import TokenCipher, TokenDecryptionError, token_context
from equinet.accounting.exceptions import FortnoxNotConfigured, FortnoxNotConnected
from equinet.accounting.fortnox import (
    FortnoxApi,
    FortnoxUnauthorised,
    IssuedTokens,
)
from equinet.db.base import utcnow
from equinet.jobs.queue import enqueue
from equinet.kit.dates import date_of_booking_column
from equinet.kit.timestamps import iso_utc
from equinet.settings import Settings

logger = logging.getLogger("equinet.accounting")

SYNC_INVOICE_TASK = "fortnox_sync_invoice"
REVOKE_TOKEN_TASK = "fortnox_revoke_token"
# Longer than the few Fortnox calls of one job take, even at their timeouts.
SEND_LEASE = timedelta(minutes=5)
# Fortnox refresh tokens lapse after 45 days unused: refresh idle connections well before.
KEEP_ALIVE_AFTER = timedelta(days=30)
# An access token this close to its expiry is refreshed before use.
EXPIRY_MARGIN = timedelta(seconds=60)
VAT_RATE = Decimal("25")
CENT = Decimal("0.01")
# BAS account "Försäljning inom Sverige, 25 % moms".
SALES_ACCOUNT = 3001
DESCRIPTION_LENGTH = 50

ACCESS = "accessToken"
REFRESH = "refreshToken"


def cipher(settings: Settings) -> TokenCipher:
    return TokenCipher.from_setting(settings.fortnox_encryption_key)


def new_state() -> str:
    return secrets.token_hex(32)


def require_configured(settings: Settings) -> None:
    if not fortnox.is_configured(settings):
        raise FortnoxNotConfigured()


# --- the connection --------------------------------------------------------------------


async def store_connection(
    db: AsyncSession, settings: Settings, provider_id: str, tokens: IssuedTokens
) -> None:
    box = cipher(settings)
    await repository.save_connection(
        db,
        provider_id=provider_id,
        access_token=box.encrypt(tokens.access_token, token_context(provider_id, ACCESS)),
        refresh_token=box.encrypt(tokens.refresh_token, token_context(provider_id, REFRESH)),
        expires_at=tokens.expires_at.replace(tzinfo=None),
    )


async def disconnect(db: AsyncSession, provider_id: str) -> None:
    """Remove the connection now and queue the revocation of its refresh token at Fortnox."""
    removed = await repository.delete_connection(db, provider_id)
    if removed is None:
        raise FortnoxNotConnected()
    # The token stays encrypted in the job's arguments; the worker decrypts it to revoke it.
    await enqueue(db, REVOKE_TOKEN_TASK, provider_id=provider_id, token=removed.refresh_token)


async def status(db: AsyncSession, provider_id: str) -> dict[str, Any]:
    connection = await repository.connection_of(db, provider_id)
    invoiced, waiting = await repository.sync_counts(db, provider_id)
    return {
        "connected": connection is not None,
        "connectedAt": iso_utc(connection.created_at) if connection else None,
        "invoiced": invoiced,
        "unsynced": waiting,
    }


async def queue_sync(db: AsyncSession, settings: Settings, provider_id: str) -> dict[str, Any]:
    """One job per paid, completed booking that has no Fortnox invoice yet."""
    require_configured(settings)
    if await repository.connection_of(db, provider_id) is None:
        raise FortnoxNotConnected()
    booking_ids = await repository.unsynced_booking_ids(db, provider_id, utcnow(), SEND_LEASE)
    if not booking_ids:
        return {"queued": 0, "message": "Inga osynkade bokningar"}
    for booking_id in booking_ids:
        await enqueue(db, SYNC_INVOICE_TASK, booking_id=booking_id)
    return {"queued": len(booking_ids), "message": "Fakturorna skickas till Fortnox"}


# --- tokens, for jobs -------------------------------------------------------------------


class StoredTokens:
    """A connection's tokens read from and refreshed into the database, one short
    transaction at a time (none is open while Fortnox is called)."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, provider_id: str
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._provider_id = provider_id
        self._cipher = cipher(settings)

    async def _stored(self) -> tuple[str, str, datetime]:
        """(access, encrypted refresh, expires at) of the connection as committed now."""
        async with self._sessionmaker() as db:
            connection = await repository.connection_of(db, self._provider_id)
            stored = (
                None
                if connection is None
                else (connection.access_token, connection.refresh_token, connection.expires_at)
            )
            await db.rollback()
        if stored is None:
            raise FortnoxUnauthorised("the provider disconnected Fortnox")
        encrypted_access, encrypted_refresh, expires_at = stored
        try:
            access = self._cipher.decrypt(
                encrypted_access, token_context(self._provider_id, ACCESS)
            )
        except TokenDecryptionError as error:
            raise FortnoxUnauthorised("the stored token does not decrypt") from error
        return access, encrypted_refresh, expires_at

    async def refresh_now(self) -> None:
        access, _, _ = await self._stored()
        await self.refreshed(access)

    async def access_token(self) -> str:
        access, _, expires_at = await self._stored()
        if expires_at - EXPIRY_MARGIN > utcnow():
            return access
        return await self.refreshed(access)

    async def refreshed(self, rejected: str) -> str:
        access, stored_refresh, expires_at = await self._stored()
        if access != rejected and expires_at - EXPIRY_MARGIN > utcnow():
            return access  # another job refreshed meanwhile
        try:
            refresh = self._cipher.decrypt(
                stored_refresh, token_context(self._provider_id, REFRESH)
            )
        except TokenDecryptionError as error:
            raise FortnoxUnauthorised("the stored token does not decrypt") from error
        try:
            tokens = await fortnox.refresh_tokens(self._settings, refresh)
        except FortnoxUnauthorised:
            # Refresh tokens are single-use: a job that refreshed first has stored new ones.
            access, newer_refresh, expires_at = await self._stored()
            if newer_refresh != stored_refresh and expires_at - EXPIRY_MARGIN > utcnow():
                return access
            raise
        async with self._sessionmaker() as db:
            await repository.replace_tokens(
                db,
                provider_id=self._provider_id,
                stale_refresh_token=stored_refresh,
                access_token=self._cipher.encrypt(
                    tokens.access_token, token_context(self._provider_id, ACCESS)
                ),
                refresh_token=self._cipher.encrypt(
                    tokens.refresh_token, token_context(self._provider_id, REFRESH)
                ),
                expires_at=tokens.expires_at.replace(tzinfo=None),
            )
            await db.commit()
        logger.info("refreshed the Fortnox tokens of provider %s", self._provider_id)
        return tokens.access_token


# --- the invoice of one booking ----------------------------------------------------------


def money(value: float | Decimal | str) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def customer_number(customer_id: str) -> str:
    """Our customer id is the Fortnox customer number: found again by it, never by e-mail."""
    return customer_id


def customer_of(row: Any) -> dict[str, Any]:
    name = " ".join(part for part in (row.customer_first_name, row.customer_last_name) if part)
    customer: dict[str, Any] = {
        "CustomerNumber": customer_number(row.customer_id),
        "Name": name or row.customer_id,
        "Type": "PRIVATE",
        "Currency": "SEK",
    }
    # Manual customers have a made-up address; Fortnox must not mail invoices to it.
    if row.customer_email and not row.customer_is_manual:
        customer["Email"] = row.customer_email
    if row.customer_phone:
        customer["Phone1"] = row.customer_phone
    if row.customer_address:
        customer["Address1"] = row.customer_address
    if row.customer_city:
        customer["City"] = row.customer_city
    return customer


def invoice_of(row: Any, settings: Settings) -> dict[str, Any]:
    """The Fortnox invoice of a paid booking: one row, the paid amount including 25 % VAT."""
    day: date = date_of_booking_column(row.booking_date)
    gross = money(row.payment_amount)
    horse = row.horse_rel_name or row.horse_name
    description = f"{row.service_name} {day.isoformat()}"
    remarks = f"Bokning {row.booking_id}, {day.isoformat()} {row.start_time}"
    if horse:
        remarks += f", häst: {horse}"
    if row.payment_invoice_number:
        remarks += f". Betald via Equinet, kvitto {row.payment_invoice_number}."
    return {
        "CustomerNumber": customer_number(row.customer_id),
        "InvoiceDate": day.isoformat(),
        "DueDate": (day + timedelta(days=settings.fortnox_payment_terms_days)).isoformat(),
        "Currency": row.payment_currency or "SEK",
        "VATIncluded": True,
        "ExternalInvoiceReference1": row.booking_id,
        "YourOrderNumber": row.payment_invoice_number or "",
        "Remarks": remarks,
        "InvoiceRows": [
            {
                "Description": description[:DESCRIPTION_LENGTH],
                "DeliveredQuantity": 1,
                # JSON numbers at the edge; two decimals are exact in a float this size.
                "Price": float(gross),
                "VAT": int(VAT_RATE),
                "AccountNumber": SALES_ACCOUNT,
                "Unit": "st",
            }
        ],
    }


class SyncBusy(Exception):
    """Another job is sending this booking's invoice right now."""


async def _claim(sessionmaker: async_sessionmaker[AsyncSession], booking_id: str) -> Any:
    """The booking's invoice data if this job may send it now; None when there is nothing to do.

    Raises SyncBusy while another job's claim is fresh (this job then runs again later).
    """
    async with sessionmaker() as db:
        row = await repository.invoice_source_for_update(db, booking_id)
        if row is None or row.fortnox_invoice_id is not None:
            await db.rollback()
            return None
        if row.booking_status != "completed" or row.payment_status != "succeeded":
            await db.rollback()
            return None
        now = utcnow()
        if (
            row.fortnox_status == repository.SENDING
            and row.sent_to_fortnox_at is not None
            and row.sent_to_fortnox_at > now - SEND_LEASE
        ):
            await db.rollback()
            raise SyncBusy(f"booking {booking_id} is being sent by another job")
        await repository.mark_payment(db, row.payment_id, status=repository.SENDING, sent_at=now)
        await db.commit()
        return row


async def _ensure_customer(api: FortnoxApi, row: Any) -> str:
    number = customer_number(row.customer_id)
    if await api.customer(number) is None:
        try:
            await api.create_customer(customer_of(row))
        except fortnox.FortnoxRejected:
            # Another job may have created the same customer a moment ago.
            if await api.customer(number) is None:
                raise
    return number


async def sync_invoice(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    booking_id: str,
    http: httpx.AsyncClient | None = None,
) -> str | None:
    """Create the booking's Fortnox invoice unless it exists; its document number, or None."""
    row = await _claim(sessionmaker, booking_id)
    if row is None:
        return None
    tokens = StoredTokens(sessionmaker, settings, row.provider_id)
    outcome = "error"
    try:
        async with _http(settings, http) as client:
            api = FortnoxApi(settings, tokens, client)
            invoice = await api.invoice_with_reference(booking_id)
            if invoice is None:
                await _ensure_customer(api, row)
                invoice = await api.create_invoice(invoice_of(row, settings))
        number = str(invoice["DocumentNumber"])
        async with sessionmaker() as db:
            await repository.mark_payment(
                db,
                row.payment_id,
                status=fortnox.invoice_status(invoice),
                sent_at=utcnow(),
                invoice_id=number,
            )
            await db.commit()
        outcome = "done"
        logger.info("booking %s is Fortnox invoice %s", booking_id, number)
        return number
    except FortnoxUnauthorised:
        # Retrying cannot help: the provider must connect Fortnox again, then sync.
        outcome = "unauthorised"
        logger.warning("Fortnox refused provider %s's tokens: invoice not sent", row.provider_id)
        return None
    finally:
        if outcome != "done":
            async with sessionmaker() as db:
                await repository.mark_payment(db, row.payment_id, status=outcome, sent_at=None)
                await db.commit()


class _http:
    """The given client, or one of our own closed afterwards."""

    def __init__(self, settings: Settings, given: httpx.AsyncClient | None) -> None:
        self._given = given
        self._own: httpx.AsyncClient | None = None
        self._timeout = settings.fortnox_timeout_seconds

    async def __aenter__(self) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        self._own = httpx.AsyncClient(timeout=self._timeout)
        return self._own

    async def __aexit__(self, *exc: object) -> None:
        if self._own is not None:
            await self._own.aclose()


async def keep_connections_alive(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> int:
    """Refresh every connection untouched for KEEP_ALIVE_AFTER, before its refresh token
    lapses unused; how many were refreshed. A refused one is left for its provider to renew."""
    if not fortnox.is_configured(settings):
        return 0
    async with sessionmaker() as db:
        provider_ids = await repository.idle_connections(db, utcnow() - KEEP_ALIVE_AFTER)
        await db.rollback()
    refreshed = 0
    for provider_id in provider_ids:
        try:
            await StoredTokens(sessionmaker, settings, provider_id).refresh_now()
        except FortnoxUnauthorised:
            logger.warning("Fortnox refused to refresh provider %s's connection", provider_id)
            continue
        refreshed += 1
    return refreshed


async def revoke(settings: Settings, provider_id: str, encrypted_refresh_token: str) -> None:
    """Revoke a removed connection's refresh token at Fortnox (best effort once it answers)."""
    try:
        refresh = cipher(settings).decrypt(
            encrypted_refresh_token, token_context(provider_id, REFRESH)
        )
    except TokenDecryptionError:
        logger.warning("the removed Fortnox token of provider %s does not decrypt", provider_id)
        return
    if not fortnox.is_configured(settings):
        return
    # Fortnox down raises FortnoxUnavailable: the queue tries again later.
    await fortnox.revoke_token(settings, refresh)
