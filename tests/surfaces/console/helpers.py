"""Signing a test client into the console as a browser would."""

import re

import httpx

from tests.factories import PASSWORD, Staff

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html[:2000]
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, staff: Staff, password: str = PASSWORD) -> str:
    """Sign in through the form; the CSRF token the console's forms then carry."""
    page = await client.get("/console/sign-in")
    answer = await client.post(
        "/console/sign-in",
        data={"email": staff.email, "password": password, "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 303, answer.text
    landing = await client.get(answer.headers["location"], follow_redirects=True)
    assert landing.status_code == 200, landing.text
    return csrf_of(landing.text)
