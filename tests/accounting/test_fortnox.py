"""The Fortnox connection (OAuth2 against the stand-in) and the invoice sync of paid bookings."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.accounting import service
from equinet.accounting.crypto import TokenCipher, token_context
from equinet.accounting.fortnox import FortnoxUnavailable, IssuedTokens
from equinet.db.base import utcnow
from equinet.jobs.registry import load_tasks
from equinet.models import FortnoxConnection, Payment
from equinet.settings import Settings
from tests import factories
from tests.accounting.conftest import PaidWork, paid_completed
from tests.accounting.fortnox_standin import FortnoxStandIn
from tests.bookings.support import auth, future_day
from tests.jobs.support import queued_jobs

CALLBACK = "/api/integrations/fortnox/callback"


async def _connection(db: AsyncSession, provider_id: str) -> FortnoxConnection | None:
    await db.flush()
    db.expire_all()
    return await db.scalar(
        select(FortnoxConnection).where(FortnoxConnection.provider_id == provider_id)
    )


async def _payment(db: AsyncSession, payment_id: str) -> Payment:
    db.expire_all()
    found = await db.get(Payment, payment_id)
    assert found is not None
    return found


async def _connect(
    db: AsyncSession, settings: Settings, fortnox: FortnoxStandIn, provider_id: str
) -> dict[str, object]:
    """Connected as after the OAuth flow (the flow itself is tested below)."""
    issued = fortnox.issue_tokens()
    tokens = IssuedTokens(
        access_token=str(issued["access_token"]),
        refresh_token=str(issued["refresh_token"]),
        expires_at=utcnow() + timedelta(hours=1),
        scope=None,
    )
    await service.store_connection(db, settings, provider_id, tokens)
    await db.flush()
    return issued


def _decrypt(settings: Settings, connection: FortnoxConnection, column: str) -> str:
    box = TokenCipher.from_setting(settings.fortnox_encryption_key)
    stored = connection.access_token if column == "accessToken" else connection.refresh_token
    return box.decrypt(stored, token_context(connection.provider_id, column))


# --- connecting --------------------------------------------------------------------------


async def test_a_provider_connects_fortnox_through_the_oauth_code_flow(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    headers = await auth(db_session, work.provider_user, fortnox_settings)

    started = await client.get("/api/integrations/fortnox/connect", headers=headers)
    assert started.status_code == 307, started.text
    consent = urlsplit(started.headers["location"])
    assert f"{consent.scheme}://{consent.netloc}" == fortnox.url
    assert consent.path == "/oauth-v1/auth"
    query = parse_qs(consent.query)
    state = query["state"][0]
    assert len(state) == 64
    assert query["client_id"] == [fortnox.state.client_id]
    assert query["redirect_uri"] == [f"http://testserver{CALLBACK}"]
    assert query["response_type"] == ["code"] and query["access_type"] == ["offline"]
    assert query["scope"] == ["customer invoice"]
    cookie = started.headers["set-cookie"]
    assert f"fortnox_oauth_state={state}" in cookie
    assert "HttpOnly" in cookie and "Max-Age=600" in cookie and "SameSite=lax" in cookie

    # The provider consents at Fortnox, which sends the browser back with a code.
    async with httpx.AsyncClient() as browser:
        granted = await browser.get(started.headers["location"])
    assert granted.status_code == 302
    back = urlsplit(granted.headers["location"])
    assert back.path == CALLBACK and parse_qs(back.query)["state"] == [state]

    done = await client.get(f"{CALLBACK}?{back.query}", headers=headers)
    assert done.status_code == 307
    assert done.headers["location"] == (
        "http://testserver/provider/settings/integrations?success=true"
    )
    assert 'fortnox_oauth_state=""' in done.headers["set-cookie"]  # the state is spent

    connection = await _connection(db_session, work.provider.id)
    assert connection is not None
    [issued] = fortnox.state.access
    assert issued not in connection.access_token  # never stored as plain text
    assert connection.access_token.startswith("v1:") and connection.refresh_token.startswith("v1:")
    assert _decrypt(fortnox_settings, connection, "accessToken") == issued
    assert fortnox.state.refresh[_decrypt(fortnox_settings, connection, "refreshToken")]
    assert connection.expires_at > utcnow() + timedelta(minutes=55)

    status = await client.get("/api/integrations/fortnox/status", headers=headers)
    assert status.json() == {
        "connected": True,
        "connectedAt": status.json()["connectedAt"],
        "invoiced": 0,
        "unsynced": 1,
    }


async def test_a_callback_whose_state_does_not_match_the_cookie_is_refused(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    headers = await auth(db_session, work.provider_user, fortnox_settings)
    started = await client.get("/api/integrations/fortnox/connect", headers=headers)
    async with httpx.AsyncClient() as browser:
        granted = await browser.get(started.headers["location"])
    code = parse_qs(urlsplit(granted.headers["location"]).query)["code"][0]

    # An attacker's link carries a code and a state of their own.
    forged = await client.get(f"{CALLBACK}?code={code}&state={'0' * 64}", headers=headers)
    assert forged.headers["location"].endswith("?error=state_mismatch")
    client.cookies.clear()
    no_cookie = await client.get(f"{CALLBACK}?code={code}&state={'0' * 64}", headers=headers)
    assert no_cookie.headers["location"].endswith("?error=state_mismatch")
    missing = await client.get(CALLBACK, headers=headers)
    assert missing.headers["location"].endswith("?error=missing_params")
    denied = await client.get(f"{CALLBACK}?error=access_denied", headers=headers)
    assert denied.headers["location"].endswith("?error=denied")

    assert await _connection(db_session, work.provider.id) is None
    assert fortnox.state.token_grants == []  # the code was never exchanged


async def test_a_failed_code_exchange_stores_nothing(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    headers = await auth(db_session, work.provider_user, fortnox_settings)
    started = await client.get("/api/integrations/fortnox/connect", headers=headers)
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]

    used_up = await client.get(f"{CALLBACK}?code=not-issued&state={state}", headers=headers)
    assert used_up.headers["location"].endswith("?error=token_exchange")
    assert await _connection(db_session, work.provider.id) is None


async def test_connect_without_client_credentials_is_a_503(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings, app: object
) -> None:
    work = await paid_completed(db_session)
    app.state.settings = settings  # type: ignore[attr-defined]  # FORTNOX_CLIENT_ID unset
    response = await client.get(
        "/api/integrations/fortnox/connect",
        headers=await auth(db_session, work.provider_user, settings),
    )
    assert response.status_code == 503
    assert response.json() == {
        "error": "Fortnox-integrationen är inte konfigurerad",
        "code": "FORTNOX_NOT_CONFIGURED",
    }


async def test_disconnect_removes_the_connection_and_revokes_the_token_at_fortnox(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    issued = await _connect(db_session, fortnox_settings, fortnox, work.provider.id)
    headers = await auth(db_session, work.provider_user, fortnox_settings)

    response = await client.post("/api/integrations/fortnox/disconnect", headers=headers)
    assert response.status_code == 200 and response.json() == {"success": True}
    assert await _connection(db_session, work.provider.id) is None
    assert fortnox.state.revoked == [issued["refresh_token"]]  # by the queued job

    again = await client.post("/api/integrations/fortnox/disconnect", headers=headers)
    assert again.status_code == 404
    assert again.json()["error"] == "Ingen Fortnox-koppling hittad"
    english = {**headers, "Accept-Language": "en"}
    in_english = await client.post("/api/integrations/fortnox/disconnect", headers=english)
    assert in_english.json()["error"] == "No Fortnox connection found"


# --- the invoice sync --------------------------------------------------------------------


async def test_sync_sends_each_paid_completed_booking_as_one_fortnox_invoice(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session, count=2)
    # Not due: paid but not completed, completed but unpaid.
    confirmed = await factories.booking(
        db_session, by=work.customer, at=work.provider, day=future_day(3), status="confirmed"
    )
    await factories.payment(db_session, confirmed, invoice_number="EQ-202612-800001")
    await factories.booking(
        db_session, by=work.customer, at=work.provider, day=future_day(-30), status="completed"
    )
    await _connect(db_session, fortnox_settings, fortnox, work.provider.id)
    headers = await auth(db_session, work.provider_user, fortnox_settings)

    customer_id, customer_email = work.customer.id, work.customer.email
    expected = [
        (b.id, b.booking_date.date().isoformat(), p.id, p.invoice_number)
        for b, p in zip(work.bookings, work.payments, strict=True)
    ]

    response = await client.post("/api/integrations/fortnox/sync", headers=headers)

    assert response.status_code == 202, response.text
    assert response.json() == {"queued": 2, "message": "Fakturorna skickas till Fortnox"}
    # The client ran the queued jobs as a worker would: one invoice per booking.
    assert len(fortnox.state.invoices) == 2
    [customer] = fortnox.state.customers.values()
    assert customer["CustomerNumber"] == customer_id  # our id, not the e-mail
    assert customer["Name"] == "Karin Ek" and customer["Email"] == customer_email
    for booking_id, day, payment_id, receipt in expected:
        [invoice] = fortnox.invoices_with_reference(booking_id)
        assert invoice["CustomerNumber"] == customer_id
        assert invoice["InvoiceDate"] == day
        assert invoice["YourOrderNumber"] == receipt
        assert invoice["VATIncluded"] is True and invoice["Currency"] == "SEK"
        [row] = invoice["InvoiceRows"]
        assert row["Description"].startswith("Skoning")
        assert row["DeliveredQuantity"] == 1 and row["Price"] == 800.0 and row["VAT"] == 25
        assert invoice["Total"] == 800.0 and invoice["TotalVAT"] == 160.0
        stored = await _payment(db_session, payment_id)
        assert stored.fortnox_invoice_id == invoice["DocumentNumber"]
        assert stored.fortnox_status == "draft" and stored.sent_to_fortnox_at is not None

    status = await client.get("/api/integrations/fortnox/status", headers=headers)
    assert status.json()["invoiced"] == 2 and status.json()["unsynced"] == 0


async def test_syncing_twice_creates_no_second_invoice(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session, count=2)
    await _connect(db_session, fortnox_settings, fortnox, work.provider.id)
    headers = await auth(db_session, work.provider_user, fortnox_settings)

    assert (await client.post("/api/integrations/fortnox/sync", headers=headers)).status_code == 202
    second = await client.post("/api/integrations/fortnox/sync", headers=headers)
    assert second.status_code == 200
    assert second.json() == {"queued": 0, "message": "Inga osynkade bokningar"}
    english = {**headers, "Accept-Language": "en"}
    third = await client.post("/api/integrations/fortnox/sync", headers=english)
    assert third.json() == {"queued": 0, "message": "No unsynced bookings"}
    # A retried job of an invoiced booking does nothing either.
    for booking_id in work.booking_ids:
        assert await service.sync_invoice(sessionmaker, fortnox_settings, booking_id) is None
    assert sorted(i["ExternalInvoiceReference1"] for i in fortnox.state.invoices) == sorted(
        work.booking_ids
    )


async def test_an_invoice_created_before_a_crash_is_found_not_created_again(
    db_session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    [booking_id], [payment_id] = work.booking_ids, work.payment_ids
    await _connect(db_session, fortnox_settings, fortnox, work.provider.id)
    # Fortnox created the invoice, then the worker died before our record was written.
    assert await service.sync_invoice(sessionmaker, fortnox_settings, booking_id) == "1"
    await db_session.execute(
        Payment.__table__.update()
        .where(Payment.__table__.c.id == payment_id)
        .values(fortnoxInvoiceId=None, fortnoxStatus=None, sentToFortnoxAt=None)
    )

    assert await service.sync_invoice(sessionmaker, fortnox_settings, booking_id) == "1"
    assert len(fortnox.state.invoices) == 1
    assert (await _payment(db_session, payment_id)).fortnox_invoice_id == "1"


async def test_a_token_that_expires_mid_sync_is_refreshed_once_and_the_sync_goes_on(
    db_session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    first = await _connect(db_session, fortnox_settings, fortnox, work.provider.id)
    fortnox.expire_tokens_after(1)  # the invoice lookup works, the next call gets 401

    number = await service.sync_invoice(sessionmaker, fortnox_settings, work.booking_ids[0])

    assert number == "1" and len(fortnox.state.invoices) == 1
    assert fortnox.state.token_grants == ["refresh_token"]
    statuses = [status for _, _, status in fortnox.api_calls()]
    assert statuses.count(401) == 1
    connection = await _connection(db_session, work.provider.id)
    assert connection is not None
    fresh_access = _decrypt(fortnox_settings, connection, "accessToken")
    assert fresh_access != first["access_token"] and fresh_access in fortnox.state.access
    # Fortnox rotated the refresh token: the old one is spent, the stored one is the new one.
    assert fortnox.state.refresh[str(first["refresh_token"])] is False
    assert fortnox.state.refresh[_decrypt(fortnox_settings, connection, "refreshToken")]


async def test_an_access_token_past_its_expiry_is_refreshed_before_use(
    db_session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    provider_id = work.provider.id
    await _connect(db_session, fortnox_settings, fortnox, provider_id)
    connection = await _connection(db_session, provider_id)
    assert connection is not None
    connection.expires_at = utcnow() - timedelta(minutes=1)
    await db_session.flush()

    assert await service.sync_invoice(sessionmaker, fortnox_settings, work.booking_ids[0]) == "1"
    assert fortnox.state.token_grants == ["refresh_token"]
    assert 401 not in [status for _, _, status in fortnox.api_calls()]
    refreshed = await _connection(db_session, provider_id)
    assert refreshed is not None and refreshed.expires_at > utcnow() + timedelta(minutes=55)


async def test_a_fortnox_5xx_leaves_nothing_half_written_and_the_retry_sends_once(
    db_session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    [booking_id], [payment_id] = work.booking_ids, work.payment_ids
    await _connect(db_session, fortnox_settings, fortnox, work.provider.id)
    fortnox.fail_next("POST", "/3/invoices", 503)

    with pytest.raises(FortnoxUnavailable):  # raised: the queue runs the job again later
        await service.sync_invoice(sessionmaker, fortnox_settings, booking_id)

    assert fortnox.state.invoices == []
    failed = await _payment(db_session, payment_id)
    assert failed.fortnox_invoice_id is None and failed.sent_to_fortnox_at is None
    assert failed.fortnox_status == "error"

    # The retry: the customer created the first time is found, one invoice is created.
    assert await service.sync_invoice(sessionmaker, fortnox_settings, booking_id) == "1"
    assert len(fortnox.state.customers) == 1 and len(fortnox.state.invoices) == 1
    assert (await _payment(db_session, payment_id)).fortnox_invoice_id == "1"
    spec = load_tasks()[service.SYNC_INVOICE_TASK]
    assert spec.retry is True


async def test_a_job_does_not_send_while_another_holds_the_booking(
    db_session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    await _connect(db_session, fortnox_settings, fortnox, work.provider.id)
    payment = await _payment(db_session, work.payment_ids[0])
    payment.fortnox_status = "sending"
    payment.sent_to_fortnox_at = utcnow() - timedelta(seconds=30)
    await db_session.flush()

    with pytest.raises(service.SyncBusy):
        await service.sync_invoice(sessionmaker, fortnox_settings, work.booking_ids[0])
    assert fortnox.api_calls() == []

    # A claim older than the lease is a crashed job's: taken over.
    payment = await _payment(db_session, work.payment_ids[0])
    payment.sent_to_fortnox_at = utcnow() - service.SEND_LEASE - timedelta(seconds=1)
    await db_session.flush()
    assert await service.sync_invoice(sessionmaker, fortnox_settings, work.booking_ids[0]) == "1"


async def test_a_revoked_connection_stops_the_job_without_retries(
    db_session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    issued = await _connect(db_session, fortnox_settings, fortnox, work.provider.id)
    # The provider removed Equinet's access in Fortnox: both tokens are dead.
    fortnox.state.access.clear()
    fortnox.state.refresh[str(issued["refresh_token"])] = False

    assert await service.sync_invoice(sessionmaker, fortnox_settings, work.booking_ids[0]) is None
    assert fortnox.state.invoices == []
    stored = await _payment(db_session, work.payment_ids[0])
    assert stored.fortnox_invoice_id is None and stored.fortnox_status == "unauthorised"


async def test_sync_queues_jobs_in_the_requests_transaction_and_only_for_the_caller(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    rival: PaidWork = await paid_completed(db_session)
    await _connect(db_session, fortnox_settings, fortnox, work.provider.id)
    await _connect(db_session, fortnox_settings, fortnox, rival.provider.id)
    as_rival = await auth(db_session, rival.provider_user, fortnox_settings)
    fortnox.fail_next("GET", "/3/invoices", 503)  # the rival's job fails and stays queued

    client.event_hooks["response"] = []  # no worker: look at what the request queued
    response = await client.post("/api/integrations/fortnox/sync", headers=as_rival)

    assert response.json()["queued"] == 1
    jobs = [j for j in await queued_jobs(db_session) if j.task_name == service.SYNC_INVOICE_TASK]
    assert [j.args for j in jobs] == [{"booking_id": rival.booking_ids[0]}]


async def test_sync_without_a_connection_is_a_404(
    client: httpx.AsyncClient, db_session: AsyncSession, fortnox_settings: Settings
) -> None:
    work = await paid_completed(db_session)
    response = await client.post(
        "/api/integrations/fortnox/sync",
        headers=await auth(db_session, work.provider_user, fortnox_settings),
    )
    assert response.status_code == 404
    assert response.json()["code"] == "FORTNOX_NOT_CONNECTED"


async def test_idle_connections_are_refreshed_before_their_refresh_token_lapses(
    db_session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    idle, busy = await paid_completed(db_session), await paid_completed(db_session)
    idle_id, busy_id = idle.provider.id, busy.provider.id
    first = await _connect(db_session, fortnox_settings, fortnox, idle_id)
    await _connect(db_session, fortnox_settings, fortnox, busy_id)
    connection = await _connection(db_session, idle_id)
    assert connection is not None
    connection.updated_at = utcnow() - timedelta(days=31)
    await db_session.flush()

    refreshed = await service.keep_connections_alive(sessionmaker, fortnox_settings)

    assert refreshed == 1 and fortnox.state.token_grants == ["refresh_token"]
    assert fortnox.state.refresh[str(first["refresh_token"])] is False
    renewed = await _connection(db_session, idle_id)
    assert renewed is not None and renewed.updated_at > utcnow() - timedelta(minutes=1)
    assert fortnox.state.refresh[_decrypt(fortnox_settings, renewed, "refreshToken")]
    assert load_tasks()["fortnox_keep_connections_alive"].cron == "17 3 * * *"


async def test_a_job_of_a_provider_who_disconnected_sends_nothing(
    db_session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    await _connect(db_session, fortnox_settings, fortnox, work.provider.id)
    await service.disconnect(db_session, work.provider.id)

    assert await service.sync_invoice(sessionmaker, fortnox_settings, work.booking_ids[0]) is None
    assert fortnox.api_calls() == [] and fortnox.state.invoices == []
    stored = await _payment(db_session, work.payment_ids[0])
    assert stored.fortnox_invoice_id is None and stored.fortnox_status == "unauthorised"


async def test_sync_while_the_integration_is_not_configured_is_a_503(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    settings: Settings,
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
    app: object,
) -> None:
    work = await paid_completed(db_session)
    await _connect(db_session, fortnox_settings, fortnox, work.provider.id)
    app.state.settings = settings  # type: ignore[attr-defined]  # FORTNOX_CLIENT_ID unset
    response = await client.post(
        "/api/integrations/fortnox/sync",
        headers=await auth(db_session, work.provider_user, settings),
    )
    assert response.status_code == 503 and response.json()["code"] == "FORTNOX_NOT_CONFIGURED"
    assert fortnox.state.invoices == []


async def test_a_refresh_during_a_fortnox_outage_is_retried_later_not_given_up(
    db_session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    provider_id = work.provider.id
    first = await _connect(db_session, fortnox_settings, fortnox, provider_id)
    fortnox.expire_tokens_after(0)
    fortnox.fail_next("POST", "/oauth-v1/token", 503)

    with pytest.raises(FortnoxUnavailable):
        await service.sync_invoice(sessionmaker, fortnox_settings, work.booking_ids[0])

    stored = await _payment(db_session, work.payment_ids[0])
    assert stored.fortnox_status == "error" and stored.fortnox_invoice_id is None
    connection = await _connection(db_session, provider_id)
    assert connection is not None  # the tokens are kept: the refresh token is still good
    assert _decrypt(fortnox_settings, connection, "refreshToken") == first["refresh_token"]
    assert await service.sync_invoice(sessionmaker, fortnox_settings, work.booking_ids[0]) == "1"


async def test_customers_are_told_only_providers_may_use_fortnox(
    client: httpx.AsyncClient, db_session: AsyncSession, fortnox_settings: Settings
) -> None:
    headers = await auth(db_session, await factories.customer(db_session), fortnox_settings)
    for method, path, message in (
        ("GET", "/connect", "Bara leverantörer kan koppla Fortnox"),
        ("POST", "/disconnect", "Bara leverantörer kan hantera Fortnox-koppling"),
        ("POST", "/sync", "Bara leverantörer kan synka fakturor"),
    ):
        response = await client.request(method, f"/api/integrations/fortnox{path}", headers=headers)
        assert response.status_code == 403
        assert response.json() == {"error": message, "code": "FORBIDDEN"}
