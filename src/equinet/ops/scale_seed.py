"""`equinet db seed --scale N`: a large, realistic, deterministic data set for benchmarks.

N providers spread over Swedish towns, two customers per provider with their horses, and about
a hundred bookings per provider over one year (the past half year and the coming one), with
payments, reviews and notifications. Rows are generated with one seeded `random.Random` and
written with COPY in batches, all in one transaction, so 10,000 providers (about a million
bookings) take minutes rather than hours. On a database with fewer bookings than the run adds,
secondary indexes and foreign keys are dropped for the load and rebuilt before the commit, so
the tables are locked while it runs.

Running it again adds N more providers on top: numbering continues after the highest existing
`provider-NNNNNN@scale.equinet.test`, and the generator is seeded with that starting number too,
so ids, e-mails and invoice numbers never collide with the earlier run.
"""

from __future__ import annotations

import asyncio
import random
import re
import time as clock
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

import asyncpg
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from equinet.db.engine import engine_for
from equinet.db.environment_stamp import check_stamp, refuse_unless_disposable
from equinet.db.targets import asyncpg_connect
from equinet.db.urls import DatabaseTarget
from equinet.kit.passwords import hash_password
from equinet.ops import scale_data as vocab
from equinet.ops.seed import DEMO_PASSWORD
from equinet.settings import ConfigurationError, Settings

SCALE_DOMAIN = "scale.equinet.test"
BOOKINGS_PER_PROVIDER = (80, 120)
CUSTOMERS_PER_PROVIDER = 2
WINDOW_DAYS = 182  # bookings fall on today - 182 .. today + 182
TIMEZONE = "Europe/Stockholm"

# Providers per batch: one COPY per table and batch keeps memory flat at any N.
PROVIDER_BATCH = 1000
CUSTOMER_BATCH = 2000
BOOKING_BATCH = 200

# Serialises two scale seeds on one database (they would pick the same numbers).
_SCALE_SEED_LOCK = 0x45_51_53_43_41_4C_45  # "EQSCALE"

Row = tuple[Any, ...]

USER_COLUMNS = (
    "id", "email", "passwordHash", "userType", "firstName", "lastName", "phone", "isAdmin",
    "isManualCustomer", "emailVerified", "emailVerifiedAt", "city", "address", "latitude",
    "longitude", "createdAt", "updatedAt",
)  # fmt: skip
PROVIDER_COLUMNS = (
    "id", "userId", "businessName", "description", "address", "city", "postalCode", "latitude",
    "longitude", "serviceAreaKm", "isActive", "isVerified", "verifiedAt", "createdAt", "updatedAt",
)  # fmt: skip
SERVICE_COLUMNS = (
    "id", "providerId", "name", "description", "price", "durationMinutes", "isActive",
    "recommendedIntervalWeeks", "createdAt",
)  # fmt: skip
AVAILABILITY_COLUMNS = (
    "id", "providerId", "dayOfWeek", "startTime", "endTime", "isClosed", "isActive", "createdAt",
    "updatedAt",
)  # fmt: skip
EXCEPTION_COLUMNS = (
    "id", "providerId", "date", "isClosed", "startTime", "endTime", "reason", "location",
    "latitude", "longitude", "createdAt", "updatedAt",
)  # fmt: skip
HORSE_COLUMNS = (
    "id", "ownerId", "name", "breed", "birthYear", "color", "gender", "specialNeeds", "isActive",
    "createdAt", "updatedAt",
)  # fmt: skip
BOOKING_COLUMNS = (
    "id", "customerId", "providerId", "serviceId", "bookingDate", "startTime", "endTime",
    "timezone", "status", "customerNotes", "cancellationMessage", "horseName", "horseId",
    "travelTimeMinutes", "isManualBooking", "createdByProviderId", "createdAt", "updatedAt",
    "priceAtBooking",
)  # fmt: skip
PAYMENT_COLUMNS = (
    "id", "bookingId", "amount", "currency", "provider", "status", "paidAt", "invoiceNumber",
    "createdAt", "updatedAt",
)  # fmt: skip
REVIEW_COLUMNS = (
    "id", "rating", "comment", "bookingId", "customerId", "providerId", "reply", "repliedAt",
    "createdAt", "updatedAt",
)  # fmt: skip
NOTIFICATION_COLUMNS = (
    "id", "userId", "type", "message", "isRead", "linkUrl", "metadata", "createdAt",
)  # fmt: skip

