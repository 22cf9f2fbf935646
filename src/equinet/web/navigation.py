"""The header's navigation: one list, each item shown to the roles it names.

Roles: "anonymous", "customer", "provider", "admin". Later areas (provider pages, admin pages,
horses, routes) append their items here; the layout renders whatever this list says.
"""

from __future__ import annotations

from dataclasses import dataclass

from equinet.kit.i18n import mark
from equinet.models import User


@dataclass(frozen=True)
class NavItem:
    label: str  # Swedish; translated when rendered
    href: str
    roles: frozenset[str]


def _roles(*names: str) -> frozenset[str]:
    return frozenset(names)


NAVIGATION: list[NavItem] = [
    NavItem(mark("Hitta leverantör"), "/", _roles("anonymous", "customer", "provider", "admin")),
    NavItem(mark("Mina bokningar"), "/my/bookings", _roles("customer")),
    NavItem(mark("Mina hästar"), "/my/horses", _roles("customer")),
    NavItem(mark("Verifiering"), "/provider/verification", _roles("provider")),
    NavItem(mark("Granska verifieringar"), "/admin/verifications", _roles("admin")),
    NavItem(mark("Ruttannonser"), "/announcements", _roles("anonymous", "customer")),
    NavItem(mark("Mina beställningar"), "/customer/route-orders", _roles("customer")),
    NavItem(mark("Gruppbesök"), "/customer/group-bookings", _roles("customer")),
    NavItem(mark("Beställningar i området"), "/provider/route-orders", _roles("provider")),
    NavItem(mark("Mina rutter"), "/provider/routes", _roles("provider")),
    NavItem(mark("Gruppförfrågningar"), "/provider/group-bookings", _roles("provider")),
    NavItem(mark("Översikt"), "/provider", _roles("provider")),
    NavItem(mark("Kalender"), "/provider/calendar", _roles("provider")),
    NavItem(mark("Användare"), "/admin/users", _roles("admin")),
    NavItem(mark("System"), "/admin/system", _roles("admin")),
    # Provider pages ("/provider", "/provider/calendar", …) and admin pages ("/admin") go here.
]


def roles_of(user: User | None) -> frozenset[str]:
    if user is None:
        return _roles("anonymous")
    roles = {user.user_type}
    if user.is_admin:
        roles.add("admin")
    return frozenset(roles)


def items_for(user: User | None) -> list[NavItem]:
    roles = roles_of(user)
    return [item for item in NAVIGATION if item.roles & roles]
