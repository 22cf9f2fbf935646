"""`/api/route-orders` (orders, announcements, follows) and `/api/routes` (route planning)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from equinet.accounts.dependencies import CurrentCustomer, CurrentProvider, CurrentUser
from equinet.db.session import DbSession
from equinet.kit.pagination import PageRequest, paged, paginated
from equinet.kit.rate_limit_routes import limit_route
from equinet.providers.service import provider_of_caller
from equinet.routes import planning, service
from equinet.routes.schemas import (
    AnnouncementIn,
    CancelIn,
    FollowIn,
    RouteIn,
    RouteOrderIn,
    StopUpdateIn,
)
from equinet.settings import settings_of

orders_router = APIRouter(prefix="/api/route-orders", tags=["route orders"])
routes_router = APIRouter(prefix="/api/routes", tags=["routes"])

limit_route("GET", "/api/route-orders/available", "api")
limit_route("GET", "/api/route-orders/announcements", "api")
limit_route("POST", "/api/routes", "api")


ListPage = Annotated[PageRequest, Depends(paginated(default=50, cap=100))]


@orders_router.post("", status_code=201, summary="A customer's order or a provider's announcement")
async def create_route_order(
    request: Request, db: DbSession, user: CurrentUser, body: RouteOrderIn
) -> dict[str, Any]:
    if isinstance(body, AnnouncementIn):
        provider = await provider_of_caller(db, user)
        return await service.create_announcement(db, settings_of(request), user, provider, body)
    return await service.create_customer_order(db, user, body)


@orders_router.get("", summary="My announcements (provider) or my orders (customer)")
async def list_route_orders(
    request: Request,
    response: Response,
    db: DbSession,
    user: CurrentUser,
    page: ListPage,
    announcement_type: Annotated[str | None, Query(alias="announcementType")] = None,
) -> list[dict[str, Any]]:
    provider = await provider_of_caller(db, user)
    listed = await service.list_own(db, user, provider, announcement_type, page)
    return paged(response, request, page, listed)


@orders_router.get("/announcements", summary="Open announcements (public, read-only)")
async def announcements(
    request: Request,
    response: Response,
    db: DbSession,
    page: ListPage,
    provider_id: Annotated[str | None, Query(alias="providerId")] = None,
    service_type: Annotated[str | None, Query(alias="serviceType")] = None,
    date_from: Annotated[date | None, Query(alias="dateFrom")] = None,
    date_to: Annotated[date | None, Query(alias="dateTo")] = None,
    latitude: Annotated[float | None, Query(ge=-90, le=90)] = None,
    longitude: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_km: Annotated[float | None, Query(alias="radiusKm")] = None,
) -> list[dict[str, Any]]:
    listed = await service.public_announcements(
        db,
        provider_id=provider_id,
        service_type=service_type,
        date_from=date_from,
        date_to=date_to,
        latitude=latitude,
        longitude=longitude,
        radius_km=radius_km,
        page=page,
    )
    return paged(response, request, page, listed)


@orders_router.get("/available", summary="Customers' orders within my service area")
async def available(
    request: Request,
    response: Response,
    db: DbSession,
    account: CurrentProvider,
    page: Annotated[PageRequest, Depends(paginated(default=service.AVAILABLE_LIMIT, cap=100))],
    service_type: Annotated[str | None, Query(alias="serviceType")] = None,
    priority: Annotated[str | None, Query(pattern="^(normal|urgent)$")] = None,
) -> list[dict[str, Any]]:
    listed = await service.available_orders(
        db, account.provider, service_type=service_type, priority=priority, page=page
    )
    return paged(response, request, page, listed)


@orders_router.get("/my-orders", summary="My orders with their planned visits and ETAs")
async def my_orders(
    request: Request, response: Response, db: DbSession, customer: CurrentCustomer, page: ListPage
) -> list[dict[str, Any]]:
    return paged(response, request, page, await service.my_orders(db, customer, page))


@orders_router.get("/follows", summary="Providers whose announcements I follow")
async def follows(
    request: Request, response: Response, db: DbSession, customer: CurrentCustomer, page: ListPage
) -> list[dict[str, Any]]:
    return paged(response, request, page, await service.follows(db, customer, page))


@orders_router.post("/follows", status_code=201, summary="Follow a provider's announcements")
async def follow(db: DbSession, customer: CurrentCustomer, body: FollowIn) -> dict[str, Any]:
    return await service.follow(db, customer, body)


@orders_router.delete("/follows/{follow_id}", summary="Stop following")
async def unfollow(db: DbSession, customer: CurrentCustomer, follow_id: str) -> dict[str, bool]:
    await service.unfollow(db, customer, follow_id)
    return {"success": True}


@orders_router.get("/{route_order_id}", summary="An announcement, or my order (or one I visit)")
async def route_order(db: DbSession, user: CurrentUser, route_order_id: str) -> dict[str, Any]:
    provider = await provider_of_caller(db, user)
    return await service.order_detail(db, user, provider, route_order_id)


@orders_router.patch("/{route_order_id}", summary="Cancel my order or my announcement")
async def cancel_route_order(
    db: DbSession, user: CurrentUser, route_order_id: str, body: CancelIn
) -> dict[str, Any]:
    provider = await provider_of_caller(db, user)
    return await service.cancel_order(db, user, provider, route_order_id)


@orders_router.get("/{route_order_id}/bookings", summary="The bookings of my route order")
async def route_order_bookings(
    db: DbSession, account: CurrentProvider, route_order_id: str
) -> dict[str, Any]:
    return await service.order_bookings(db, account.provider, route_order_id)


@routes_router.post("", status_code=201, summary="Plan a route from chosen orders")
async def create_route(
    request: Request, db: DbSession, account: CurrentProvider, body: RouteIn
) -> dict[str, Any]:
    return await planning.create_route(db, settings_of(request), account, body)


@routes_router.get("/my-routes", summary="My routes, newest date first")
async def my_routes(
    request: Request, response: Response, db: DbSession, account: CurrentProvider, page: ListPage
) -> list[dict[str, Any]]:
    return paged(response, request, page, await planning.my_routes(db, account, page))


@routes_router.get("/{route_id}", summary="One of my routes with its stops")
async def route(db: DbSession, account: CurrentProvider, route_id: str) -> dict[str, Any]:
    return await planning.route_detail(db, account, route_id)


@routes_router.patch("/{route_id}/stops/{stop_id}", summary="Arrival, departure or a problem")
async def update_stop(
    request: Request,
    db: DbSession,
    account: CurrentProvider,
    route_id: str,
    stop_id: str,
    body: StopUpdateIn,
) -> dict[str, Any]:
    return await planning.update_stop(db, settings_of(request), account, route_id, stop_id, body)
