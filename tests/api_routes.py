"""The app's route table, as the cross-cutting tests see it: who may call each route.

`ACCESS` names every route of the app with the role it needs. The IDOR sweep
(tests/test_idor.py) and the access tests (tests/test_route_access.py) are generated from the
app's own routes and refuse to run while a route is missing here, so a new route cannot ship
without someone deciding who may call it.

Roles:
- public: anyone, anonymous included (the allow-list)
- user: any logged-in user (customer or provider)
- customer / provider: that role only; the other role gets 403
- cron: the scheduler, with `Authorization: Bearer <CRON_SECRET>`; everyone else gets 401
- admin: admins only; customers and providers get 403
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import fastapi.routing
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

Role = Literal["public", "user", "customer", "provider", "cron"]
Role = Literal["public", "user", "customer", "provider", "admin"]

ACCESS: dict[tuple[str, str], Role] = {
    # framework pages and operations
    ("GET", "/openapi.json"): "public",
    ("GET", "/docs"): "public",
    ("GET", "/docs/oauth2-redirect"): "public",
    ("GET", "/redoc"): "public",
    ("GET", "/api/health"): "public",
    ("GET", "/metrics"): "public",  # scraped by Prometheus; counts only, no user data
    # accounts (§2.1, §2.2)
    ("POST", "/api/auth/register"): "public",
    ("POST", "/api/auth/verify-email"): "public",
    ("POST", "/api/auth/resend-verification"): "public",
    ("POST", "/api/auth/login"): "public",
    ("POST", "/api/auth/logout"): "public",  # without a session it only clears the cookie
    ("GET", "/api/auth/session"): "user",
    ("POST", "/api/auth/forgot-password"): "public",
    ("POST", "/api/auth/reset-password"): "public",
    ("PUT", "/api/auth/password"): "user",
    ("GET", "/api/profile"): "user",
    ("PUT", "/api/profile"): "user",
    ("GET", "/api/provider/profile"): "provider",
    ("PUT", "/api/provider/profile"): "provider",
    ("GET", "/api/provider/onboarding-status"): "provider",
    # bookings, payments, customers (§2.6, §2.7, §2.11)
    ("GET", "/api/bookings"): "user",
    ("POST", "/api/bookings"): "user",  # a provider account may book another provider
    ("POST", "/api/bookings/manual"): "provider",
    ("PUT", "/api/bookings/{booking_id}"): "user",
    ("DELETE", "/api/bookings/{booking_id}"): "user",
    ("POST", "/api/bookings/{booking_id}/payment"): "user",  # the customer; others get 404
    ("GET", "/api/bookings/{booking_id}/payment"): "user",
    ("GET", "/api/bookings/{booking_id}/receipt"): "user",
    ("GET", "/api/customers/search"): "provider",
    ("GET", "/api/customers/{customer_id}/horses"): "provider",
    # reviews and notifications (§2.8, §2.9)
    ("POST", "/api/reviews"): "customer",
    ("PUT", "/api/reviews/{review_id}"): "customer",
    ("DELETE", "/api/reviews/{review_id}"): "customer",
    ("POST", "/api/reviews/{review_id}/reply"): "provider",
    ("DELETE", "/api/reviews/{review_id}/reply"): "provider",
    ("GET", "/api/notifications"): "user",
    ("POST", "/api/notifications"): "user",
    ("GET", "/api/notifications/unread-count"): "user",
    ("PUT", "/api/notifications/{notification_id}"): "user",
    # providers, availability, services (§2.3-§2.5)
    ("GET", "/api/providers"): "public",
    ("GET", "/api/providers/visiting-area"): "public",
    ("GET", "/api/providers/{provider_id}"): "public",
    ("PUT", "/api/providers/{provider_id}"): "user",  # the owner; anyone else gets 404
    ("GET", "/api/providers/{provider_id}/reviews"): "public",
    ("GET", "/api/providers/{provider_id}/availability"): "public",
    ("GET", "/api/providers/{provider_id}/availability-schedule"): "public",
    ("PUT", "/api/providers/{provider_id}/availability-schedule"): "provider",
    ("GET", "/api/providers/{provider_id}/availability-exceptions"): "public",
    ("POST", "/api/providers/{provider_id}/availability-exceptions"): "provider",
    ("GET", "/api/providers/{provider_id}/availability-exceptions/{date}"): "public",
    ("DELETE", "/api/providers/{provider_id}/availability-exceptions/{date}"): "provider",
    ("GET", "/api/services"): "provider",
    ("POST", "/api/services"): "provider",
    ("PUT", "/api/services/{service_id}"): "provider",
    ("DELETE", "/api/services/{service_id}"): "provider",
    # geocoding: public, its own limiter (30 a minute per IP)
    ("GET", "/api/geocode"): "public",
    # horses, notes, timeline, passport links, export (any logged-in user may own horses)
    ("GET", "/api/horses"): "user",
    ("POST", "/api/horses"): "user",
    ("GET", "/api/horses/{horse_id}"): "user",
    ("PUT", "/api/horses/{horse_id}"): "user",
    ("DELETE", "/api/horses/{horse_id}"): "user",
    ("GET", "/api/horses/{horse_id}/notes"): "user",
    ("POST", "/api/horses/{horse_id}/notes"): "user",
    ("PUT", "/api/horses/{horse_id}/notes/{note_id}"): "user",
    ("DELETE", "/api/horses/{horse_id}/notes/{note_id}"): "user",
    ("GET", "/api/horses/{horse_id}/timeline"): "user",  # the owner or a provider who visited
    ("POST", "/api/horses/{horse_id}/passport"): "user",
    ("GET", "/api/horses/{horse_id}/passport"): "user",
    ("DELETE", "/api/horses/{horse_id}/passport/{passport_id}"): "user",
    ("GET", "/api/horses/{horse_id}/export"): "user",
    ("GET", "/api/passport/{token}"): "public",  # the secret token is the credential
    # calendar feeds: my secret iCal URL, and the feed read with it
    ("GET", "/api/calendar-feed"): "user",
    ("POST", "/api/calendar-feed"): "user",
    ("DELETE", "/api/calendar-feed"): "user",
    ("GET", "/api/calendar/{token}.ics"): "public",  # the secret token is the credential
    # reminders: the scheduler's trigger, and the signed unsubscribe link of the e-mails
    ("GET", "/api/cron/send-reminders"): "cron",
    ("GET", "/api/reminders/unsubscribe"): "public",  # the signed token is the credential
    ("POST", "/api/reminders/unsubscribe"): "public",
    # uploads: avatars are public files; other buckets answer 404 to anyone but their owner
    ("POST", "/api/upload"): "user",
    ("GET", "/api/upload"): "user",
    ("GET", "/api/upload/{upload_id}"): "public",
    ("DELETE", "/api/upload/{upload_id}"): "user",
    # two-factor login
    ("POST", "/api/auth/login/totp"): "public",  # the challenge from the password step
    ("GET", "/api/auth/two-factor"): "user",
    ("POST", "/api/auth/two-factor/setup"): "user",
    ("POST", "/api/auth/two-factor/confirm"): "user",
    ("POST", "/api/auth/two-factor/recovery-codes"): "user",
    ("POST", "/api/auth/two-factor/disable"): "user",
    # provider verification and admin
    ("GET", "/api/verification-requests"): "provider",
    ("POST", "/api/verification-requests"): "provider",
    ("PUT", "/api/verification-requests/{verification_id}"): "provider",
    ("DELETE", "/api/verification-requests/{verification_id}"): "provider",
    ("GET", "/api/providers/{provider_id}/verifications"): "public",  # approved ones only
    ("GET", "/api/admin/verification-requests"): "admin",
    ("PUT", "/api/admin/verification-requests/{verification_id}"): "admin",
    ("GET", "/api/admin/users"): "admin",
    ("POST", "/api/admin/users/{user_id}/deactivate"): "admin",
    ("POST", "/api/admin/users/{user_id}/reactivate"): "admin",
    ("GET", "/api/admin/audit-log"): "admin",
    # personal data
    ("GET", "/api/export/my-data"): "user",
    ("POST", "/api/account/delete"): "user",
    # route orders, announcements, follows, routes (§2.13, §2.14)
    ("POST", "/api/route-orders"): "user",  # a customer's order or a provider's announcement
    ("GET", "/api/route-orders"): "user",
    ("GET", "/api/route-orders/announcements"): "public",  # public read-only (§7.16)
    ("GET", "/api/route-orders/available"): "provider",
    ("GET", "/api/route-orders/my-orders"): "customer",
    ("GET", "/api/route-orders/follows"): "customer",
    ("POST", "/api/route-orders/follows"): "customer",
    ("DELETE", "/api/route-orders/follows/{follow_id}"): "customer",
    ("GET", "/api/route-orders/{route_order_id}"): "user",  # its customer or matched provider
    ("PATCH", "/api/route-orders/{route_order_id}"): "user",
    ("GET", "/api/route-orders/{route_order_id}/bookings"): "provider",
    ("POST", "/api/routes"): "provider",
    ("GET", "/api/routes/my-routes"): "provider",
    ("GET", "/api/routes/{route_id}"): "provider",
    ("PATCH", "/api/routes/{route_id}/stops/{stop_id}"): "provider",
    # group visits (§2.16)
    ("POST", "/api/group-bookings"): "user",
    ("GET", "/api/group-bookings"): "user",
    ("GET", "/api/group-bookings/available"): "provider",
    ("POST", "/api/group-bookings/join"): "user",
    ("GET", "/api/group-bookings/{group_id}"): "user",  # members, or a provider who may match
    ("PUT", "/api/group-bookings/{group_id}"): "user",  # the creator; others get 404
    ("DELETE", "/api/group-bookings/{group_id}/participants/{participant_id}"): "user",
    ("POST", "/api/group-bookings/{group_id}/match"): "provider",
    # accounting: the provider's own Fortnox connection (§2.19); no ids in the paths
    ("GET", "/api/integrations/fortnox/connect"): "provider",
    ("GET", "/api/integrations/fortnox/callback"): "provider",
    ("GET", "/api/integrations/fortnox/status"): "provider",
    ("POST", "/api/integrations/fortnox/disconnect"): "provider",
    ("POST", "/api/integrations/fortnox/sync"): "provider",
}

# Framework pages that answer HTML, not the JSON error shape.
NON_JSON = {"/docs", "/docs/oauth2-redirect", "/redoc", "/metrics"}


PAGE_TAG = "pages"  # equinet.web.pages.PAGE_TAG: HTML pages, tested by tests/web


def app_routes(app: FastAPI, *, pages: bool = False) -> Iterator[tuple[str, str]]:
    """(method, path template) of every HTTP route the app serves, HEAD left out; the HTML
    pages (tagged "pages") only with `pages=True`, and then only they."""
    # FastAPI >= 0.16x keeps included routers as branches; iter_route_contexts flattens them.
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    routes: Any = walk(app.router.routes) if walk is not None else app.router.routes
    for route in routes:
        path = getattr(route, "path", None)
        if (PAGE_TAG in (getattr(route, "tags", None) or ())) != pages:
            continue
        for method in sorted(getattr(route, "methods", None) or ()):
            if path and method != "HEAD":
                yield method, path


def classified_routes(app: FastAPI) -> dict[tuple[str, str], Role]:
    """Every route of the app with its role; fails for a route ACCESS does not name."""
    found = set(app_routes(app))
    unknown = sorted(found - set(ACCESS))
    assert not unknown, f"add these routes to tests/api_routes.py ACCESS: {unknown}"
    stale = sorted(set(ACCESS) - found)
    assert not stale, f"ACCESS names routes the app no longer has: {stale}"
    return {route: ACCESS[route] for route in sorted(found)}


def has_json_body(app: FastAPI, method: str, path: str) -> bool:
    operation = app.openapi()["paths"].get(path, {}).get(method.lower(), {})
    return "application/json" in operation.get("requestBody", {}).get("content", {})


# Columns that change on every authenticated request by design (session bookkeeping).
_VOLATILE = {"Session": ("lastSeenAt",)}


async def table_checksums(db: AsyncSession) -> dict[str, tuple[int, str]]:
    """(row count, md5 of all rows) of every table in the public schema, as this
    transaction sees them. Any insert, update or delete anywhere changes it. The job queue's
    tables are left out: other tests commit jobs that the client's worker hook may run meanwhile,
    and a request only queues a job together with a change of Equinet's own tables."""
    await db.flush()
    names = (
        await db.scalars(
            text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
                "AND table_name NOT LIKE 'procrastinate%' ORDER BY 1"
            )
        )
    ).all()
    sums: dict[str, tuple[int, str]] = {}
    for name in names:
        row_json = "to_jsonb(t)" + "".join(f" - '{c}'" for c in _VOLATILE.get(name, ()))
        count, digest = (
            await db.execute(
                text(
                    f"SELECT count(*), coalesce(md5(string_agg(({row_json})::text, ',' "
                    f"ORDER BY ({row_json})::text)), '') FROM \"{name}\" t"
                )
            )
        ).one()
        sums[name] = (count, digest)
    return sums
