"""With [auth] configured: sign-in through OpenID Connect (a local test provider), plans seen only by their owner
and the people they are shared with, a refused link, and the history saying who saved."""

import contextlib
import json
import re
import secrets
import urllib.request

import pytest

from tests.appserver import free_port
from tests.browser.conftest import running_app, screenshot


@contextlib.contextmanager
def _app_with_provider(tmp_path):
    """The app with [auth] against a local OpenID Connect provider: (app url, provider url)."""
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(port=0) as provider:
        port = free_port()
        toml = tmp_path / "secrets.toml"
        toml.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(16)}"\n'
            'client_id = "pilot-roi"\n'
            'client_secret = "test-secret"\n'
            f'server_metadata_url = "http://127.0.0.1:{provider.server_port}/.well-known/openid-configuration"\n'
        )
        with running_app(tmp_path / "plans.db", port=port, secrets=toml) as url:
            yield url, f"http://127.0.0.1:{provider.server_port}"


@pytest.fixture
def signed_in_app(tmp_path):
    with _app_with_provider(tmp_path) as (url, _):
        yield url


@pytest.fixture
def app_and_provider(tmp_path):
    with _app_with_provider(tmp_path) as pair:
        yield pair


def sign_in(page, url: str, person: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').fill(person)
    page.get_by_role("button", name="Authorize").click()
    shown = re.escape(person).replace("@", "\u200b?@")  # ui/text.md keeps the address from becoming a link
    page.get_by_text(re.compile(f"Signed in as {shown}")).wait_for(timeout=60_000)


def two_people(browser):
    """Two people, each in their own browser context (their own cookies)."""
    pages = [browser.new_context(viewport={"width": 1400, "height": 1000}).new_page() for _ in range(2)]
    for page in pages:
        page.set_default_timeout(30_000)
    return pages


def create_plan(page, url: str, person: str, name: str) -> str:
    """`person` signs in and creates a plan called `name`; its id."""
    sign_in(page, url, person)
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Create plan").click()
    page.get_by_text(f"Created “{name}”").wait_for()
    return re.search(r"plan=([0-9a-f]+)", page.url)[1]


def test_people_see_only_their_plans_and_what_is_shared_with_them(signed_in_app, browser):
    ana, bo = two_people(browser)
    plan_id = create_plan(ana, signed_in_app, "ana@example.com", "Ana's pilot")

    sign_in(bo, signed_in_app, "bo@example.com")
    assert not bo.get_by_text("Ana's pilot").count()
    bo.goto(f"{signed_in_app}/goals?plan={plan_id}")
    bo.get_by_text("This plan is not shared with you").wait_for()
    screenshot(bo, "not-shared")

    ana.get_by_text("Who can see").click()
    ana.get_by_label("Share with (their sign-in email)").fill("bo@example.com")
    ana.get_by_role("button", name="Share", exact=True).click()
    ana.get_by_text("Shared with bo@example.com").wait_for()

    bo.goto(f"{signed_in_app}/?plan={plan_id}")
    bo.get_by_text("Ana's pilot").first.wait_for()
    bo.get_by_text("Who can see").click()
    bo.get_by_text("ana@example.com · owner").wait_for()


def _as_provider_user(provider: str, sub: str, claims: dict) -> None:
    """Register `sub` at the test provider with exactly these claims."""
    request = urllib.request.Request(f"{provider}/users/{sub}", data=json.dumps(claims).encode(), method="PUT",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).close()


def _authorize(page, url: str, sub: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').fill(sub)
    page.get_by_role("button", name="Authorize").click()


@pytest.mark.parametrize("sub, claims, said", [
    ("mallory", {"email": "Ana@Example.com", "email_verified": False}, "not verified"),
    ("bo@example.com", {}, "gave no email"),  # a subject that looks like an email is not one
])
def test_an_identity_that_could_be_borrowed_is_refused(app_and_provider, browser, sub, claims, said):
    url, provider = app_and_provider
    ana, page = two_people(browser)
    create_plan(ana, url, "ana@example.com", "Ana's pilot")
    _as_provider_user(provider, sub, claims)
    _authorize(page, url, sub)
    page.get_by_text(re.compile(said)).wait_for(timeout=60_000)
    assert not page.get_by_text("Ana's pilot").count() and not page.get_by_text("Signed in as").count()
    screenshot(page, f"refused-{sub.split('@')[0]}")


def test_stop_sharing_takes_effect_on_the_collaborators_next_action(signed_in_app, browser):
    ana, bo = two_people(browser)
    plan_id = create_plan(ana, signed_in_app, "ana@example.com", "Shared pilot")
    ana.get_by_text("Who can see").click()
    ana.get_by_label("Share with (their sign-in email)").fill("bo@example.com")
    ana.get_by_role("button", name="Share", exact=True).click()
    ana.get_by_text("Shared with bo@example.com").wait_for()

    sign_in(bo, signed_in_app, "bo@example.com")
    bo.goto(f"{signed_in_app}/goals?plan={plan_id}")
    bo.get_by_text("Shared pilot").first.wait_for()

    ana.get_by_role("button", name="Stop sharing").click()
    ana.get_by_role("button", name="Stop sharing").wait_for(state="detached")

    box = bo.get_by_label("Which improvement matters most to the business?")
    box.fill("Bo's edit after losing access")
    box.press("Tab")
    bo.get_by_text("no longer shared with you").wait_for()
    ana.goto(f"{signed_in_app}/goals?plan={plan_id}")
    ana.get_by_label("Which improvement matters most to the business?").wait_for()
    assert ana.get_by_label("Which improvement matters most to the business?").input_value() == ""


def test_a_signature_is_the_sign_in_identity(signed_in_app, browser, tmp_path):
    from core.store import Store

    page, _ = two_people(browser)
    sign_in(page, signed_in_app, "fay@example.com")
    page.get_by_label("Name").fill("Signed plan")
    page.get_by_role("combobox").first.click()
    page.get_by_text("Sales skills program (+4% average deal size)").click()  # an ROI that computes
    page.get_by_role("button", name="Create plan").click()
    page.get_by_text("Created “Signed plan”").wait_for()
    plan_id = re.search(r"plan=([0-9a-f]+)", page.url)[1]
    page.goto(f"{signed_in_app}/reviews?plan={plan_id}")
    page.get_by_text(re.compile("Signing as fay\u200b?@example.com")).wait_for(timeout=60_000)
    assert page.get_by_role("textbox", name="Your name", exact=True).count() == 0  # the identity, not a typed name
    page.get_by_text("the final decision (step 6)", exact=True).click()
    page.get_by_role("textbox", name="Your role").fill("Finance")
    page.get_by_role("button", name="Sign", exact=True).click()
    page.get_by_text(re.compile(r"signed the final decision .*\(signed in\); it still holds")).wait_for()
    signed = Store(tmp_path / "plans.db").load(plan_id)[0].signoffs[0]
    assert (signed.name, signed.signed_as, signed.role) == ("fay@example.com", "sign-in", "Finance")
