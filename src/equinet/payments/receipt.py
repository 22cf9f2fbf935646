"""The printable receipt of a paid booking, as HTML and as PDF.

Prices include VAT; the receipt shows the amount, the VAT in it at VAT_RATE and the net, all
exact (Decimal) and written the Swedish way ("12 345,67 kr").

Every value that a user typed (names, addresses, horse and service texts) is HTML-escaped
(the original interpolated them raw, a stored-XSS hole).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

from equinet.kit.dates import date_of_booking_column, now_local
from equinet.kit.i18n import format_amount
from equinet.kit.money import vat_included
from equinet.notifications.messages import LONG_MONTHS, long_date

DEMO_NOTICE = "Demobetalning: inga pengar har dragits."


@dataclass(frozen=True)
class Receipt:
    invoice_number: str
    is_demo: bool
    sections: list[tuple[str, list[tuple[str, str]]]]

    @property
    def title(self) -> str:
        return f"Kvitto {self.invoice_number} - Equinet"


def _paid_at_text(row: Any) -> str:
    paid = now_local(row.payment_paid_at)
    return f"{paid.day} {LONG_MONTHS[paid.month - 1]} {paid.year} {paid:%H:%M}"


def _percent(rate: Decimal) -> str:
    """`25 %`, `12,5 %` (Swedish decimal comma)."""
    text = format(rate.normalize(), "f")
    return text.replace(".", ",") + "\xa0%"


def build(row: Any, vat_rate: Decimal) -> Receipt:
    address = ", ".join(part for part in (row.customer_address, row.customer_city) if part)
    is_demo = row.payment_provider == "mock"
    return Receipt(
        invoice_number=row.payment_invoice_number or "",
        is_demo=is_demo,
        sections=[
            (
                "Betalning",
                [
                    ("Kvittonummer", row.payment_invoice_number or ""),
                    ("Betald", _paid_at_text(row)),
                    ("Betalsätt", "Demobetalning" if is_demo else row.payment_provider),
                ],
            ),
            (
                "Kund",
                [
                    ("Namn", f"{row.customer_first_name} {row.customer_last_name}".strip()),
                    ("E-post", row.customer_email),
                    ("Adress", address or "-"),
                ],
            ),
            (
                "Leverantör",
                [
                    ("Namn", f"{row.provider_first_name} {row.provider_last_name}".strip()),
                    ("Företag", row.provider_business_name),
                ],
            ),
            (
                "Tjänst",
                [
                    ("Tjänst", row.service_name),
                    ("Beskrivning", row.service_description or "-"),
                    ("Häst", row.horse_name or row.horse_rel_name or "-"),
                    ("Datum", long_date(date_of_booking_column(row.booking_date))),
                    ("Tid", f"{row.start_time}-{row.end_time}"),
                ],
            ),
            _amounts(row.payment_amount, vat_rate),
        ],
    )


def _amounts(amount: Decimal, vat_rate: Decimal) -> tuple[str, list[tuple[str, str]]]:
    net, vat = vat_included(amount, vat_rate)
    return (
        "Belopp",
        [
            ("Att betala", format_amount(amount, language="sv")),
            (f"varav moms {_percent(vat_rate)}", format_amount(vat, language="sv")),
            ("Belopp exkl. moms", format_amount(net, language="sv")),
        ],
    )


def to_html(receipt: Receipt) -> str:
    parts = [
        '<!doctype html><html lang="sv"><head><meta charset="utf-8">',
        f"<title>{escape(receipt.title)}</title>",
        "<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}"
        "th{text-align:left;padding-right:1em}.demo{color:#a00}"
        "</style></head><body>",
        "<h1>KVITTO</h1>",
    ]
    if receipt.is_demo:
        parts.append(f'<p class="demo"><strong>{escape(DEMO_NOTICE)}</strong></p>')
    for heading, lines in receipt.sections:
        parts.append(f"<h2>{escape(heading)}</h2><table>")
        parts.extend(
            f"<tr><th>{escape(label)}</th><td>{escape(str(value))}</td></tr>"
            for label, value in lines
        )
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def _latin1(text: str) -> str:
    # The PDF core fonts cover Latin-1 (å, ä, ö, é ...); anything else becomes "?".
    return text.encode("latin-1", errors="replace").decode("latin-1")


def to_pdf(receipt: Receipt) -> bytes:
    # Imported here: fpdf (and fontTools) add ~40 MB to every worker that never makes a PDF.
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(receipt.title))
    pdf.set_creator("Equinet")
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=20)
    pdf.cell(0, 12, "KVITTO", new_x="LMARGIN", new_y="NEXT")
    if receipt.is_demo:
        pdf.set_font("Helvetica", style="B", size=11)
        pdf.set_text_color(170, 0, 0)
        pdf.cell(0, 8, _latin1(DEMO_NOTICE), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    for heading, lines in receipt.sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", style="B", size=13)
        pdf.cell(0, 8, _latin1(heading), new_x="LMARGIN", new_y="NEXT")
        for label, value in lines:
            pdf.set_font("Helvetica", style="B", size=10)
            pdf.cell(40, 6, _latin1(label))
            pdf.set_font("Helvetica", size=10)
            pdf.multi_cell(0, 6, _latin1(str(value)), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
