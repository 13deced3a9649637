"""The gateway's web pages in a real browser (Debian's Chromium driven by Playwright): a customer
chats in the widget, rates an answer, asks what the knowledge base cannot answer and asks for a
human; in the console an agent reads the ticket's summary, claims the ticket and replies with a
suggestion from the knowledge base, edited; the customer sees the reply and, once the agent
resolves the ticket, scores the help (CSAT); the admins' analytics count the rating and the
score and list the unanswered question among the gaps. Screenshots go to docs/screenshots/."""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_analytics import recorded_conversations
from tests.e2e.test_audit import token
from tests.support.client import FrameReader, chat_turn, connect, create_session
from tests.support.kb import admin, settled
from tests.support.tenants import Tenant, new_tenant

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
GUIDE_URL = "https://help.example.com/cards/lost"
GUIDE = """# Lost or stolen cards

If your card is lost or stolen, freeze it at once in the mobile app under Cards, then call
the card hotline to report it. A replacement card arrives within five working days and the
replacement is free of charge for the first card each year.

## Fraudulent payments

Payments you did not make after the card was lost are refunded once the report is filed.
"""
TIMEOUT_MS = 30_000

if not CHROMIUM.exists():
    pytest.skip(
        "Chromium is not installed at /usr/bin/chromium "
        "(infra/local/ensure-infra.sh --install installs it)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            await chromium.close()


async def tenant_with_guide(stack: Stack) -> Tenant:
    """A tenant whose knowledge base has the guide and whose agents are off shift (so a ticket
    waits for an agent to claim it instead of being assigned when the agent signs in)."""
    tenant = await new_tenant(stack.infra)
    async with admin(stack.gateway_url, tenant.admin_key) as http:
        policy = (await http.get("/v1/admin/escalation-policy")).json()
        policy["business_hours"]["days"] = []
        set_policy = await http.put("/v1/admin/escalation-policy", json=policy)
        assert set_policy.status_code == 200, set_policy.text
        response = await http.post(
            "/v1/kb/documents",
            json={
                "id": "lost-cards",
                "title": "Lost or stolen cards",
                "content": GUIDE,
                "source_url": GUIDE_URL,
            },
        )
        assert response.status_code == 202, response.text
        assert (await settled(http, "lost-cards"))["status"] == "indexed"
    return tenant


def record_problems(page: Any, problems: list[str]) -> None:
    """Collect console errors (CSP violations among them) and uncaught exceptions."""
    page.on(
        "console",
        lambda m: problems.append(f"{m.text} {m.location['url']}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))


async def test_a_customer_chats_and_an_agent_takes_over(stack: Stack, browser: Any) -> None:
    tenant = await tenant_with_guide(stack)
    problems: list[str] = []

    customer = await browser.new_page(viewport={"width": 520, "height": 820})
    record_problems(customer, problems)
    frames: list[dict[str, Any]] = []
    customer.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda payload: frames.append(json.loads(payload))),
    )
    await customer.goto(f"{stack.gateway_url}/?key={tenant.widget_key}&customer=cust-browser")
    await customer.locator("#status", has_text="online").wait_for(timeout=TIMEOUT_MS)

    await customer.fill("#text", "How long until a replacement card arrives?")
    await customer.press("#text", "Enter")
    answer = customer.locator(".message.assistant.complete").first
    await answer.wait_for(timeout=TIMEOUT_MS)
    source = answer.locator(f'.sources a[href="{GUIDE_URL}"]')
    assert await source.inner_text() == "Lost or stolen cards"
    completed = next(f for f in frames if f["type"] == "answer_completed")
    deltas = [f["text"] for f in frames if f["type"] == "answer_delta"]
    assert deltas and "".join(deltas) == completed["text"]
    assert await answer.locator(".text").inner_text() == completed["text"].strip()
    await answer.locator(".rate-down").click()
    await answer.locator(".rating-comment input").fill("I also wanted to know the fee")
    await answer.locator(".rating-comment button").click()
    await answer.locator(".rated").wait_for(timeout=TIMEOUT_MS)
    assert any(f["type"] == "rated" and f["rating"] == "down" for f in frames)

    await customer.fill("#text", "Can I pay my rent with bitcoin?")
    await customer.press("#text", "Enter")
    unknown = customer.locator(".message.assistant.complete", has_text="couldn't find")
    await unknown.wait_for(timeout=TIMEOUT_MS)

    await customer.fill("#text", "I want to talk to a human agent")
    await customer.press("#text", "Enter")
    await customer.locator("#mode", has_text="Waiting for an agent").wait_for(timeout=TIMEOUT_MS)

    console = await browser.new_page(viewport={"width": 1280, "height": 820})
    record_problems(console, problems)
    await console.goto(f"{stack.gateway_url}/agent")
    await console.fill("#api-key", tenant.admin_key)
    await console.fill("#agent-id", "sam")
    await console.click("#key-login button")
    ticket = console.locator(".ticket-item").first
    await ticket.wait_for(timeout=TIMEOUT_MS)
    await ticket.click()
    await console.locator(
        "#conversation .message.customer", has_text="talk to a human agent"
    ).wait_for(timeout=TIMEOUT_MS)
    summary = await console.locator("#ticket-summary").inner_text()
    assert summary.startswith("Asked: I want to talk to a human agent")
    assert "Why: the customer asked for a person" in summary
    await console.click("#claim")
    await console.locator("#ticket-title", has_text="assigned").wait_for(timeout=TIMEOUT_MS)
    await customer.locator("#mode", has_text="Human agent").wait_for(timeout=TIMEOUT_MS)

    await customer.fill("#text", "My card was stolen, what should I do?")
    await customer.press("#text", "Enter")
    suggestion = console.locator(".suggestion", has_text="freeze it at once").first
    await suggestion.wait_for(timeout=TIMEOUT_MS)
    assert await suggestion.locator(".source").inner_text() == "Lost or stolen cards"
    await suggestion.locator("button", has_text="Insert").click()
    inserted = await console.input_value("#reply-text")
    assert inserted.startswith("If your card is lost or stolen, freeze it at once")
    reply = f"Hi, I'm Sam. {inserted}"
    await console.fill("#reply-text", reply)  # the agent edits the suggestion before sending
    await console.press("#reply-text", "Enter")
    await customer.locator(".message.agent", has_text="Hi, I'm Sam. If your card").wait_for(
        timeout=TIMEOUT_MS
    )
    await console.locator("#conversation .message.agent", has_text="Hi, I'm Sam.").wait_for(
        timeout=TIMEOUT_MS
    )

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await customer.screenshot(path=SCREENSHOTS / "widget.png")
    await console.screenshot(path=SCREENSHOTS / "agent-console.png")

    await console.click("#resolve")
    await console.locator("#ticket-title", has_text="resolved").wait_for(timeout=TIMEOUT_MS)
    satisfaction = customer.locator(".csat")
    await satisfaction.locator("button", has_text="4").click(timeout=TIMEOUT_MS)
    await satisfaction.locator(".rated").wait_for(timeout=TIMEOUT_MS)
    assert any(f["type"] == "csat_recorded" and f["score"] == 4 for f in frames)

    analytics = await browser.new_page(viewport={"width": 1180, "height": 1000})
    record_problems(analytics, problems)
    await analytics.goto(f"{stack.gateway_url}/analytics")
    await analytics.fill("#api-key", tenant.admin_key)
    await analytics.click("#key-login button")
    await analytics.locator("body[data-loaded=true]").wait_for(timeout=TIMEOUT_MS)
    rated = analytics.locator('[data-figure="ratings"]')
    assert await rated.locator(".note").inner_text() == "1 not helpful"
    assert await analytics.locator('[data-figure="csat"] dd').first.inner_text() == "4.0 / 5"
    gaps = await analytics.locator("#gaps").inner_text()
    assert "Can I pay my rent with bitcoin?" in gaps and "no answer found" in gaps
    assert "How long until a replacement card arrives?" in gaps  # rated not helpful
    assert not problems, problems


async def agent_console(stack: Stack, browser: Any, tenant: Tenant, agent: str) -> Any:
    """A signed-in console whose live feed is connected."""
    console = await browser.new_page(viewport={"width": 1280, "height": 820})
    await console.goto(f"{stack.gateway_url}/agent")
    await console.fill("#api-key", tenant.admin_key)
    await console.fill("#agent-id", agent)
    await console.click("#key-login button")
    await console.locator("#who[data-live=true]").wait_for(timeout=TIMEOUT_MS)
    return console


async def test_two_agents_consoles_update_live_without_polling(stack: Stack, browser: Any) -> None:
    tenant = await tenant_with_guide(stack)
    problems: list[str] = []
    session = await create_session(stack.gateway_url, api_key=tenant.admin_key)
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=10) as http:
        for headers, refused in (({}, 401), ({"Authorization": f"Bearer {session.token}"}, 403)):
            assert (await http.get("/v1/agent/events", headers=headers)).status_code == refused
    ada, bo = [await agent_console(stack, browser, tenant, name) for name in ("ada", "bo")]
    for console in (ada, bo):
        record_problems(console, problems)
        assert await console.locator(".ticket-item").count() == 0
    async with connect(session) as socket:
        reader = FrameReader(socket)
        asked = await chat_turn(reader, "I want to talk to a human agent", "live-1")
        for console in (ada, bo):  # both lists show the new ticket: nothing reloads or polls
            await console.locator(f'.ticket-item[data-ticket-id="{asked["ticket_id"]}"]').wait_for(
                timeout=TIMEOUT_MS
            )
        await ada.locator(".ticket-item").first.click()
        await ada.click("#claim")
        await ada.locator("#ticket-title", has_text="assigned").wait_for(timeout=TIMEOUT_MS)
        # Bo's "open & mine" list drops the ticket Ada now holds.
        await bo.locator(".ticket-item").wait_for(state="detached", timeout=TIMEOUT_MS)
        await reader.send(
            {"type": "user_message", "client_message_id": "live-2", "text": "Are you there?"}
        )
        await ada.locator("#conversation .message.customer", has_text="Are you there?").wait_for(
            timeout=TIMEOUT_MS
        )
    assert not problems, problems


