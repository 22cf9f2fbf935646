"""The errors of route orders, announcements, follows and routes, with Swedish messages."""

from __future__ import annotations

from equinet.kit.errors import Conflict, EquinetError, NotFound


class InvalidDates(EquinetError):
    code = "INVALID_DATES"
    message = "Ogiltiga datum"


class AddressNotFound(EquinetError):
    code = "ADDRESS_NOT_FOUND"
    message = "Kunde inte hitta adressen"


class CustomersOnly(EquinetError):
    status_code = 403
    code = "FORBIDDEN"
    message = "Endast kunder kan skapa rutt-beställningar"


class ProvidersOnly(EquinetError):
    status_code = 403
    code = "FORBIDDEN"
    message = "Endast leverantörer kan skapa rutt-annonser"


class InvalidListQuery(EquinetError):
    code = "INVALID_LIST_QUERY"
    message = (
        "Ange announcementType=provider_announced (leverantör) "
        "eller announcementType=customer_initiated (kund)"
    )


class InvalidGeoFilter(EquinetError):
    code = "INVALID_GEO_FILTER"
    message = "Geografisk filtrering kräver latitude, longitude och radiusKm (större än 0)"


class ProviderLocationMissing(EquinetError):
    code = "PROVIDER_LOCATION_MISSING"
    message = (
        "Ange din position (latitud och longitud) i profilen för att se beställningar i ditt område"
    )


class RouteOrderNotFound(NotFound):
    code = "ROUTE_ORDER_NOT_FOUND"
    message = "Rutt-beställningen hittades inte"


class AlreadyCancelled(EquinetError):
    code = "ALREADY_CANCELLED"
    message = "Rutt-beställningen är redan avbruten"


class OrderNotCancellable(Conflict):
    code = "ORDER_NOT_CANCELLABLE"
    message = "Beställningen ingår redan i en rutt och kan inte avbrytas"


class FollowNotFound(NotFound):
    code = "FOLLOW_NOT_FOUND"
    message = "Bevakningen hittades inte"


class OrdersUnavailable(Conflict):
    code = "ORDERS_UNAVAILABLE"
    message = "Alla beställningar måste vara tillgängliga"


class BookingsUnavailable(Conflict):
    code = "BOOKINGS_UNAVAILABLE"
    message = "Alla bokningar måste vara dina, aktiva, på ruttens datum och inte redan i en rutt"


class OrderOutsideDateRange(EquinetError):
    code = "ORDER_OUTSIDE_DATE_RANGE"
    message = "En beställning kan inte besökas på ruttens datum"


class RouteDateInPast(EquinetError):
    code = "ROUTE_DATE_IN_PAST"
    message = "Ruttens datum har redan passerat"


class RouteInfeasible(EquinetError):
    code = "ROUTE_INFEASIBLE"
    message = "Alla stopp hinner inte nås inom sina tidsfönster"


class RouteNotFound(NotFound):
    code = "ROUTE_NOT_FOUND"
    message = "Rutt hittades inte"


class StopNotFound(NotFound):
    code = "STOP_NOT_FOUND"
    message = "Stoppet hittades inte"
