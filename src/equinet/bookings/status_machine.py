"""The booking status machine: who may move a booking from which state to which."""

from __future__ import annotations

from equinet.bookings.exceptions import InvalidStatusTransition

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending": ("confirmed", "cancelled"),
    "confirmed": ("completed", "cancelled"),
    "cancelled": (),
    "completed": (),
}
PROVIDER_ONLY_STATUSES = ("confirmed", "completed")
ACTIVE_STATUSES = ("pending", "confirmed")


def check_transition(current: str, target: str, *, by_provider: bool) -> None:
    allowed = TRANSITIONS.get(current, ())
    if target not in allowed:
        listed = ", ".join(allowed) if allowed else "inga (terminal status)"
        raise InvalidStatusTransition(
            f'Kan inte ändra status från "{current}" till "{target}". Tillåtna övergångar: {listed}'
        )
    if not by_provider and target in PROVIDER_ONLY_STATUSES:
        raise InvalidStatusTransition(
            f'Kunder kan inte ändra status till "{target}". '
            "Bara leverantörer kan bekräfta och slutföra bokningar."
        )