async def test_the_analytics_page_draws_the_summary_and_the_gaps(
    stack: Stack, browser: Any
) -> None:
    tenant = await recorded_conversations(stack)
    problems: list[str] = []
    page = await browser.new_page(viewport={"width": 1180, "height": 1100})
    record_problems(page, problems)
    await page.goto(f"{stack.gateway_url}/analytics")
    await page.fill("#token", token(tenant, "admin")["Authorization"].removeprefix("Bearer "))
    await page.click("#token-login button")
    await page.locator("body[data-loaded=true]").wait_for(timeout=TIMEOUT_MS)
    rate = page.locator('[data-figure="resolution-rate"] dd')
    assert await rate.inner_text() == "40 %"
    assert await page.locator('[data-figure="csat"] dd').first.inner_text() == "3.0 / 5"
    assert await page.locator("#chart rect.bar").count() == 6  # 3 outcomes, then 2, then 1 open
    rows = page.locator("#gaps tr")
    assert await rows.count() == 2
    assert "teleport my card to Mars" in await rows.nth(1).inner_text()
    await page.select_option("#days", "7")
    await page.click("#range button")
    await page.locator("body[data-loaded=true]").wait_for(timeout=TIMEOUT_MS)
    assert await page.locator("#chart text.axis", has_text="-").count() == 8  # days, every one
    await page.screenshot(path=str(SCREENSHOTS / "analytics.png"), full_page=True)
    assert not problems, problems


