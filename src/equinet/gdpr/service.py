"""Personal data: the export of everything about a user, and account deletion.

The export holds every row about the user (profile, horses, bookings, payments, notes,
reviews, notifications, files, logins, two-factor state, and a provider's business data) and
never a password hash, token, secret or code. Deletion anonymises the person and keeps the
bookings and payments, which the provider must keep for their bookkeeping.
"""

from __future__ import annotations

import csv
import io
import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts import two_factor_repository
from equinet.db.base import utcnow
from equinet.gdpr import emails, repository
from equinet.gdpr.exceptions import FutureConfirmedBookings, InvalidExportFormat, WrongPassword
from equinet.kit.dates import booking_date_column, date_of_booking_column, today_local
from equinet.kit.email import queue_composed_email
from equinet.kit.passwords import verify_password_async
from equinet.kit.storage import ObjectStore
from equinet.kit.timestamps import iso_utc
from equinet.models import User
from equinet.settings import Settings
from equinet.uploads import repository as uploads_repository
from equinet.uploads import service as uploads
from equinet.verification import service as verification

DELETED_DOMAIN = "deleted.equinet.se"
CUSTOMER_LEFT = "Kunden har tagit bort sitt konto"
PROVIDER_LEFT = "Leverantören har tagit bort sitt konto"


def _day(value: datetime | None) -> str | None:
    return date_of_booking_column(value).isoformat() if value is not None else None


async def export_data(db: AsyncSession, user: User) -> dict[str, Any]:
    provider = await repository.provider_of(db, user.id)
    provider_id = provider.id if provider else None
    data: dict[str, Any] = {
        "exportedAt": iso_utc(datetime.now(UTC)),
        "user": {
            "id": user.id,
            "email": user.email,
            "firstName": user.first_name,
            "lastName": user.last_name,
            "phone": user.phone,
            "userType": user.user_type,
            "city": user.city,
            "address": user.address,
            "latitude": user.latitude,
            "longitude": user.longitude,
            "emailVerified": user.email_verified,
            "isAdmin": user.is_admin,
            "createdAt": iso_utc(user.created_at),
        },
        "horses": [
            {
                "id": h.id,
                "name": h.name,
                "breed": h.breed,
                "birthYear": h.birth_year,
                "color": h.color,
                "gender": h.gender,
                "specialNeeds": h.special_needs,
                "photoUrl": h.photo_url,
                "isActive": h.is_active,
                "createdAt": iso_utc(h.created_at),
            }
            for h in await repository.horses(db, user.id)
        ],
        "bookings": [
            {
                "id": b.id,
                "role": "customer" if b.customer_id == user.id else "provider",
                "bookingDate": _day(b.booking_date),
                "startTime": b.start_time,
                "endTime": b.end_time,
                "status": b.status,
                "customerNotes": b.customer_notes,
                "cancellationMessage": b.cancellation_message,
                "horseName": b.horse_name,
                "service": {"name": service_name},
                "provider": {"businessName": business_name},
                "horse": {"name": horse_name} if horse_name else None,
                "createdAt": iso_utc(b.created_at),
            }
            for b, service_name, business_name, horse_name in await repository.bookings(
                db, user.id, provider_id
            )
        ],
        "payments": [
            {
                "id": p.id,
                "bookingId": p.booking_id,
                "amount": str(p.amount),
                "currency": p.currency,
                "status": p.status,
                "paidAt": iso_utc(p.paid_at),
                "invoiceNumber": p.invoice_number,
            }
            for p in await repository.payments(db, user.id)
        ],
        "horseNotes": [
            {
                "id": n.id,
                "category": n.category,
                "title": n.title,
                "content": n.content,
                "noteDate": iso_utc(n.note_date),
                "horse": {"name": horse_name},
            }
            for n, horse_name in await repository.notes_by(db, user.id)
        ],
        "reviews": [
            {
                "id": r.id,
                "role": "author" if r.customer_id == user.id else "provider",
                "rating": r.rating,
                "comment": r.comment,
                "reply": r.reply,
                "repliedAt": iso_utc(r.replied_at),
                "createdAt": iso_utc(r.created_at),
                "provider": {"businessName": business_name},
                "booking": {"bookingDate": _day(booking_date), "service": {"name": service_name}},
            }
            for r, business_name, booking_date, service_name in await repository.reviews(
                db, user.id, provider_id
            )
        ],
        "notifications": [
            {
                "id": n.id,
                "type": n.type,
                "message": n.message,
                "isRead": n.is_read,
                "linkUrl": n.link_url,
                "createdAt": iso_utc(n.created_at),
            }
            for n in await repository.notifications(db, user.id)
        ],
        "uploads": [
            {
                "id": u.id,
                "bucket": u.bucket,
                "url": u.url,
                "mimeType": u.mime_type,
                "originalName": u.original_name,
                "sizeBytes": u.size_bytes,
                "createdAt": iso_utc(u.created_at),
            }
            for u in await uploads_repository.of_user(db, user.id)
        ],
        "sessions": [
            {
                "createdAt": iso_utc(s.created_at),
                "lastSeenAt": iso_utc(s.last_seen_at),
                "expiresAt": iso_utc(s.expires_at),
                "revokedAt": iso_utc(s.revoked_at),
                "userAgent": s.user_agent,
                "ipAddress": s.ip_address,
            }
            for s in await repository.sessions(db, user.id)
        ],
    }
    credential = await repository.two_factor(db, user.id)
    data["twoFactor"] = {
        "enabled": credential is not None and credential.confirmed_at is not None,
        "enabledAt": iso_utc(credential.confirmed_at) if credential else None,
    }
    if provider is not None:
        data["provider"] = {
            "id": provider.id,
            "businessName": provider.business_name,
            "description": provider.description,
            "address": provider.address,
            "city": provider.city,
            "postalCode": provider.postal_code,
            "serviceAreaKm": provider.service_area_km,
            "isVerified": provider.is_verified,
            "createdAt": iso_utc(provider.created_at),
            "services": [
                {
                    "id": s.id,
                    "name": s.name,
                    "description": s.description,
                    "price": str(s.price),
                    "durationMinutes": s.duration_minutes,
                    "isActive": s.is_active,
                }
                for s in await repository.services(db, provider.id)
            ],
            "verifications": [
                {
                    "id": v.id,
                    "type": v.type,
                    "title": v.title,
                    "issuer": v.issuer,
                    "year": v.year,
                    "status": v.status,
                    "reviewNote": v.review_note,
                    "createdAt": iso_utc(v.created_at),
                }
                for v in await repository.verifications(db, provider.id)
            ],
        }
    return data


