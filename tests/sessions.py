"""Signing in over the API as a browser does: the session's cookies, sent back by hand.

Tests send the cookies themselves rather than through a cookie jar, so that each request
says exactly what it carries (a cross-site request carries the cookie and nothing else).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from httpx import Response

from models.identity.sessions import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from tests.graphql import GraphQLClient

# The test settings' PUBLIC_URL, as a browser writes it in `Origin`.
ORIGIN = "http://partnerhub.test"

SIGN_IN = """
mutation SignIn($input: SignInInput!) {
  signIn(input: $input) {
    viewer { id email status mustChangePassword mfaEnabled }
    mfaRequired
    errors { field message code }
  }
}
"""


def set_cookies(response: Response) -> dict[str, dict[str, str]]:
    """The cookies a response sets, by name: `value` and each attribute, lower-cased (flags
    such as `httponly` map to "")."""
    found: dict[str, dict[str, str]] = {}
    for header in response.headers.get_list("set-cookie"):
        pair, *attributes = [part.strip() for part in header.split(";")]
        name, _, value = pair.partition("=")
        cookie = {"value": value.strip('"')}
        for attribute in attributes:
            key, _, text = attribute.partition("=")
            cookie[key.lower()] = text
        found[name] = cookie
    return found


@dataclass
class Browser:
    """A signed-in browser's session: its two cookies."""

    session: str
    csrf: str

    def headers(self, *, csrf: bool = True, origin: str | None = ORIGIN) -> dict[str, str]:
        """What the console sends: the cookies, the CSRF header and its own origin."""
        headers = {"Cookie": f"{SESSION_COOKIE}={self.session}; {CSRF_COOKIE}={self.csrf}"}
        if csrf:
            headers[CSRF_HEADER] = self.csrf
        if origin:
            headers["Origin"] = origin
        return headers

    @classmethod
    def of(cls, response: Response) -> Browser:
        cookies = set_cookies(response)
        return cls(session=cookies[SESSION_COOKIE]["value"], csrf=cookies[CSRF_COOKIE]["value"])


async def sign_in(
    api: GraphQLClient, email: str, password: str, **more: Any
) -> tuple[dict[str, Any], Browser | None]:
    """signIn's payload, and the browser it signed in (None when refused, or while a second
    factor must follow)."""
    response = await api.post(SIGN_IN, {"input": {"email": email, "password": password} | more})
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["data"]["signIn"]
    signed_in = not payload["errors"] and not payload["mfaRequired"]
    return payload, Browser.of(response) if signed_in else None
