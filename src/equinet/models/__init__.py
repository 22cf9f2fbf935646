"""All Equinet tables, one module per aggregate; importing this package registers them all."""

from equinet.db.base import Base
from equinet.models.accounting import FortnoxConnection
from equinet.models.accounts import EmailVerificationToken, User
from equinet.models.availability import Availability, AvailabilityException
from equinet.models.bookings import Booking
from equinet.models.calendar_feeds import CalendarFeed
from equinet.models.catalog import Service
from equinet.models.environment import EnvironmentStamp
from equinet.models.group_bookings import GroupBookingParticipant, GroupBookingRequest
from equinet.models.horses import Horse, HorseNote, HorsePassportToken
from equinet.models.idempotency import IdempotencyKey, InvoiceCounter
from equinet.models.notifications import Notification
from equinet.models.operations import MaintenanceMode
from equinet.models.payments import Payment
from equinet.models.providers import Provider, ProviderVerification
from equinet.models.reminders import ReminderDelivery, ReminderOptOut
from equinet.models.reviews import Review
from equinet.models.routes import AnnouncementFollow, Route, RouteOrder, RouteStop
from equinet.models.security import (
    AdminAuditLog,
    LoginChallenge,
    TwoFactorCredential,
    TwoFactorRecoveryCode,
)
from equinet.models.sessions import PasswordResetToken, Session
from equinet.models.uploads import Upload

# The 21 tables of the Equinet baseline (schema.md), in the order of that document.
BASELINE_TABLES = (
    "User", "Provider", "Service", "Availability", "AvailabilityException", "Booking", "Horse",
    "HorsePassportToken", "Upload", "FortnoxConnection", "Payment", "Notification", "RouteOrder",
    "Route", "RouteStop", "EmailVerificationToken", "Review", "HorseNote", "ProviderVerification",
    "GroupBookingRequest", "GroupBookingParticipant",
)  # fmt: skip

__all__ = [
    "BASELINE_TABLES",
    "AdminAuditLog",
    "AnnouncementFollow",
    "Availability",
    "AvailabilityException",
    "Base",
    "Booking",
    "CalendarFeed",
    "EmailVerificationToken",
    "EnvironmentStamp",
    "FortnoxConnection",
    "GroupBookingParticipant",
    "GroupBookingRequest",
    "Horse",
    "HorseNote",
    "HorsePassportToken",
    "IdempotencyKey",
    "InvoiceCounter",
    "LoginChallenge",
    "MaintenanceMode",
    "Notification",
    "PasswordResetToken",
    "Payment",
    "Provider",
    "ProviderVerification",
    "ReminderDelivery",
    "ReminderOptOut",
    "Review",
    "Route",
    "RouteOrder",
    "RouteStop",
    "Service",
    "Session",
    "TwoFactorCredential",
    "TwoFactorRecoveryCode",
    "Upload",
    "User",
]
