"""Why a time cannot be booked: the slot engine's domain errors, each with a status and code.

Each error also names the `reason` a slot shown to customers carries for the same cause, so
display and validation speak one language.
"""

from __future__ import annotations

from equinet.kit.errors import EquinetError


class SlotUnavailable(EquinetError):
    """A requested time cannot be booked; `reason` is the slot list's word for it."""

    status_code = 400
    code = "SLOT_UNAVAILABLE"
    message = "Tiden går inte att boka"
    reason = "unavailable"


class InvalidTimeRange(SlotUnavailable):
    code = "INVALID_TIMES"
    message = "Sluttid måste vara efter starttid"
    reason = "invalid"


class ClosedDay(SlotUnavailable):
    code = "CLOSED_DAY"
    message = "Leverantören har stängt den valda dagen"
    reason = "closed"


class OutsideOpeningHours(SlotUnavailable):
    code = "OUTSIDE_OPENING_HOURS"
    message = "Bokning måste vara inom öppettiderna"
    reason = "closed"

    @classmethod
    def for_window(cls, opens: str, closes: str) -> OutsideOpeningHours:
        return cls(
            f"Bokning måste vara inom öppettider ({opens}-{closes})",
            details={"openingTime": opens, "closingTime": closes},
        )


class TimeNotOnClock(SlotUnavailable):
    """A start or end the Stockholm clock skips (02:00-02:59 on the last Sunday of March)."""

    status_code = 422
    code = "TIME_IN_DST_GAP"
    message = "Tiden finns inte det här datumet: klockan ställs fram en timme (02:00-03:00)."
    reason = "dst-gap"


class BookingInPast(SlotUnavailable):
    code = "BOOKING_IN_PAST"
    message = "Kan inte boka i det förflutna"
    reason = "past"


class InsufficientNotice(SlotUnavailable):
    code = "INSUFFICIENT_NOTICE"
    message = "Bokningen görs för kort tid i förväg"
    reason = "notice"

    @classmethod
    def for_minutes(cls, minutes: int) -> InsufficientNotice:
        return cls(
            f"Bokningen måste göras minst {minutes} minuter i förväg",
            details={"minimumNoticeMinutes": minutes},
        )


class BookingOverlap(SlotUnavailable):
    status_code = 409
    code = "OVERLAP"
    message = "Leverantören är redan bokad under den valda tiden"
    reason = "booked"

    def __init__(self) -> None:
        super().__init__(details="Vänligen välj en annan tid eller datum")


class InsufficientTravelTime(SlotUnavailable):
    status_code = 409
    code = "INSUFFICIENT_TRAVEL_TIME"
    message = "Otillräcklig restid mellan bokningar"
    reason = "travel-time"

    def __init__(self, *, neighbour: str, required: int, actual: int, buffer_only: bool) -> None:
        # neighbour is "föregående" (previous) or "nästa" (next), as in the original messages.
        if buffer_only:
            message = (
                f"Otillräcklig tid till {neighbour} bokning. "
                f"Krävs minst {required} minuter buffert."
            )
        else:
            message = (
                f"Otillräcklig restid till {neighbour} bokning. Krävs {required} minuter "
                f"(inkl. buffert), endast {actual} minuter tillgängligt."
            )
        super().__init__(
            message,
            details={
                "requiredGapMinutes": required,
                "actualGapMinutes": actual,
                "message": (
                    f"Krävs {required} minuter mellan bokningar, endast {actual} minuter "
                    "tillgängligt. Vänligen välj en tid med mer marginal."
                ),
            },
        )
        self.required_gap_minutes = required
        self.actual_gap_minutes = actual
