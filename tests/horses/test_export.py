"""The owner's export of a horse: JSON, CSV and a printable PDF."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.settings import Settings
from tests import factories
from tests.horses.support import make_stable, past_day


async def test_json_export_holds_every_booking_and_note(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    await factories.booking(
        db_session, by=stable.owner, at=stable.shop.provider, for_service=stable.shop.service,
        day=past_day(20), status="cancelled", horse_id=stable.horse.id,
    )  # fmt: skip
    response = await client.get(f"/api/horses/{stable.horse.id}/export", headers=stable.as_owner)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["horse"]["name"] == "Stjärna"
    assert sorted(b["status"] for b in body["bookings"]) == ["cancelled", "completed"]
    assert len(body["notes"]) == 6
    assert len(body["timeline"]) == 8
    assert body["notes"][0]["author"] == "Olga Ägare"


async def test_csv_export_has_both_tables_and_quotes_awkward_text(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    await factories.horse_note(
        db_session, stable.horse, category="other", title='Sa "hej", sen', content="rad 1\nrad 2"
    )
    response = await client.get(
        f"/api/horses/{stable.horse.id}/export", headers=stable.as_owner, params={"format": "csv"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Stj-rna-export-')
    assert "filename*=UTF-8''Stj%C3%A4rna-export-" in disposition
    text = response.text
    assert text.startswith("# Häst: Stjärna\n# Ras: Svensk varmblodig\n# Födelseår: 2016\n")
    bookings_part, notes_part = text.split("# Anteckningar\n")
    booking_rows = list(csv.reader(io.StringIO(bookings_part.split("# Bokningar\n")[1])))
    assert booking_rows[0][0] == "bookingId" and booking_rows[1][4] == "completed"
    note_rows = list(csv.DictReader(io.StringIO(notes_part)))
    awkward = next(r for r in note_rows if r["category"] == "other" and "hej" in r["title"])
    assert awkward["title"] == 'Sa "hej", sen' and awkward["content"] == "rad 1\nrad 2"


async def test_pdf_export_is_a_printable_pdf(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    response = await client.get(
        f"/api/horses/{stable.horse.id}/export", headers=stable.as_owner, params={"format": "pdf"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) > 1000


async def test_an_unknown_export_format_is_a_400(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    response = await client.get(
        f"/api/horses/{stable.horse.id}/export", headers=stable.as_owner, params={"format": "xml"}
    )
    assert response.status_code == 400 and response.json()["code"] == "INVALID_EXPORT_FORMAT"