async def test_the_widget_never_shows_a_staff_only_document(stack: Stack, browser: Any) -> None:
    tenant = await tenant_with_guide(stack)
    staff_title = "Internal: Lost card desk procedure"
    async with admin(stack.gateway_url, tenant.admin_key) as http:
        response = await http.post(
            "/v1/kb/documents",
            json={
                "id": "lost-cards-desk",
                "title": staff_title,
                "content": "When a card is lost or stolen, staff freeze it with the "
                "freeze_card_2231 tool and quote desk code LC-77Q to the fraud team.",
                "audience": "internal",
            },
        )
        assert response.status_code == 202, response.text
        assert (await settled(http, "lost-cards-desk"))["status"] == "indexed"
        found = (await http.post("/v1/kb/search", json={"query": "my card was lost"})).json()
        assert "lost-cards-desk" in [hit["document_id"] for hit in found["results"]]
    page = await browser.new_page(viewport={"width": 520, "height": 820})
    problems: list[str] = []
    record_problems(page, problems)
    await page.goto(f"{stack.gateway_url}/?key={tenant.widget_key}&customer=cust-staff")
    await page.locator("#status", has_text="online").wait_for(timeout=TIMEOUT_MS)
    await page.fill("#text", "My card was lost, what should I do?")
    await page.press("#text", "Enter")
    answer = page.locator(".message.assistant.complete").first
    await answer.wait_for(timeout=TIMEOUT_MS)
    assert await answer.locator(".sources a").all_inner_texts() == ["Lost or stolen cards"]
    shown = await page.inner_text("body")
    for secret in (staff_title, "freeze_card_2231", "LC-77Q", "lost-cards-desk"):
        assert secret not in shown
    assert not problems, problems


async def test_the_pages_are_served_with_strict_security_headers(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=10) as http:
        for path in ("/", "/agent", "/static/widget.js", "/v1/kb/documents"):
            headers = (await http.get(path)).headers
            policy = headers["Content-Security-Policy"]
            assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["X-Frame-Options"] == "DENY"
            assert headers["Referrer-Policy"] == "no-referrer"
            assert "Strict-Transport-Security" not in headers  # only when configured
        page = await http.get("/")
    assert page.headers["content-type"].startswith("text/html")
    assert "https://" not in page.text, "the page loads nothing from elsewhere"


@pytest.mark.parametrize(("path", "ready"), [("/docs", ".opblock"), ("/redoc", "h1")])
async def test_the_api_docs_work_offline_under_the_pages_policy(
    stack: Stack, browser: Any, path: str, ready: str
) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    record_problems(page, problems)
    elsewhere: list[str] = []
    page.on(  # requests that got an answer: those the policy blocked never leave the browser
        "requestfinished",
        lambda r: (
            elsewhere.append(r.url)
            if not r.url.startswith((stack.gateway_url, "data:", "blob:"))
            else None
        ),
    )
    response = await page.goto(f"{stack.gateway_url}{path}")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    await page.wait_for_selector(ready, timeout=TIMEOUT_MS)
    assert "/v1/sessions" in await page.inner_text("body")
    if path == "/docs":
        await page.screenshot(path=str(SCREENSHOTS / "api-docs.png"))
    await page.close()
    assert elsewhere == [], "the docs load nothing from another host"
    # ReDoc's footer links its logo from a CDN: the policy blocks it, as it should.
    assert [p for p in problems if "cdn.redoc.ly" not in p] == []
