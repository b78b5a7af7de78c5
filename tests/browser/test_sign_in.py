"""With [auth] configured: sign-in through OpenID Connect (a local test provider), plans seen only by their owner
and the people they are shared with, a refused link, and the history saying who saved."""

import re
import secrets

import pytest

from tests.appserver import free_port
from tests.browser.conftest import running_app, screenshot


@pytest.fixture
def signed_in_app(tmp_path):
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
            yield url


def sign_in(page, url: str, person: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').fill(person)
    page.get_by_role("button", name="Authorize").click()
    shown = re.escape(person).replace("@", "\u200b?@")  # ui/text.md keeps the address from becoming a link
    page.get_by_text(re.compile(f"Signed in as {shown}")).wait_for(timeout=60_000)


def test_people_see_only_their_plans_and_what_is_shared_with_them(signed_in_app, browser):
    ana = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    bo = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    for page in (ana, bo):
        page.set_default_timeout(30_000)
    sign_in(ana, signed_in_app, "ana@example.com")
    ana.get_by_label("Name").fill("Ana's pilot")
    ana.get_by_role("button", name="Create plan").click()
    ana.get_by_text("Created “Ana's pilot”").wait_for()
    plan_id = re.search(r"plan=([0-9a-f]+)", ana.url)[1]

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