SEEDED_TABLES = (
    "User", "Provider", "Service", "Availability", "AvailabilityException", "Horse", "Booking",
    "Payment", "Review", "Notification",
)  # fmt: skip


@dataclass
class ScaleSeedResult:
    """What one run added; `first_provider` is 1 on a database without scale data."""

    first_provider: int = 1
    users: int = 0
    providers: int = 0
    customers: int = 0
    services: int = 0
    availability: int = 0
    exceptions: int = 0
    horses: int = 0
    bookings: int = 0
    payments: int = 0
    reviews: int = 0
    notifications: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Rows written (customers are counted among the users)."""
        return sum(getattr(self, name) for name in _COUNTED)

    def summary(self) -> str:
        rate = self.rows / self.seconds if self.seconds else 0.0
        numbering = "" if self.first_provider == 1 else f" (numbered from {self.first_provider})"
        return (
            f"scale seed: {self.providers} providers{numbering}, {self.customers} customers, "
            f"{self.horses} horses, {self.services} services, {self.availability} weekly hours, "
            f"{self.exceptions} exceptions, {self.bookings} bookings, {self.payments} payments, "
            f"{self.reviews} reviews, {self.notifications} notifications; {self.rows} rows in "
            f"{self.seconds:.1f} s ({rate:,.0f} rows/s); password for every account: "
            f"{DEMO_PASSWORD}"
        )


_COUNTED = (
    "users", "providers", "services", "availability", "exceptions", "horses", "bookings",
    "payments", "reviews", "notifications",
)  # fmt: skip


@dataclass
class _Provider:
    id: str
    user_id: str
    town: int
    business_name: str
    active: bool
    services: list[tuple[str, str, Any, int]]  # id, name, price, minutes
    hours: list[tuple[int, int] | None]  # minutes after midnight per weekday, None when closed
    exception_days: set[int]  # day offsets (from today) with an AvailabilityException


@dataclass
class _Customer:
    id: str
    first_name: str
    last_name: str
    horses: list[tuple[str, str]]  # id, name


@dataclass
class _Batch:
    """Rows of one batch, per table, in foreign-key order."""

    tables: dict[str, list[Row]] = field(default_factory=dict)
    completes: tuple[str, ...] = ()  # tables whose last rows are in this batch

    def add(self, table: str, row: Row) -> None:
        self.tables.setdefault(table, []).append(row)


_VERSION_BITS = (0xF000 << 64) | (0xC000 << 48)
_VERSION_4 = (0x4000 << 64) | (0x8000 << 48)
_CLOCK = tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60))


class _Generator:
    """Every row of the data set, drawn from one seeded generator in a fixed order."""

    def __init__(
        self,
        rng: random.Random,
        today: date,
        password_hash: str,
        money: Callable[[int], Any],
        invoices: dict[int, int],
    ) -> None:
        self.rng = rng
        self.today = today
        # "Now" is the start of today, so that a run is reproducible all day long.
        self.now = datetime.combine(today, time(0))
        self.password_hash = password_hash
        self.money = money
        self.invoices = invoices  # year -> last invoice number used
        self.town_weights = list(accumulate(t.weight for t in vocab.TOWNS))
        self.trade_weights = list(accumulate(t.weight for t in vocab.TRADES))
        offsets = range(-WINDOW_DAYS, WINDOW_DAYS + 1)
        self.day_start = {o: self.now + timedelta(days=o) for o in offsets}
        self.weekday = {o: (today + timedelta(days=o)).weekday() for o in offsets}
        self.days_by_weekday: list[list[int]] = [[] for _ in range(7)]
        for o in offsets:
            self.days_by_weekday[self.weekday[o]].append(o)
        self.customers_by_town: list[list[_Customer]] = [[] for _ in vocab.TOWNS]
        self.customers: list[_Customer] = []

    # --- small helpers -------------------------------------------------------------------

    def uuid(self) -> str:
        """A version-4 UUID string from the seeded generator (uuid4() is not reproducible)."""
        h = "%032x" % ((self.rng.getrandbits(128) & ~_VERSION_BITS) | _VERSION_4)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def town(self) -> int:
        return self.rng.choices(range(len(vocab.TOWNS)), cum_weights=self.town_weights)[0]

    def place(self, town: int) -> tuple[float, float]:
        """The town's coordinates moved up to about 5 km, where the stables are."""
        t = vocab.TOWNS[town]
        return (
            round(t.latitude + self.rng.uniform(-0.045, 0.045), 6),
            round(t.longitude + self.rng.uniform(-0.08, 0.08), 6),
        )

    def address(self) -> str:
        return f"{self.rng.choice(vocab.STREETS)} {self.rng.randint(1, 120)}"

    def phone(self) -> str:
        n = self.rng.randrange(10_000_000)
        return f"07{self.rng.choice('02369')}-{n // 10_000:03d} {n // 100 % 100:02d} {n % 100:02d}"

    def earlier(self, moment: datetime, min_minutes: int, max_minutes: int) -> datetime:
        return moment - timedelta(minutes=self.rng.randrange(min_minutes, max_minutes))

    def later(self, moment: datetime, min_minutes: int, max_minutes: int) -> datetime:
        """`moment` plus a random delay, never after now (nothing happens in the future)."""
        return min(
            moment + timedelta(minutes=self.rng.randrange(min_minutes, max_minutes)), self.now
        )

    # --- providers -------------------------------------------------------------------------

    def provider(self, number: int, batch: _Batch) -> _Provider:
        rng = self.rng
        town = self.town()
        trade = vocab.TRADES[
            rng.choices(range(len(vocab.TRADES)), cum_weights=self.trade_weights)[0]
        ]
        first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
        names = {"first": first, "last": last, "town": vocab.TOWNS[town].name}
        business = rng.choice(trade.business_names).format(**names)
        description = rng.choice(trade.descriptions).format(**names)
        latitude, longitude = self.place(town)
        address = self.address()
        created = self.earlier(self.now, 200 * 1440, 1500 * 1440)
        updated = self.later(created, 0, 150 * 1440)
        user_id, provider_id = self.uuid(), self.uuid()
        city = vocab.TOWNS[town].name
        batch.add(
            "User",
            (
                user_id, f"provider-{number:06d}@{SCALE_DOMAIN}", self.password_hash, "provider",
                first, last, self.phone(), False, False, True, created, city, address, latitude,
                longitude, created, updated,
            ),
        )  # fmt: skip
        active = rng.random() < 0.93
        verified = rng.random() < 0.3
        batch.add(
            "Provider",
            (
                provider_id, user_id, business, description, address, city,
                f"{vocab.TOWNS[town].postal_prefix}{rng.randrange(100):02d}", latitude, longitude,
                float(rng.choice((20, 30, 40, 50, 50, 60, 75, 100))), active, verified,
                self.later(created, 1440, 60 * 1440) if verified else None, created, updated,
            ),
        )  # fmt: skip
        services = []
        for template in rng.sample(trade.services, rng.randint(2, min(5, len(trade.services)))):
            price = round(template.price * rng.uniform(0.8, 1.2) / 50) * 50
            minutes = max(30, template.minutes + rng.choice((0, 0, 0, -15, 15)))
            service_id = self.uuid()
            services.append((service_id, template.name, self.money(price), minutes))
            batch.add(
                "Service",
                (
                    service_id, provider_id, template.name, template.description,
                    self.money(price), minutes, rng.random() < 0.95, template.interval_weeks,
                    created,
                ),
            )  # fmt: skip
        hours = self.weekly_hours()
        for day, window in enumerate(hours):
            start, end = window if window else (0, 0)
            batch.add(
                "Availability",
                (
                    self.uuid(), provider_id, day, _CLOCK[start], _CLOCK[end], window is None,
                    True, created, updated,
                ),
            )  # fmt: skip
        exception_days = set(rng.sample(range(-WINDOW_DAYS, WINDOW_DAYS + 1), rng.randint(0, 3)))
        for offset in sorted(exception_days):
            closed = rng.random() < 0.7
            visit = None if closed else self.town()
            lat_lon = self.place(visit) if visit is not None else (None, None)
            batch.add(
                "AvailabilityException",
                (
                    self.uuid(), provider_id, self.today + timedelta(days=offset), closed,
                    None if closed else "10:00", None if closed else "15:00",
                    rng.choice(vocab.EXCEPTION_REASONS) if closed else "Besöksdag",
                    None if visit is None else f"Ridklubben i {vocab.TOWNS[visit].name}",
                    *lat_lon, created, created,
                ),
            )  # fmt: skip
        return _Provider(
            provider_id, user_id, town, business, active, services, hours, exception_days
        )

    def weekly_hours(self) -> list[tuple[int, int] | None]:
        """Weekdays open about 08:00-17:00 (one closed now and then), weekends mostly closed."""
        rng = self.rng
        opens = rng.choice((420, 450, 480, 480, 480, 510, 540))
        closes = rng.choice((900, 960, 990, 1020, 1020, 1020, 1050, 1080))
        hours: list[tuple[int, int] | None] = [(opens, closes)] * 5
        if rng.random() < 0.1:
            hours[rng.choice((0, 4))] = None
        hours.append((540, rng.choice((780, 840))) if rng.random() < 0.25 else None)
        hours.append((600, 840) if rng.random() < 0.05 else None)
        return hours

    def stream(
        self, first_provider: int, first_customer: int, providers: int
    ) -> Iterator[_Batch | None]:
        """Every batch of the run in foreign-key order: providers, customers, bookings.

        `None` now and then, between batches, is a chance to feed the COPY in flight.
        """
        plans: list[_Provider] = []
        ranges = _ranges(first_provider, providers, PROVIDER_BATCH)
        for i, numbers in enumerate(ranges):
            batch = _Batch()
            for n in numbers:
                plans.append(self.provider(n, batch))
                if n % 50 == 0:
                    yield None
            if i == len(ranges) - 1:
                batch.completes = ("Provider", "Service", "Availability", "AvailabilityException")
            yield batch
        ranges = _ranges(first_customer, providers * CUSTOMERS_PER_PROVIDER, CUSTOMER_BATCH)
        for i, numbers in enumerate(ranges):
            batch = _Batch()
            for n in numbers:
                self.customer(n, batch)
                if n % 100 == 0:
                    yield None
            if i == len(ranges) - 1:
                batch.completes = ("User", "Horse")
            yield batch
        ranges = _ranges(0, len(plans), BOOKING_BATCH)
        for i, indexes in enumerate(ranges):
            batch = _Batch()
            for index in indexes:
                self.bookings(plans[index], batch)
                yield None
            if i == len(ranges) - 1:
                batch.completes = ("Booking", "Payment", "Review", "Notification")
            yield batch

    # --- customers and horses --------------------------------------------------------------

    def customer(self, number: int, batch: _Batch) -> None:
        rng = self.rng
        town = self.town()
        first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
        latitude, longitude = self.place(town)
        created = self.earlier(self.now, 190 * 1440, 1200 * 1440)
        customer = _Customer(self.uuid(), first, last, [])
        batch.add(
            "User",
            (
                customer.id, f"customer-{number:06d}@{SCALE_DOMAIN}", self.password_hash,
                "customer", first, last, self.phone(), False, False, True, created,
                vocab.TOWNS[town].name, self.address(), latitude, longitude, created,
                self.later(created, 0, 100 * 1440),
            ),
        )  # fmt: skip
        for _ in range(rng.choices((1, 2, 3), weights=(50, 35, 15))[0]):
            horse_id, name = self.uuid(), rng.choice(vocab.HORSE_NAMES)
            horse_created = self.later(created, 0, 30 * 1440)
            batch.add(
                "Horse",
                (
                    horse_id, customer.id, name, rng.choice(vocab.BREEDS),
                    self.today.year - rng.randint(3, 25), rng.choice(vocab.COLORS),
                    rng.choices(vocab.HORSE_GENDERS, weights=vocab.HORSE_GENDER_WEIGHTS)[0],
                    rng.choice(vocab.SPECIAL_NEEDS) if rng.random() < 0.1 else None,
                    True, horse_created, horse_created,
                ),
            )  # fmt: skip
            customer.horses.append((horse_id, name))
        self.customers.append(customer)
        self.customers_by_town[town].append(customer)

    # --- bookings, payments, reviews, notifications ----------------------------------------

    def clientele(self, provider: _Provider) -> list[_Customer]:
        """The customers who book this provider: mostly from its own town."""
        rng = self.rng
        local = self.customers_by_town[provider.town]
        return [
            rng.choice(local) if local and rng.random() < 0.85 else rng.choice(self.customers)
            for _ in range(rng.randint(12, 40))
        ]

    def open_days(self, provider: _Provider) -> list[int]:
        days = [
            o
            for weekday, hours in enumerate(provider.hours)
            if hours is not None
            for o in self.days_by_weekday[weekday]
        ]
        if not provider.active:  # it stopped taking bookings a month ago
            days = [o for o in days if o < -30]
        if provider.exception_days:
            days = [o for o in days if o not in provider.exception_days]
        days.sort()
        return days

    def bookings(self, provider: _Provider, batch: _Batch) -> None:
        rng = self.rng
        choice, randrange, random_ = rng.choice, rng.randrange, rng.random
        days = self.open_days(provider)
        clientele = self.clientele(provider)
        if not days or not clientele:
            return
        taken: dict[int, list[tuple[int, int, bool]]] = {}
        for _ in range(rng.randint(*BOOKINGS_PER_PROVIDER)):
            for _attempt in range(8):
                day = choice(days)
                opens, closes = provider.hours[self.weekday[day]]  # type: ignore[misc]
                service = choice(provider.services)
                latest = closes - service[3]
                if latest < opens:
                    continue
                start = opens + 15 * randrange((latest - opens) // 15 + 1)
                end = start + service[3]
                r = random_()
                if day < 0:
                    status = "completed" if r < 0.82 else "cancelled" if r < 0.96 else "confirmed"
                else:
                    status = "confirmed" if r < 0.55 else "pending" if r < 0.9 else "cancelled"
                active = status in ("pending", "confirmed")
                slots = taken.setdefault(day, [])
                # Same window twice breaks the unique slot index; overlapping pending or
                # confirmed bookings are a double booking. A cancelled one may overlap.
                if any(
                    (s == start and e == end) or (active and a and s < end and start < e)
                    for s, e, a in slots
                ):
                    continue
                slots.append((start, end, active))
                self.booking(provider, choice(clientele), service, day, start, end, status, batch)
                break

    def booking(
        self,
        provider: _Provider,
        customer: _Customer,
        service: tuple[str, str, Any, int],
        day: int,
        start: int,
        end: int,
        status: str,
        batch: _Batch,
    ) -> None:
        rng = self.rng
        horse_id, horse_name = rng.choice(customer.horses)
        day_start = self.day_start[day]
        created = self.earlier(day_start, 2 * 1440, 40 * 1440)
        if created >= self.now:
            created = self.earlier(self.now, 1, 30 * 1440)
        finished = day_start + timedelta(minutes=end)
        if status == "completed":
            updated = self.later(finished, 0, 180)
        elif status == "cancelled":
            updated = self.later(created, 60, 7 * 1440)
        elif status == "confirmed":
            updated = self.later(created, 10, 2 * 1440)
        else:
            updated = created
        manual = rng.random() < 0.05
        booking_id = self.uuid()
        batch.add(
            "Booking",
            (
                booking_id, customer.id, provider.id, service[0], day_start, _CLOCK[start],
                _CLOCK[end], TIMEZONE, status,
                rng.choice(vocab.CUSTOMER_NOTES) if rng.random() < 0.15 else None,
                rng.choice(vocab.CANCELLATION_MESSAGES)
                if status == "cancelled" and rng.random() < 0.5
                else None,
                horse_name, horse_id, rng.randint(10, 60) if rng.random() < 0.2 else None,
                manual, provider.id if manual else None, created, updated, service[2],
            ),
        )  # fmt: skip
        when = f"{day_start.day} {vocab.SWEDISH_MONTHS[day_start.month - 1]}"
        if status == "completed":
            paid = self.later(finished, 5, 3 * 1440)
            invoice = self.invoices.get(paid.year, 0) + 1
            self.invoices[paid.year] = invoice
            batch.add(
                "Payment",
                (
                    self.uuid(), booking_id, service[2], "SEK", "mock", "succeeded", paid,
                    f"INV-{paid.year}-{invoice:06d}", paid, paid,
                ),
            )  # fmt: skip
            if rng.random() < 0.3:
                self.review(provider, customer, service[1], booking_id, finished, batch)
        elif status == "pending" and day >= 0 and rng.random() < 0.2:
            batch.add(
                "Notification",
                (
                    self.uuid(), provider.user_id, "booking_created",
                    f"Ny bokning: {customer.first_name} {customer.last_name} har bokat "
                    f"{service[1]} den {when} kl {_CLOCK[start]} för {horse_name}",
                    False, "/provider/bookings", f'{{"bookingId":"{booking_id}"}}', created,
                ),
            )  # fmt: skip
        elif status == "confirmed" and day >= 0 and rng.random() < 0.1:
            batch.add(
                "Notification",
                (
                    self.uuid(), customer.id, "booking_confirmed",
                    f"{service[1]} hos {provider.business_name} den {when} kl {_CLOCK[start]} "
                    "har blivit bekräftad",
                    rng.random() < 0.6, "/customer/bookings", f'{{"bookingId":"{booking_id}"}}',
                    updated,
                ),
            )  # fmt: skip

    def review(
        self,
        provider: _Provider,
        customer: _Customer,
        service_name: str,
        booking_id: str,
        finished: datetime,
        batch: _Batch,
    ) -> None:
        rng = self.rng
        rating = rng.choices((5, 4, 3, 2, 1), weights=(50, 30, 12, 5, 3))[0]
        comment = rng.choice(vocab.REVIEW_COMMENTS[rating]) if rng.random() < 0.65 else None
        created = self.later(finished, 60, 10 * 1440)
        replied = self.later(created, 60, 5 * 1440) if rng.random() < 0.2 else None
        review_id = self.uuid()
        batch.add(
            "Review",
            (
                review_id, rating, comment, booking_id, customer.id, provider.id,
                rng.choice(vocab.REVIEW_REPLIES) if replied else None, replied, created,
                replied or created,
            ),
        )  # fmt: skip
        if rng.random() < 0.4:
            quoted = ""
            if comment:
                quoted = f' - "{comment if len(comment) <= 30 else comment[:27] + "..."}"'
            batch.add(
                "Notification",
                (
                    self.uuid(), provider.user_id, "review_received",
                    f"Ny recension från {customer.first_name} {customer.last_name}: {rating}/5 "
                    f"för {service_name}{quoted}",
                    created < self.now - timedelta(days=14), "/provider/reviews",
                    f'{{"reviewId":"{review_id}","bookingId":"{booking_id}"}}', created,
                ),
            )  # fmt: skip


_COLUMNS = {
    "User": USER_COLUMNS,
    "Provider": PROVIDER_COLUMNS,
    "Service": SERVICE_COLUMNS,
    "Availability": AVAILABILITY_COLUMNS,
    "AvailabilityException": EXCEPTION_COLUMNS,
    "Horse": HORSE_COLUMNS,
    "Booking": BOOKING_COLUMNS,
    "Payment": PAYMENT_COLUMNS,
    "Review": REVIEW_COLUMNS,
    "Notification": NOTIFICATION_COLUMNS,
}


class _Phases:
    """One progress bar per table; each COPY advances its bar."""

    LABELS = {
        "User": "users",
        "Provider": "providers",
        "Service": "services",
        "Availability": "hours",
        "AvailabilityException": "exceptions",
        "Horse": "horses",
        "Booking": "bookings",
        "Payment": "payments",
        "Review": "reviews",
        "Notification": "notifications",
    }

    def __init__(self, progress: Progress, providers: int) -> None:
        customers = providers * CUSTOMERS_PER_PROVIDER
        bookings = providers * sum(BOOKINGS_PER_PROVIDER) // 2
        estimates = {
            "User": providers + customers,
            "Provider": providers,
            "Service": providers * 7 // 2,
            "Availability": providers * 7,
            "AvailabilityException": providers * 3 // 2,
            "Horse": customers * 13 // 8,
            "Booking": bookings,
            "Payment": bookings * 2 // 5,
            "Review": bookings * 3 // 25,
            "Notification": bookings // 12,
        }
        self.progress = progress
        self.tasks: dict[str, TaskID] = {
            table: progress.add_task(label, total=estimates[table])
            for table, label in self.LABELS.items()
        }

    def advance(self, table: str, rows: int) -> None:
        self.progress.advance(self.tasks[table], rows)

    def finish(self, tables: Sequence[str]) -> None:
        """Estimates were estimates: a finished table's bar ends full."""
        for table in tables:
            task = self.tasks[table]
            done = self.progress.tasks[task].completed
            self.progress.update(task, total=done, completed=done)


async def _copy(
    connection: asyncpg.Connection, batch: _Batch, phases: _Phases, result: ScaleSeedResult
) -> None:
    counters = {
        "Service": "services",
        "Availability": "availability",
        "AvailabilityException": "exceptions",
        "Horse": "horses",
        "Booking": "bookings",
        "Payment": "payments",
        "Review": "reviews",
        "Notification": "notifications",
        "User": "users",
        "Provider": "providers",
    }
    for table, columns in _COLUMNS.items():  # foreign-key order
        rows = batch.tables.get(table)
        if not rows:
            continue
        await connection.copy_records_to_table(table, records=rows, columns=columns)
        phases.advance(table, len(rows))
        if table in counters:
            name = counters[table]
            setattr(result, name, getattr(result, name) + len(rows))
    phases.finish(batch.completes)


def _ranges(first: int, count: int, size: int) -> list[range]:
    return [range(n, min(n + size, first + count)) for n in range(first, first + count, size)]


async def _highest_number(connection: asyncpg.Connection, kind: str) -> int:
    pattern = f"^{kind}-(\\d+)@{re.escape(SCALE_DOMAIN)}$"
    value = await connection.fetchval(
        'SELECT max(substring(email FROM $1)::bigint) FROM "User" WHERE email LIKE $2',
        pattern,
        f"{kind}-%@{SCALE_DOMAIN}",
    )
    return int(value or 0)


async def _money_type(connection: asyncpg.Connection) -> Callable[[int], Any]:
    """Prices are whole kronor; a later revision may turn the money columns into numeric."""
    kind = await connection.fetchval(
        "SELECT data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = 'Service' AND column_name = 'price'"
    )
    return Decimal if kind == "numeric" else float


async def _pipeline(
    connection: asyncpg.Connection,
    batches: Iterator[_Batch | None],
    phases: _Phases,
    result: ScaleSeedResult,
) -> None:
    """COPY each batch while the next one is generated.

    The server spends most of the time on index and foreign-key work. The COPY runs as a task
    and the generator pauses every few milliseconds, so the server never waits for rows and
    both cores stay busy. (A worker thread was slower: it starved the COPY of the GIL.)
    """
    copying: asyncio.Task[None] | None = None
    try:
        for batch in batches:
            if batch is None:
                await asyncio.sleep(0)
                continue
            if copying is not None:
                await copying
            copying = asyncio.create_task(_copy(connection, batch, phases, result))
        if copying is not None:
            await copying
    finally:
        if copying is not None and not copying.done():
            copying.cancel()
            await asyncio.wait([copying])


_SEEDED_TABLE_OIDS = (
    "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND c.relname = ANY($1::text[])"
)


@asynccontextmanager
async def _bulk_load(
    connection: asyncpg.Connection, progress: Progress, enabled: bool
) -> AsyncIterator[None]:
    """Load without secondary indexes and foreign keys, then put them back exactly as they were.

    PostgreSQL's advice for populating a database: one sorted index build and one join per
    foreign key are far cheaper than a million index insertions and key lookups. It all
    happens inside the seed's transaction, so a failure leaves the schema untouched, and
    rebuilding the unique indexes and keys re-checks every seeded row. Skipped when the tables
    already hold more rows than this run adds (rebuilding would cost more than it saves).
    """
    if not enabled:
        yield
        return
    tables = list(SEEDED_TABLES)
    keys = await connection.fetch(
        "SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, "
        "pg_get_constraintdef(oid)) AS restore, "
        "format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) AS remove "
        f"FROM pg_constraint WHERE contype = 'f' AND conrelid IN ({_SEEDED_TABLE_OIDS}) "
        "ORDER BY conrelid::regclass::text, conname",
        tables,
    )
    indexes = await connection.fetch(
        "SELECT pg_get_indexdef(i.indexrelid) AS restore, "
        "format('DROP INDEX %s', i.indexrelid::regclass) AS remove FROM pg_index i "
        f"WHERE i.indrelid IN ({_SEEDED_TABLE_OIDS}) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
        "ORDER BY i.indrelid::regclass::text, i.indexrelid::regclass::text",
        tables,
    )
    for row in [*keys, *indexes]:
        await connection.execute(row["remove"])
    yield
    task = progress.add_task("indexes, keys", total=len(indexes) + len(keys))
    await connection.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for row in [*indexes, *keys]:  # keys last: a key needs the referenced table's index
        await connection.execute(row["restore"])
        progress.advance(task)


async def _existing_bookings(connection: asyncpg.Connection) -> int:
    return int(await connection.fetchval('SELECT count(*) FROM "Booking"'))


async def _invoice_numbers(connection: asyncpg.Connection) -> dict[int, int]:
    """The last invoice number per year, from the payments and from `InvoiceCounter`."""
    rows = await connection.fetch(
        'SELECT substring("invoiceNumber" FROM 1 FOR 8) AS prefix, '
        'max(substring("invoiceNumber" FROM 10)::bigint) AS last FROM "Payment" '
        "WHERE \"invoiceNumber\" ~ '^INV-[0-9]{4}-[0-9]+$' GROUP BY 1"
    )
    numbers = {int(row["prefix"][4:]): int(row["last"]) for row in rows}
    if await connection.fetchval("SELECT to_regclass('public.\"InvoiceCounter\"')"):
        for row in await connection.fetch('SELECT year, "lastNumber" FROM "InvoiceCounter"'):
            numbers[row["year"]] = max(numbers.get(row["year"], 0), row["lastNumber"])
    return numbers


async def _save_invoice_counters(connection: asyncpg.Connection, numbers: dict[int, int]) -> None:
    """Move the app's gap-free counters past the seeded numbers, or its next invoice collides."""
    if not numbers or not await connection.fetchval(
        "SELECT to_regclass('public.\"InvoiceCounter\"')"
    ):
        return
    await connection.executemany(
        'INSERT INTO "InvoiceCounter" (year, "lastNumber") VALUES ($1, $2) '
        'ON CONFLICT (year) DO UPDATE SET "lastNumber" = '
        'GREATEST("InvoiceCounter"."lastNumber", EXCLUDED."lastNumber")',
        sorted(numbers.items()),
    )


async def seed_scale(
    target: DatabaseTarget,
    settings: Settings,
    *,
    providers: int,
    console: Console,
    seed: int = 42,
    today: date | None = None,
) -> ScaleSeedResult:
    """Add `providers` providers of benchmark data (and their customers, bookings, ...).

    Same seed, same day and same starting point give the same rows. Refuses outside
    development and test and on a database stamped for another environment.
    """
    refuse_unless_disposable(settings, "seed benchmark data")
    engine = engine_for(target, "equinet-seed")
    try:
        async with engine.connect() as sa_connection:
            await check_stamp(sa_connection, settings, target.describe())
    finally:
        await engine.dispose()

    started = clock.perf_counter()
    today = today or datetime.now(UTC).date()
    password_hash = hash_password(DEMO_PASSWORD)
    connection = await asyncpg_connect(target)
    try:
        if await connection.fetchval("SELECT to_regclass('public.\"Booking\"')") is None:
            raise ConfigurationError(
                [f"{target.describe()} has no Equinet tables: run `equinet db migrate` first."]
            )
        async with connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", _SCALE_SEED_LOCK)
            # Index builds and big COPYs outlast a per-statement limit set on the role.
            await connection.execute("SET LOCAL statement_timeout = 0")
            first_provider = await _highest_number(connection, "provider") + 1
            first_customer = await _highest_number(connection, "customer") + 1
            invoices = await _invoice_numbers(connection)
            generator = _Generator(
                random.Random(f"equinet-scale:{seed}:{first_provider}"),
                today,
                password_hash,
                await _money_type(connection),
                invoices,
            )
            result = ScaleSeedResult(first_provider=first_provider)
            with Progress(
                TextColumn("{task.description:>13}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as progress:
                phases = _Phases(progress, providers)
                batches = generator.stream(first_provider, first_customer, providers)
                rebuild = await _existing_bookings(connection) < providers * 50
                async with _bulk_load(connection, progress, rebuild):
                    await _pipeline(connection, batches, phases, result)
            result.customers = result.users - result.providers
            await _save_invoice_counters(connection, invoices)
        # Fresh statistics, so that the first benchmark query is planned on real numbers.
        await connection.execute("ANALYZE " + ", ".join(f'"{t}"' for t in SEEDED_TABLES))
    finally:
        await connection.close()
    result.seconds = clock.perf_counter() - started
    console.print(result.summary(), highlight=False)
    return result
