"""The errors of route orders, announcements, follows and routes, with Swedish messages."""

from __future__ import annotations

from equinet.kit.errors import Conflict, EquinetError, NotFound


class InvalidDates(EquinetError):
    code = "InvalidDates"
    message = "Ogiltiga datum"


class AddressNotFound(EquinetError):
    code = "AddressNotFound"
    message = "Kunde inte hitta adressen"


class CustomersOnly(EquinetError):
    status_code = 403
    code = "Forbidden"
    message = "Endast kunder kan skapa rutt-beställningar"


class ProvidersOnly(EquinetError):
    status_code = 403
    code = "Forbidden"
    message = "Endast leverantörer kan skapa rutt-annonser"


class InvalidListQuery(EquinetError):
    code = "InvalidListQuery"
    message = (
        "Ange announcementType=provider_announced (leverantör) "
        "eller announcementType=customer_initiated (kund)"
    )


class InvalidGeoFilter(EquinetError):
    code = "InvalidGeoFilter"
    message = "Geografisk filtrering kräver latitude, longitude och radiusKm (större än 0)"


class ProviderLocationMissing(EquinetError):
    code = "ProviderLocationMissing"
    message = (
        "Ange din position (latitud och longitud) i profilen för att se beställningar i ditt område"
    )


class RouteOrderNotFound(NotFound):
    code = "RouteOrderNotFound"
    message = "Rutt-beställningen hittades inte"


class AlreadyCancelled(EquinetError):
    code = "AlreadyCancelled"
    message = "Rutt-beställningen är redan avbruten"


class OrderNotCancellable(Conflict):
    code = "OrderNotCancellable"
    message = "Beställningen ingår redan i en rutt och kan inte avbrytas"


class ProviderNotFound(NotFound):
    code = "ProviderNotFound"
    message = "Leverantören hittades inte"


class FollowNotFound(NotFound):
    code = "FollowNotFound"
    message = "Bevakningen hittades inte"


class OrdersUnavailable(Conflict):
    code = "OrdersUnavailable"
    message = "Alla beställningar måste vara tillgängliga"


class BookingsUnavailable(Conflict):
    code = "BookingsUnavailable"
    message = "Alla bokningar måste vara dina, aktiva, på ruttens datum och inte redan i en rutt"


class OrderOutsideDateRange(EquinetError):
    code = "OrderOutsideDateRange"
    message = "En beställning kan inte besökas på ruttens datum"


class RouteDateInPast(EquinetError):
    code = "RouteDateInPast"
    message = "Ruttens datum har redan passerat"


class RouteInfeasible(EquinetError):
    code = "RouteInfeasible"
    message = "Alla stopp hinner inte nås inom sina tidsfönster"


class RouteNotFound(NotFound):
    code = "RouteNotFound"
    message = "Rutt hittades inte"


class StopNotFound(NotFound):
    code = "StopNotFound"
    message = "Stoppet hittades inte"
