"""Baseline: the 21 tables of the Equinet schema, exactly as Prisma's `0_init` created them.

An existing Equinet database already has all of this; `equinet db adopt` verifies that and
stamps this revision instead of running it.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "User",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("passwordHash", sa.Text(), nullable=False),
        sa.Column("userType", sa.Text(), nullable=False),
        sa.Column("firstName", sa.Text(), nullable=False),
        sa.Column("lastName", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("isAdmin", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column(
            "isManualCustomer", sa.Boolean(), nullable=False, server_default=sa.text("false")
        ),
        sa.Column("emailVerified", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("emailVerifiedAt", postgresql.TIMESTAMP(precision=3), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="User_pkey"),
    )
    op.create_index("User_email_key", "User", ["email"], unique=True)
    op.create_index("User_latitude_longitude_idx", "User", ["latitude", "longitude"])
    op.create_table(
        "Provider",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("userId", sa.Text(), nullable=False),
        sa.Column("businessName", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("postalCode", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("serviceAreaKm", sa.Double(), nullable=True, server_default=sa.text("50")),
        sa.Column("serviceArea", sa.Text(), nullable=True),
        sa.Column("profileImageUrl", sa.Text(), nullable=True),
        sa.Column("isActive", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("isVerified", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("verifiedAt", postgresql.TIMESTAMP(precision=3), nullable=True),
        sa.Column("verifiedBy", sa.Text(), nullable=True),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="Provider_pkey"),
    )
    op.create_index("Provider_userId_key", "Provider", ["userId"], unique=True)
    op.create_index("Provider_isActive_createdAt_idx", "Provider", ["isActive", "createdAt"])
    op.create_index("Provider_city_idx", "Provider", ["city"])
    op.create_index("Provider_businessName_idx", "Provider", ["businessName"])
    op.create_index("Provider_latitude_longitude_idx", "Provider", ["latitude", "longitude"])
    op.create_table(
        "Service",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("providerId", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("price", sa.Double(), nullable=False),
        sa.Column("durationMinutes", sa.Integer(), nullable=False),
        sa.Column("isActive", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("recommendedIntervalWeeks", sa.Integer(), nullable=True),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.PrimaryKeyConstraint("id", name="Service_pkey"),
    )
    op.create_index("Service_providerId_isActive_idx", "Service", ["providerId", "isActive"])
    op.create_table(
        "Availability",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("providerId", sa.Text(), nullable=False),
        sa.Column("dayOfWeek", sa.Integer(), nullable=False),
        sa.Column("startTime", sa.Text(), nullable=False),
        sa.Column("endTime", sa.Text(), nullable=False),
        sa.Column("isClosed", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("isActive", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="Availability_pkey"),
    )
    op.create_index(
        "Availability_providerId_dayOfWeek_key",
        "Availability",
        ["providerId", "dayOfWeek"],
        unique=True,
    )
    op.create_table(
        "AvailabilityException",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("providerId", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("isClosed", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("startTime", sa.Text(), nullable=True),
        sa.Column("endTime", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="AvailabilityException_pkey"),
    )
    op.create_index(
        "AvailabilityException_providerId_date_idx", "AvailabilityException", ["providerId", "date"]
    )
    op.create_index(
        "AvailabilityException_providerId_date_key",
        "AvailabilityException",
        ["providerId", "date"],
        unique=True,
    )
    op.create_table(
        "Booking",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("customerId", sa.Text(), nullable=False),
        sa.Column("providerId", sa.Text(), nullable=False),
        sa.Column("serviceId", sa.Text(), nullable=False),
        sa.Column("routeOrderId", sa.Text(), nullable=True),
        sa.Column("bookingDate", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.Column("startTime", sa.Text(), nullable=False),
        sa.Column("endTime", sa.Text(), nullable=False),
        sa.Column(
            "timezone", sa.Text(), nullable=False, server_default=sa.text("'Europe/Stockholm'")
        ),
        sa.Column("status", sa.Text(), nullable=False, server_default=sa.text("'pending'")),
        sa.Column("customerNotes", sa.Text(), nullable=True),
        sa.Column("cancellationMessage", sa.Text(), nullable=True),
        sa.Column("horseName", sa.Text(), nullable=True),
        sa.Column("horseInfo", sa.Text(), nullable=True),
        sa.Column("horseId", sa.Text(), nullable=True),
        sa.Column("travelTimeMinutes", sa.Integer(), nullable=True),
        sa.Column("isManualBooking", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("createdByProviderId", sa.Text(), nullable=True),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="Booking_pkey"),
    )
    op.create_index(
        "Booking_providerId_bookingDate_status_idx",
        "Booking",
        ["providerId", "bookingDate", "status"],
    )
    op.create_index("Booking_customerId_bookingDate_idx", "Booking", ["customerId", "bookingDate"])
    op.create_index("Booking_customerId_status_idx", "Booking", ["customerId", "status"])
    op.create_index("Booking_serviceId_idx", "Booking", ["serviceId"])
    op.create_index("Booking_routeOrderId_idx", "Booking", ["routeOrderId"])
    op.create_index("Booking_horseId_idx", "Booking", ["horseId"])
    op.create_index(
        "Booking_providerId_bookingDate_startTime_endTime_key",
        "Booking",
        ["providerId", "bookingDate", "startTime", "endTime"],
        unique=True,
    )
    op.create_table(
        "Horse",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("ownerId", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("breed", sa.Text(), nullable=True),
        sa.Column("birthYear", sa.Integer(), nullable=True),
        sa.Column("color", sa.Text(), nullable=True),
        sa.Column("gender", sa.Text(), nullable=True),
        sa.Column("specialNeeds", sa.Text(), nullable=True),
        sa.Column("photoUrl", sa.Text(), nullable=True),
        sa.Column("isActive", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="Horse_pkey"),
    )
    op.create_index("Horse_ownerId_isActive_idx", "Horse", ["ownerId", "isActive"])
    op.create_table(
        "HorsePassportToken",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("horseId", sa.Text(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("expiresAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.PrimaryKeyConstraint("id", name="HorsePassportToken_pkey"),
    )
    op.create_index("HorsePassportToken_token_key", "HorsePassportToken", ["token"], unique=True)
    op.create_index("HorsePassportToken_token_idx", "HorsePassportToken", ["token"])
    op.create_index("HorsePassportToken_horseId_idx", "HorsePassportToken", ["horseId"])
    op.create_table(
        "Upload",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("userId", sa.Text(), nullable=False),
        sa.Column("bucket", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("mimeType", sa.Text(), nullable=False),
        sa.Column("originalName", sa.Text(), nullable=True),
        sa.Column("sizeBytes", sa.Integer(), nullable=False),
        sa.Column("verificationId", sa.Text(), nullable=True),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.PrimaryKeyConstraint("id", name="Upload_pkey"),
    )
    op.create_index("Upload_userId_idx", "Upload", ["userId"])
    op.create_index("Upload_bucket_path_idx", "Upload", ["bucket", "path"])
    op.create_index("Upload_verificationId_idx", "Upload", ["verificationId"])
    op.create_table(
        "FortnoxConnection",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("providerId", sa.Text(), nullable=False),
        sa.Column("accessToken", sa.Text(), nullable=False),
        sa.Column("refreshToken", sa.Text(), nullable=False),
        sa.Column("expiresAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.Column("companyId", sa.Text(), nullable=True),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="FortnoxConnection_pkey"),
    )
    op.create_index(
        "FortnoxConnection_providerId_key", "FortnoxConnection", ["providerId"], unique=True
    )
    op.create_index("FortnoxConnection_providerId_idx", "FortnoxConnection", ["providerId"])
    op.create_table(
        "Payment",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("bookingId", sa.Text(), nullable=False),
        sa.Column("amount", sa.Double(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False, server_default=sa.text("'SEK'")),
        sa.Column("provider", sa.Text(), nullable=False, server_default=sa.text("'mock'")),
        sa.Column("providerPaymentId", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False, server_default=sa.text("'pending'")),
        sa.Column("paidAt", postgresql.TIMESTAMP(precision=3), nullable=True),
        sa.Column("invoiceNumber", sa.Text(), nullable=True),
        sa.Column("invoiceUrl", sa.Text(), nullable=True),
        sa.Column("fortnoxInvoiceId", sa.Text(), nullable=True),
        sa.Column("fortnoxStatus", sa.Text(), nullable=True),
        sa.Column("sentToFortnoxAt", postgresql.TIMESTAMP(precision=3), nullable=True),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="Payment_pkey"),
    )
    op.create_index("Payment_bookingId_key", "Payment", ["bookingId"], unique=True)
    op.create_index("Payment_invoiceNumber_key", "Payment", ["invoiceNumber"], unique=True)
    op.create_index("Payment_bookingId_status_idx", "Payment", ["bookingId", "status"])
    op.create_index("Payment_status_paidAt_idx", "Payment", ["status", "paidAt"])
    op.create_table(
        "Notification",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("userId", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("isRead", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("linkUrl", sa.Text(), nullable=True),
        sa.Column("metadata", sa.Text(), nullable=True),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.PrimaryKeyConstraint("id", name="Notification_pkey"),
    )
    op.create_index("Notification_userId_isRead_idx", "Notification", ["userId", "isRead"])
    op.create_index("Notification_userId_createdAt_idx", "Notification", ["userId", "createdAt"])
    op.create_table(
        "RouteOrder",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("customerId", sa.Text(), nullable=True),
        sa.Column("providerId", sa.Text(), nullable=True),
        sa.Column(
            "announcementType",
            sa.Text(),
            nullable=False,
            server_default=sa.text("'customer_initiated'"),
        ),
        sa.Column("serviceType", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("numberOfHorses", sa.Integer(), nullable=False, server_default=sa.text("1")),
        sa.Column("dateFrom", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.Column("dateTo", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.Column("priority", sa.Text(), nullable=False, server_default=sa.text("'normal'")),
        sa.Column("specialInstructions", sa.Text(), nullable=True),
        sa.Column("contactPhone", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False, server_default=sa.text("'pending'")),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="RouteOrder_pkey"),
    )
    op.create_index("RouteOrder_status_serviceType_idx", "RouteOrder", ["status", "serviceType"])
    op.create_index("RouteOrder_status_priority_idx", "RouteOrder", ["status", "priority"])
    op.create_index("RouteOrder_customerId_status_idx", "RouteOrder", ["customerId", "status"])
    op.create_index(
        "RouteOrder_dateFrom_dateTo_status_idx", "RouteOrder", ["dateFrom", "dateTo", "status"]
    )
    op.create_index(
        "RouteOrder_providerId_announcementType_status_idx",
        "RouteOrder",
        ["providerId", "announcementType", "status"],
    )
    op.create_index(
        "RouteOrder_latitude_longitude_announcementType_idx",
        "RouteOrder",
        ["latitude", "longitude", "announcementType"],
    )
    op.create_table(
        "Route",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("providerId", sa.Text(), nullable=False),
        sa.Column("routeName", sa.Text(), nullable=False),
        sa.Column("routeDate", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.Column("startTime", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False, server_default=sa.text("'planned'")),
        sa.Column("totalDistanceKm", sa.Double(), nullable=True),
        sa.Column("totalDurationMinutes", sa.Integer(), nullable=True),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="Route_pkey"),
    )
    op.create_index(
        "Route_providerId_routeDate_status_idx", "Route", ["providerId", "routeDate", "status"]
    )
    op.create_index("Route_status_idx", "Route", ["status"])
    op.create_table(
        "RouteStop",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("routeId", sa.Text(), nullable=True),
        sa.Column("routeOrderId", sa.Text(), nullable=False),
        sa.Column("stopOrder", sa.Integer(), nullable=False),
        sa.Column("locationName", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("estimatedArrival", postgresql.TIMESTAMP(precision=3), nullable=True),
        sa.Column(
            "estimatedDurationMin", sa.Integer(), nullable=False, server_default=sa.text("60")
        ),
        sa.Column("actualArrival", postgresql.TIMESTAMP(precision=3), nullable=True),
        sa.Column("actualDeparture", postgresql.TIMESTAMP(precision=3), nullable=True),
        sa.Column("status", sa.Text(), nullable=False, server_default=sa.text("'pending'")),
        sa.Column("problemNote", sa.Text(), nullable=True),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="RouteStop_pkey"),
    )
    op.create_index("RouteStop_routeId_stopOrder_idx", "RouteStop", ["routeId", "stopOrder"])
    op.create_index("RouteStop_routeOrderId_idx", "RouteStop", ["routeOrderId"])
    op.create_index("RouteStop_status_idx", "RouteStop", ["status"])
    op.create_table(
        "EmailVerificationToken",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("userId", sa.Text(), nullable=False),
        sa.Column("expiresAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.Column("usedAt", postgresql.TIMESTAMP(precision=3), nullable=True),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.PrimaryKeyConstraint("id", name="EmailVerificationToken_pkey"),
    )
    op.create_index(
        "EmailVerificationToken_token_key", "EmailVerificationToken", ["token"], unique=True
    )
    op.create_index("EmailVerificationToken_token_idx", "EmailVerificationToken", ["token"])
    op.create_index("EmailVerificationToken_userId_idx", "EmailVerificationToken", ["userId"])
    op.create_table(
        "Review",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("bookingId", sa.Text(), nullable=False),
        sa.Column("customerId", sa.Text(), nullable=False),
        sa.Column("providerId", sa.Text(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("repliedAt", postgresql.TIMESTAMP(precision=3), nullable=True),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="Review_pkey"),
    )
    op.create_index("Review_bookingId_key", "Review", ["bookingId"], unique=True)
    op.create_index("Review_providerId_createdAt_idx", "Review", ["providerId", "createdAt"])
    op.create_index("Review_customerId_idx", "Review", ["customerId"])
    op.create_table(
        "HorseNote",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("horseId", sa.Text(), nullable=False),
        sa.Column("authorId", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("noteDate", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="HorseNote_pkey"),
    )
    op.create_index("HorseNote_horseId_noteDate_idx", "HorseNote", ["horseId", "noteDate"])
    op.create_index("HorseNote_authorId_idx", "HorseNote", ["authorId"])
    op.create_table(
        "ProviderVerification",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("providerId", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("issuer", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False, server_default=sa.text("'pending'")),
        sa.Column("reviewedAt", postgresql.TIMESTAMP(precision=3), nullable=True),
        sa.Column("reviewedBy", sa.Text(), nullable=True),
        sa.Column("reviewNote", sa.Text(), nullable=True),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="ProviderVerification_pkey"),
    )
    op.create_index(
        "ProviderVerification_providerId_status_idx",
        "ProviderVerification",
        ["providerId", "status"],
    )
    op.create_index(
        "ProviderVerification_status_createdAt_idx", "ProviderVerification", ["status", "createdAt"]
    )
    op.create_table(
        "GroupBookingRequest",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("creatorId", sa.Text(), nullable=False),
        sa.Column("serviceType", sa.Text(), nullable=False),
        sa.Column("providerId", sa.Text(), nullable=True),
        sa.Column("locationName", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("dateFrom", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.Column("dateTo", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("maxParticipants", sa.Integer(), nullable=False, server_default=sa.text("10")),
        sa.Column("status", sa.Text(), nullable=False, server_default=sa.text("'open'")),
        sa.Column("inviteCode", sa.Text(), nullable=False),
        sa.Column("joinDeadline", postgresql.TIMESTAMP(precision=3), nullable=True),
        sa.Column(
            "createdAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="GroupBookingRequest_pkey"),
    )
    op.create_index(
        "GroupBookingRequest_inviteCode_key", "GroupBookingRequest", ["inviteCode"], unique=True
    )
    op.create_index(
        "GroupBookingRequest_creatorId_status_idx", "GroupBookingRequest", ["creatorId", "status"]
    )
    op.create_index(
        "GroupBookingRequest_status_dateFrom_idx", "GroupBookingRequest", ["status", "dateFrom"]
    )
    op.create_index("GroupBookingRequest_inviteCode_idx", "GroupBookingRequest", ["inviteCode"])
    op.create_index(
        "GroupBookingRequest_providerId_status_idx", "GroupBookingRequest", ["providerId", "status"]
    )
    op.create_index(
        "GroupBookingRequest_latitude_longitude_idx",
        "GroupBookingRequest",
        ["latitude", "longitude"],
    )
    op.create_table(
        "GroupBookingParticipant",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("groupBookingRequestId", sa.Text(), nullable=False),
        sa.Column("userId", sa.Text(), nullable=False),
        sa.Column("numberOfHorses", sa.Integer(), nullable=False, server_default=sa.text("1")),
        sa.Column("horseId", sa.Text(), nullable=True),
        sa.Column("horseName", sa.Text(), nullable=True),
        sa.Column("horseInfo", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False, server_default=sa.text("'joined'")),
        sa.Column("bookingId", sa.Text(), nullable=True),
        sa.Column(
            "joinedAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.Column("updatedAt", postgresql.TIMESTAMP(precision=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="GroupBookingParticipant_pkey"),
    )
    op.create_index(
        "GroupBookingParticipant_bookingId_key",
        "GroupBookingParticipant",
        ["bookingId"],
        unique=True,
    )
    op.create_index(
        "GroupBookingParticipant_groupBookingRequestId_status_idx",
        "GroupBookingParticipant",
        ["groupBookingRequestId", "status"],
    )
    op.create_index("GroupBookingParticipant_userId_idx", "GroupBookingParticipant", ["userId"])
    op.create_index(
        "GroupBookingParticipant_groupBookingRequestId_userId_key",
        "GroupBookingParticipant",
        ["groupBookingRequestId", "userId"],
        unique=True,
    )
    op.create_foreign_key(
        "Provider_userId_fkey",
        "Provider",
        "User",
        ["userId"],
        ["id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Service_providerId_fkey",
        "Service",
        "Provider",
        ["providerId"],
        ["id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Availability_providerId_fkey",
        "Availability",
        "Provider",
        ["providerId"],
        ["id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "AvailabilityException_providerId_fkey",
        "AvailabilityException",
        "Provider",
        ["providerId"],
        ["id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Booking_customerId_fkey",
        "Booking",
        "User",
        ["customerId"],
        ["id"],
        ondelete="RESTRICT",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Booking_providerId_fkey",
        "Booking",
        "Provider",
        ["providerId"],
        ["id"],
        ondelete="RESTRICT",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Booking_serviceId_fkey",
        "Booking",
        "Service",
        ["serviceId"],
        ["id"],
        ondelete="RESTRICT",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Booking_routeOrderId_fkey",
        "Booking",
        "RouteOrder",
        ["routeOrderId"],
        ["id"],
        ondelete="SET NULL",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Booking_horseId_fkey",
        "Booking",
        "Horse",
        ["horseId"],
        ["id"],
        ondelete="SET NULL",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Booking_createdByProviderId_fkey",
        "Booking",
        "Provider",
        ["createdByProviderId"],
        ["id"],
        ondelete="SET NULL",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Horse_ownerId_fkey",
        "Horse",
        "User",
        ["ownerId"],
        ["id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "HorsePassportToken_horseId_fkey",
        "HorsePassportToken",
        "Horse",
        ["horseId"],
        ["id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Upload_userId_fkey",
        "Upload",
        "User",
        ["userId"],
        ["id"],
        ondelete="RESTRICT",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Upload_verificationId_fkey",
        "Upload",
        "ProviderVerification",
        ["verificationId"],
        ["id"],
        ondelete="SET NULL",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "FortnoxConnection_providerId_fkey",
        "FortnoxConnection",
        "Provider",
        ["providerId"],
        ["id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Payment_bookingId_fkey",
        "Payment",
        "Booking",
        ["bookingId"],
        ["id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Notification_userId_fkey",
        "Notification",
        "User",
        ["userId"],
        ["id"],
        ondelete="RESTRICT",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "RouteOrder_customerId_fkey",
        "RouteOrder",
        "User",
        ["customerId"],
        ["id"],
        ondelete="SET NULL",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "RouteOrder_providerId_fkey",
        "RouteOrder",
        "Provider",
        ["providerId"],
        ["id"],
        ondelete="SET NULL",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Route_providerId_fkey",
        "Route",
        "Provider",
        ["providerId"],
        ["id"],
        ondelete="RESTRICT",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "RouteStop_routeId_fkey",
        "RouteStop",
        "Route",
        ["routeId"],
        ["id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "RouteStop_routeOrderId_fkey",
        "RouteStop",
        "RouteOrder",
        ["routeOrderId"],
        ["id"],
        ondelete="RESTRICT",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "EmailVerificationToken_userId_fkey",
        "EmailVerificationToken",
        "User",
        ["userId"],
        ["id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Review_bookingId_fkey",
        "Review",
        "Booking",
        ["bookingId"],
        ["id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Review_customerId_fkey",
        "Review",
        "User",
        ["customerId"],
        ["id"],
        ondelete="RESTRICT",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "Review_providerId_fkey",
        "Review",
        "Provider",
        ["providerId"],
        ["id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "HorseNote_horseId_fkey",
        "HorseNote",
        "Horse",
        ["horseId"],
        ["id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "HorseNote_authorId_fkey",
        "HorseNote",
        "User",
        ["authorId"],
        ["id"],
        ondelete="RESTRICT",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "ProviderVerification_providerId_fkey",
        "ProviderVerification",
        "Provider",
        ["providerId"],
        ["id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "GroupBookingRequest_creatorId_fkey",
        "GroupBookingRequest",
        "User",
        ["creatorId"],
        ["id"],
        ondelete="RESTRICT",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "GroupBookingRequest_providerId_fkey",
        "GroupBookingRequest",
        "Provider",
        ["providerId"],
        ["id"],
        ondelete="SET NULL",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "GroupBookingParticipant_groupBookingRequestId_fkey",
        "GroupBookingParticipant",
        "GroupBookingRequest",
        ["groupBookingRequestId"],
        ["id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "GroupBookingParticipant_userId_fkey",
        "GroupBookingParticipant",
        "User",
        ["userId"],
        ["id"],
        ondelete="RESTRICT",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "GroupBookingParticipant_horseId_fkey",
        "GroupBookingParticipant",
        "Horse",
        ["horseId"],
        ["id"],
        ondelete="SET NULL",
        onupdate="CASCADE",
    )
    op.create_foreign_key(
        "GroupBookingParticipant_bookingId_fkey",
        "GroupBookingParticipant",
        "Booking",
        ["bookingId"],
        ["id"],
        ondelete="SET NULL",
        onupdate="CASCADE",
    )


def downgrade() -> None:
    op.drop_constraint("Provider_userId_fkey", "Provider", type_="foreignkey")
    op.drop_constraint("Service_providerId_fkey", "Service", type_="foreignkey")
    op.drop_constraint("Availability_providerId_fkey", "Availability", type_="foreignkey")
    op.drop_constraint(
        "AvailabilityException_providerId_fkey", "AvailabilityException", type_="foreignkey"
    )
    op.drop_constraint("Booking_customerId_fkey", "Booking", type_="foreignkey")
    op.drop_constraint("Booking_providerId_fkey", "Booking", type_="foreignkey")
    op.drop_constraint("Booking_serviceId_fkey", "Booking", type_="foreignkey")
    op.drop_constraint("Booking_routeOrderId_fkey", "Booking", type_="foreignkey")
    op.drop_constraint("Booking_horseId_fkey", "Booking", type_="foreignkey")
    op.drop_constraint("Booking_createdByProviderId_fkey", "Booking", type_="foreignkey")
    op.drop_constraint("Horse_ownerId_fkey", "Horse", type_="foreignkey")
    op.drop_constraint("HorsePassportToken_horseId_fkey", "HorsePassportToken", type_="foreignkey")
    op.drop_constraint("Upload_userId_fkey", "Upload", type_="foreignkey")
    op.drop_constraint("Upload_verificationId_fkey", "Upload", type_="foreignkey")
    op.drop_constraint("FortnoxConnection_providerId_fkey", "FortnoxConnection", type_="foreignkey")
    op.drop_constraint("Payment_bookingId_fkey", "Payment", type_="foreignkey")
    op.drop_constraint("Notification_userId_fkey", "Notification", type_="foreignkey")
    op.drop_constraint("RouteOrder_customerId_fkey", "RouteOrder", type_="foreignkey")
    op.drop_constraint("RouteOrder_providerId_fkey", "RouteOrder", type_="foreignkey")
    op.drop_constraint("Route_providerId_fkey", "Route", type_="foreignkey")
    op.drop_constraint("RouteStop_routeId_fkey", "RouteStop", type_="foreignkey")
    op.drop_constraint("RouteStop_routeOrderId_fkey", "RouteStop", type_="foreignkey")
    op.drop_constraint(
        "EmailVerificationToken_userId_fkey", "EmailVerificationToken", type_="foreignkey"
    )
    op.drop_constraint("Review_bookingId_fkey", "Review", type_="foreignkey")
    op.drop_constraint("Review_customerId_fkey", "Review", type_="foreignkey")
    op.drop_constraint("Review_providerId_fkey", "Review", type_="foreignkey")
    op.drop_constraint("HorseNote_horseId_fkey", "HorseNote", type_="foreignkey")
    op.drop_constraint("HorseNote_authorId_fkey", "HorseNote", type_="foreignkey")
    op.drop_constraint(
        "ProviderVerification_providerId_fkey", "ProviderVerification", type_="foreignkey"
    )
    op.drop_constraint(
        "GroupBookingRequest_creatorId_fkey", "GroupBookingRequest", type_="foreignkey"
    )
    op.drop_constraint(
        "GroupBookingRequest_providerId_fkey", "GroupBookingRequest", type_="foreignkey"
    )
    op.drop_constraint(
        "GroupBookingParticipant_groupBookingRequestId_fkey",
        "GroupBookingParticipant",
        type_="foreignkey",
    )
    op.drop_constraint(
        "GroupBookingParticipant_userId_fkey", "GroupBookingParticipant", type_="foreignkey"
    )
    op.drop_constraint(
        "GroupBookingParticipant_horseId_fkey", "GroupBookingParticipant", type_="foreignkey"
    )
    op.drop_constraint(
        "GroupBookingParticipant_bookingId_fkey", "GroupBookingParticipant", type_="foreignkey"
    )
    op.drop_table("GroupBookingParticipant")
    op.drop_table("GroupBookingRequest")
    op.drop_table("ProviderVerification")
    op.drop_table("HorseNote")
    op.drop_table("Review")
    op.drop_table("EmailVerificationToken")
    op.drop_table("RouteStop")
    op.drop_table("Route")
    op.drop_table("RouteOrder")
    op.drop_table("Notification")
    op.drop_table("Payment")
    op.drop_table("FortnoxConnection")
    op.drop_table("Upload")
    op.drop_table("HorsePassportToken")
    op.drop_table("Horse")
    op.drop_table("Booking")
    op.drop_table("AvailabilityException")
    op.drop_table("Availability")
    op.drop_table("Service")
    op.drop_table("Provider")
    op.drop_table("User")
