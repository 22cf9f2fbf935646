"""The booking domain's errors, with the spec's messages and machine codes."""

from __future__ import annotations

# One class per error code: the horse domain's.
from equinet.horses.exceptions import HorseNotFound as HorseNotFound
from equinet.kit.errors import Conflict, EquinetError, NotFound


class PastDate(EquinetError):
    code = "PAST_DATE"
    message = "Kan inte boka i det förflutna"


class InactiveService(EquinetError):
    code = "INACTIVE_SERVICE"
    message = "Tjänsten är inte längre tillgänglig"


class ServiceProviderMismatch(EquinetError):
    code = "SERVICE_PROVIDER_MISMATCH"
    message = "Ogiltig tjänst"


class InactiveProvider(EquinetError):
    code = "INACTIVE_PROVIDER"
    message = "Leverantören är för närvarande inte tillgänglig"


class SelfBooking(EquinetError):
    code = "SELF_BOOKING"
    message = "Du kan inte boka din egen tjänst"


class InvalidTimes(EquinetError):
    code = "INVALID_TIMES"
    message = "Ogiltig tid"


class InvalidRouteOrder(EquinetError):
    code = "INVALID_ROUTE_ORDER"
    message = "RouteOrder hittades inte"


class HorseAlreadyBooked(Conflict):
    code = "HORSE_OVERLAP"
    message = "Hästen är redan bokad under den valda tiden"


class BookingExists(Conflict):
    code = "BOOKING_EXISTS"
    message = "Bokningen finns redan"


class BookingNotFound(NotFound):
    code = "BOOKING_NOT_FOUND"
    message = "Bokningen hittades inte"


class InvalidStatusTransition(EquinetError):
    code = "INVALID_STATUS_TRANSITION"


class ConcurrentStatusChange(Conflict):
    code = "CONCURRENT_UPDATE"
    message = "Bokningen ändrades samtidigt av någon annan. Ladda om och försök igen."


class BookingNotDeletable(Conflict):
    code = "BOOKING_NOT_DELETABLE"
    message = (
        "Bekräftade, genomförda eller betalda bokningar kan inte tas bort. "
        "Avboka bokningen i stället."
    )


class CustomerNotFound(NotFound):
    code = "CUSTOMER_NOT_FOUND"
    message = "Kunden hittades inte"


class CustomerEmailTaken(Conflict):
    code = "CUSTOMER_EMAIL_TAKEN"
    message = (
        "Det finns redan ett konto med den e-postadressen. "
        "Välj kunden med kundsökningen eller ange ingen e-postadress."
    )


class IdempotencyKeyReused(Conflict):
    code = "IDEMPOTENCY_KEY_REUSED"
    message = "Idempotency-Key har redan använts för en annan förfrågan"


class InvalidIdempotencyKey(EquinetError):
    code = "INVALID_IDEMPOTENCY_KEY"
    message = "Idempotency-Key måste vara 1-255 synliga tecken"


class EndTimeMismatch(EquinetError):
    status_code = 422
    code = "END_TIME_MISMATCH"
    message = "Sluttiden stämmer inte med tjänstens längd. Utelämna sluttiden eller ange starttid plus tjänstens längd."


class InvalidStatusFilter(EquinetError):
    code = "INVALID_STATUS"
    message = 'Ogiltig bokningsstatus: "{status}". Giltiga värden: pending, confirmed, cancelled, completed'


class QueryTooShort(EquinetError):
    code = "QUERY_TOO_SHORT"
    message = "Sökfråga måste vara minst 2 tecken"
