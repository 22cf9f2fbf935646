"""The provider's Fortnox page over HTTP: not connected, then connected with its counts; the
sync form queues the invoices (sent to the Fortnox stand-in by the jobs) and says how many;
disconnecting removes the connection; each callback outcome reads as a message; a customer
gets the 403 page; without client credentials the page says the link is not configured."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounting import service
from equinet.accounting.fortnox import IssuedTokens
from equinet.accounts.sessions import create_session
from equinet.db.base import utcnow
from equinet.kit.rate_limit_routes import LIMITED_ROUTES
from equinet.models import FortnoxConnection, User
from equinet.settings import Settings
from tests import factories
from tests.accounting import conftest as accounting
from tests.accounting.conftest import paid_completed
from tests.accounting.fortnox_standin import FortnoxStandIn

# The Fortnox stand-in and the app configured against it, as the accounting tests use them.
standin = accounting.standin
fortnox = accounting.fortnox
fortnox_settings = accounting.fortnox_settings
app = accounting.app

PAGE = "/provider/settings/integrations"
BROWSER = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Origin": "http://testserver",
}


async def _signed_in(
    client: httpx.AsyncClient, db: AsyncSession, user: User, settings: Settings
) -> None:
    token = await create_session(db, user, settings)
    await db.commit()
    client.cookies.set(settings.session_cookie_name, token)


async def _connect(
    db: AsyncSession, settings: Settings, fortnox: FortnoxStandIn, provider_id: str
) -> None:
    """Connected as after the OAuth flow (the flow itself is tested in tests/accounting)."""
    issued = fortnox.issue_tokens()
    tokens = IssuedTokens(
        access_token=str(issued["access_token"]),
        refresh_token=str(issued["refresh_token"]),
        expires_at=utcnow() + timedelta(hours=1),
        scope=None,
    )
    await service.store_connection(db, settings, provider_id, tokens)
    await db.commit()


async def _connection(db: AsyncSession, provider_id: str) -> FortnoxConnection | None:
    db.expire_all()
    return await db.scalar(
        select(FortnoxConnection).where(FortnoxConnection.provider_id == provider_id)
    )


async def _provider_user(db: AsyncSession) -> User:
    owner = await factories.user(db, user_type="provider")
    await factories.provider(db, owner)
    return owner


def _text_of(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">(.*?)</', page, re.S)
    assert found, f"no #{element_id} on the page"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


async def test_the_page_shows_not_connected_then_connected_with_the_counts(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session, count=2)
    await _signed_in(client, db_session, work.provider_user, fortnox_settings)

    before = await client.get(PAGE, headers=BROWSER)
    assert before.status_code == 200
    assert _text_of(before.text, "fortnox-status") == "Fortnox är inte kopplat"
    assert 'href="/api/integrations/fortnox/connect"' in before.text
    assert "Koppla Fortnox" in before.text and "Synka fakturor" not in before.text
    assert 'href="/provider/settings/integrations"' in before.text  # in the provider menu

    await _connect(db_session, fortnox_settings, fortnox, work.provider.id)
    after = await client.get(PAGE, headers=BROWSER)
    assert _text_of(after.text, "fortnox-status").startswith("Fortnox är kopplat")
    assert _text_of(after.text, "fortnox-invoiced") == "0"
    assert _text_of(after.text, "fortnox-waiting") == "2"
    assert "Synka fakturor" in after.text and "Koppla från" in after.text


async def test_the_connect_button_starts_the_oauth_flow_at_fortnox(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    await _signed_in(client, db_session, work.provider_user, fortnox_settings)
    started = await client.get("/api/integrations/fortnox/connect", headers=BROWSER)
    assert started.status_code == 307
    assert started.headers["location"].startswith(fortnox.url)


async def test_sync_queues_the_invoices_and_says_how_many(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session, count=2)
    await _connect(db_session, fortnox_settings, fortnox, work.provider.id)
    await _signed_in(client, db_session, work.provider_user, fortnox_settings)

    synced = await client.post(f"{PAGE}/sync", headers=BROWSER)
    assert synced.status_code == 303, synced.text
    assert synced.headers["location"] == f"{PAGE}?queued=2"
    # The queued jobs ran after the answer (the worker's part): two invoices in Fortnox.
    references = sorted(i["ExternalInvoiceReference1"] for i in fortnox.state.invoices)
    assert references == sorted(work.booking_ids)

    shown = await client.get(synced.headers["location"], headers=BROWSER)
    assert _text_of(shown.text, "fortnox-outcome") == "2 fakturor skickas till Fortnox."
    assert _text_of(shown.text, "fortnox-invoiced") == "2"
    assert _text_of(shown.text, "fortnox-waiting") == "0"

    again = await client.post(f"{PAGE}/sync", headers=BROWSER)
    assert again.headers["location"] == f"{PAGE}?queued=0"
    nothing = await client.get(again.headers["location"], headers=BROWSER)
    assert _text_of(nothing.text, "fortnox-outcome") == "Inga osynkade bokningar"
    assert len(fortnox.state.invoices) == 2


async def test_sync_without_a_connection_shows_why_on_the_page(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    await _signed_in(client, db_session, work.provider_user, fortnox_settings)
    refused = await client.post(f"{PAGE}/sync", headers=BROWSER)
    assert refused.status_code == 404 and "<html" in refused.text
    assert _text_of(refused.text, "fortnox-outcome") == "Ingen Fortnox-koppling hittad"
    assert fortnox.state.invoices == []


async def test_disconnect_removes_the_connection_and_revokes_the_token(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    fortnox_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    work = await paid_completed(db_session)
    await _connect(db_session, fortnox_settings, fortnox, work.provider.id)
    await _signed_in(client, db_session, work.provider_user, fortnox_settings)

    done = await client.post(f"{PAGE}/disconnect", headers=BROWSER)
    assert done.status_code == 303 and done.headers["location"] == PAGE
    assert await _connection(db_session, work.provider.id) is None
    assert len(fortnox.state.revoked) == 1  # by the queued job

    shown = await client.get(PAGE, headers=BROWSER)
    assert "Fortnox är bortkopplat." in shown.text
    assert _text_of(shown.text, "fortnox-status") == "Fortnox är inte kopplat"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("success=true", "Fortnox är kopplat. Nu kan du synka dina betalda bokningar"),
        ("error=denied", "Du avbröt kopplingen i Fortnox"),
        ("error=missing_params", "Fortnox skickade inte tillbaka allt som behövs"),
        ("error=state_mismatch", "Kopplingen kunde inte bekräftas"),
        ("error=token_exchange", "Fortnox godkände inte inloggningen"),
        ("error=not_configured", "Fortnox-integrationen är inte konfigurerad"),
        ("error=something_else", "Kopplingen till Fortnox misslyckades"),
    ],
)
async def test_each_callback_outcome_reads_as_a_message(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    fortnox_settings: Settings,
    query: str,
    message: str,
) -> None:
    provider_user = await _provider_user(db_session)
    await _signed_in(client, db_session, provider_user, fortnox_settings)
    shown = await client.get(f"{PAGE}?{query}", headers=BROWSER)
    assert shown.status_code == 200
    assert _text_of(shown.text, "fortnox-outcome").startswith(message)
    role = "status" if query == "success=true" else "alert"
    assert f'role="{role}" id="fortnox-outcome"' in shown.text


async def test_a_state_mismatch_from_the_real_callback_lands_on_its_message(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    fortnox_settings: Settings,
) -> None:
    provider_user = await _provider_user(db_session)
    await _signed_in(client, db_session, provider_user, fortnox_settings)
    back = await client.get(
        "/api/integrations/fortnox/callback?code=c&state=forged", headers=BROWSER
    )
    assert back.status_code == 307
    landed = await client.get(back.headers["location"], headers=BROWSER)
    assert landed.status_code == 200
    assert _text_of(landed.text, "fortnox-outcome").startswith("Kopplingen kunde inte bekräftas")


async def test_in_english_the_messages_are_translated(
    client: httpx.AsyncClient, db_session: AsyncSession, fortnox_settings: Settings
) -> None:
    provider_user = await _provider_user(db_session)
    await _signed_in(client, db_session, provider_user, fortnox_settings)
    client.cookies.set("lang", "en")
    shown = await client.get(f"{PAGE}?error=denied", headers=BROWSER)
    assert "You cancelled the connection in Fortnox" in shown.text
    assert "Connect Fortnox" in shown.text and "Fortnox is not connected" in shown.text


async def test_without_client_credentials_the_page_says_it_is_not_configured(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings, app: FastAPI
) -> None:
    app.state.settings = settings  # FORTNOX_CLIENT_ID unset
    provider_user = await _provider_user(db_session)
    await _signed_in(client, db_session, provider_user, settings)
    shown = await client.get(PAGE, headers=BROWSER)
    assert shown.status_code == 200
    assert "inte konfigurerad på den här installationen" in shown.text
    assert 'href="/api/integrations/fortnox/connect"' not in shown.text


async def test_a_customer_gets_the_403_page(
    client: httpx.AsyncClient, db_session: AsyncSession, fortnox_settings: Settings
) -> None:
    customer = await factories.customer(db_session)
    await _signed_in(client, db_session, customer, fortnox_settings)
    for method, path in (("GET", PAGE), ("POST", f"{PAGE}/sync"), ("POST", f"{PAGE}/disconnect")):
        refused = await client.request(method, path, headers=BROWSER)
        assert refused.status_code == 403, path
        assert "Åtkomst nekad" in refused.text and "<html" in refused.text


async def test_an_anonymous_visitor_is_sent_to_the_login_page(
    client: httpx.AsyncClient,
) -> None:
    sent = await client.get(PAGE, headers=BROWSER)
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("/login?next=%2Fprovider%2Fsettings")


def test_the_sync_form_carries_the_limiter_of_the_api_sync() -> None:
    api = LIMITED_ROUTES[("POST", "/api/integrations/fortnox/sync")]
    assert LIMITED_ROUTES[("POST", f"{PAGE}/sync")] == api
