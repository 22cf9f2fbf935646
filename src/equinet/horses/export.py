"""A horse's record as JSON, CSV and a printable PDF, for its owner."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

from equinet.horses.service import HorseRecord
from equinet.kit.dates import date_of_booking_column, today_local
from equinet.kit.timestamps import iso_utc
from equinet.notifications.messages import long_date

_UNSAFE_FILENAME = re.compile(r"[^a-zA-Z0-9åäöÅÄÖ]")
CATEGORY_LABELS = {
    "veterinary": "Veterinär",
    "farrier": "Hovslagare",
    "medication": "Medicinering",
    "training": "Träning",
    "other": "Övrigt",
    "general": "Allmänt",
    "injury": "Skada",
}
GENDER_LABELS = {"mare": "Sto", "gelding": "Valack", "stallion": "Hingst"}


def filename(record: HorseRecord, extension: str) -> str:
    safe = _UNSAFE_FILENAME.sub("-", record.horse.name)
    return f"{safe}-export-{today_local().isoformat()}.{extension}"


def _day(value: Any) -> str:
    return date_of_booking_column(value).isoformat()


def _author(row: Any) -> str:
    return f"{row.author_first_name or ''} {row.author_last_name or ''}".strip()


def _horse(record: HorseRecord) -> dict[str, Any]:
    horse = record.horse
    return {
        "name": horse.name,
        "breed": horse.breed,
        "birthYear": horse.birth_year,
        "color": horse.color,
        "gender": horse.gender,
        "specialNeeds": horse.special_needs,
    }


def _bookings(record: HorseRecord) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "bookingDate": _day(r.booking_date),
            "startTime": r.start_time,
            "endTime": r.end_time,
            "status": r.status,
            "customerNotes": r.customer_notes,
            "service": {"name": r.service_name},
            "provider": {"businessName": r.provider_name},
            "horse": {"name": record.horse.name},
        }
        for r in record.bookings
    ]


def _notes(record: HorseRecord) -> list[dict[str, Any]]:
    return [
        {
            "id": r.HorseNote.id,
            "category": r.HorseNote.category,
            "title": r.HorseNote.title,
            "content": r.HorseNote.content,
            "noteDate": _day(r.HorseNote.note_date),
            "author": _author(r),
        }
        for r in record.notes
    ]


def to_json(record: HorseRecord) -> dict[str, Any]:
    bookings = _bookings(record)
    notes = _notes(record)
    timeline: list[dict[str, Any]] = [
        {"type": "booking", "id": b["id"], "date": b["bookingDate"], "title": b["service"]["name"],
         "providerName": b["provider"]["businessName"], "status": b["status"],
         "notes": b["customerNotes"]}
        for b in bookings
    ]  # fmt: skip
    timeline.extend(
        {"type": "note", "id": n["id"], "date": n["noteDate"], "title": n["title"],
         "category": n["category"], "content": n["content"], "authorName": n["author"]}
        for n in notes
    )  # fmt: skip
    timeline.sort(key=lambda item: str(item["date"]), reverse=True)
    return {
        "exportedAt": iso_utc(record.exported_at),
        "horse": _horse(record),
        "bookings": bookings,
        "notes": notes,
        "timeline": timeline,
    }


def to_csv(record: HorseRecord) -> str:
    """Two CSV tables under `#` headings; the csv module quotes commas, quotes and newlines."""
    horse = record.horse
    out = io.StringIO()
    out.write(f"# Häst: {horse.name}\n")
    out.write(f"# Ras: {horse.breed or '-'}\n")
    out.write(f"# Födelseår: {horse.birth_year or '-'}\n\n")
    out.write("# Bokningar\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["bookingId", "bookingDate", "startTime", "endTime", "status", "serviceName",
         "providerName", "horseName", "customerNotes"]
    )  # fmt: skip
    for r in record.bookings:
        writer.writerow(
            [r.id, _day(r.booking_date), r.start_time, r.end_time, r.status, r.service_name,
             r.provider_name, horse.name, r.customer_notes or ""]
        )  # fmt: skip
    out.write("\n\n# Anteckningar\n")
    writer.writerow(
        ["noteId", "horseName", "category", "title", "content", "noteDate", "authorName"]
    )
    for r in record.notes:
        note = r.HorseNote
        writer.writerow(
            [note.id, horse.name, note.category, note.title, note.content or "",
             _day(note.note_date), _author(r)]
        )  # fmt: skip
    return out.getvalue()


def _latin1(text: str) -> str:
    # The PDF core fonts cover Latin-1 (å, ä, ö, é ...); anything else becomes "?".
    return text.encode("latin-1", errors="replace").decode("latin-1")


def _long(value: Any) -> str:
    day: date = date_of_booking_column(value)
    return long_date(day)


def to_pdf(record: HorseRecord) -> bytes:
    horse = record.horse
    # Imported here: fpdf (and fontTools) add ~40 MB to every worker that never makes a PDF.
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"{horse.name} - Equinet"))
    pdf.set_creator("Equinet")
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=20)
    pdf.cell(0, 12, _latin1(horse.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    facts = [
        ("Ras", horse.breed or "-"),
        ("Födelseår", str(horse.birth_year) if horse.birth_year else "-"),
        ("Färg", horse.color or "-"),
        ("Kön", GENDER_LABELS.get(horse.gender or "", horse.gender or "-")),
        ("Särskilda behov", horse.special_needs or "-"),
        ("Utskriven", long_date(today_local())),
    ]
    for label, value in facts:
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(40, 6, _latin1(label))
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 6, _latin1(value), new_x="LMARGIN", new_y="NEXT")

    pdf.ln(4)
    pdf.set_font("Helvetica", style="B", size=13)
    pdf.cell(0, 8, "Bokningar", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    if not record.bookings:
        pdf.cell(0, 6, "Inga bokningar", new_x="LMARGIN", new_y="NEXT")
    for r in record.bookings:
        line = (
            f"{_long(r.booking_date)} {r.start_time}-{r.end_time}  {r.service_name}, "
            f"{r.provider_name} ({r.status})"
        )
        pdf.multi_cell(0, 6, _latin1(line), new_x="LMARGIN", new_y="NEXT")

    pdf.ln(4)
    pdf.set_font("Helvetica", style="B", size=13)
    pdf.cell(0, 8, "Anteckningar", new_x="LMARGIN", new_y="NEXT")
    if not record.notes:
        pdf.set_font("Helvetica", size=10)
        pdf.cell(0, 6, "Inga anteckningar", new_x="LMARGIN", new_y="NEXT")
    for r in record.notes:
        note = r.HorseNote
        label = CATEGORY_LABELS.get(note.category, note.category)
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.multi_cell(
            0, 6, _latin1(f"{_long(note.note_date)}  {label}: {note.title}"),
            new_x="LMARGIN", new_y="NEXT",
        )  # fmt: skip
        if note.content:
            pdf.set_font("Helvetica", size=10)
            pdf.multi_cell(0, 6, _latin1(note.content), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
