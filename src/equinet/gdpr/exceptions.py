"""The personal-data domain's errors, Swedish messages and machine codes."""

from __future__ import annotations

from equinet.kit.errors import Conflict, EquinetError


class FutureConfirmedBookings(Conflict):
    code = "FUTURE_CONFIRMED_BOOKINGS"
    message = (
        "Du har bekräftade bokningar framåt i tiden. Avboka dem innan du tar bort kontot, "
        "så att kunderna får besked."
    )

    def __init__(self, booking_ids: list[str]) -> None:
        super().__init__(details={"count": len(booking_ids), "bookingIds": booking_ids})


class WrongPassword(EquinetError):
    code = "WRONG_PASSWORD"
    message = "Fel lösenord"


class InvalidExportFormat(EquinetError):
    code = "INVALID_FORMAT"
    message = "Ogiltigt format. Tillåtna: json, csv."