# CSV sections in order: (title, key in the export, nested keys to flatten away).
_SECTIONS = (
    ("Profil", "user"),
    ("Hästar", "horses"),
    ("Bokningar", "bookings"),
    ("Betalningar", "payments"),
    ("Anteckningar", "horseNotes"),
    ("Recensioner", "reviews"),
    ("Notiser", "notifications"),
    ("Filer", "uploads"),
    ("Inloggningar", "sessions"),
    ("Tvåstegsverifiering", "twoFactor"),
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _flat(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, f"{name}."))
        elif not isinstance(value, list):
            out[name] = value
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    # A cell a spreadsheet would run as a formula is written as text.
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def export_csv(data: dict[str, Any]) -> str:
    """The export as CSV sections (`# Profil`, ...), blank line between; empty ones header-less."""
    sections = list(_SECTIONS)
    if "provider" in data:
        sections += [("Leverantör", "provider"), ("Tjänster", "provider.services")]
        sections += [("Verifieringar", "provider.verifications")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for index, (title, key) in enumerate(sections):
        value: Any = data
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        rows = [value] if isinstance(value, dict) else list(value or [])
        if index:
            out.write("\n")
        out.write(f"# {title}\n")
        flat = [_flat(row) for row in rows]
        if not flat:
            continue
        header = list(dict.fromkeys(name for row in flat for name in row))
        writer.writerow(header)
        for row in flat:
            writer.writerow([_cell(row.get(name)) for name in header])
    return out.getvalue()


def check_format(value: str | None) -> str:
    value = (value or "json").lower()
    if value not in ("json", "csv"):
        raise InvalidExportFormat()
    return value


# --- account deletion ---------------------------------------------------------------------


async def delete_account(
    db: AsyncSession, store: ObjectStore, settings: Settings, user: User, password: str
) -> None:
    if not await verify_password_async(user.password_hash, password):
        raise WrongPassword()
    today = booking_date_column(today_local())
    provider = await repository.provider_of(db, user.id)
    if provider is not None:
        confirmed = await repository.future_confirmed_bookings(db, provider.id, today)
        if confirmed:
            raise FutureConfirmedBookings(confirmed)
        await repository.cancel_future_open_bookings(
            db, provider_id=provider.id, from_day=today, message=PROVIDER_LEFT
        )
    await repository.cancel_future_open_bookings(
        db, customer_id=user.id, from_day=today, message=CUSTOMER_LEFT
    )
    address, first_name = user.email, user.first_name

    await uploads.delete_all_of_user(db, store, user.id)
    await repository.erase_horses(db, user.id)
    if provider is not None:
        await verification.remove_all_of_provider(db, store, provider.id)
        await repository.erase_provider(db, provider.id)
    await two_factor_repository.remove_credential(db, user.id)
    await two_factor_repository.forget_challenges(db, user.id)
    await repository.erase_account_rows(db, user.id)

    now = utcnow()
    user.email = f"deleted-{user.id}@{DELETED_DOMAIN}"
    user.first_name = "Borttagen"
    user.last_name = "användare"
    user.phone = None
    user.city = None
    user.address = None
    user.latitude = None
    user.longitude = None
    user.is_admin = False
    user.email_verified = False
    user.email_verified_at = None
    # Not a hash of anything: no password can ever match it.
    user.password_hash = f"!deleted-{secrets.token_hex(16)}"
    user.deactivated_at = user.deactivated_at or now
    user.deleted_at = now
    await db.flush()
    await queue_composed_email(db, emails.account_deleted(to=address, first_name=first_name))
    if provider is not None:
        from equinet.providers.cache import invalidate_every_listing

        invalidate_every_listing(db)
