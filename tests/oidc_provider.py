"""A real OpenID Connect provider for the single sign-on tests: the `oidc-provider-mock`
package (discovery, JWKS, the authorization code flow, signed ID tokens), served by werkzeug
on loopback in a process of its own, as an organization's provider would be.

Its own process, so that its threads and its library's warnings stay out of the suite's. It
runs behind a small recorder (`Recorder`) that keeps the authorization and token requests it
received, for the tests to read (`GET /_test/requests`), and that can change the next token
response (`POST /_test/next-token`): rewrite a claim of the ID token without signing it again
(a tampered token), or put another ID token in its place (one the provider issued to another
client: a wrong audience). The provider's tokens are otherwise its own, signed with its key.

    python -m tests.oidc_provider --port 9400 [--token-max-age SECONDS] [--verified EMAIL ...]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx

from tests.servers import HOST, free_port

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Provider:
    """A running provider: its issuer URL, and the test-side controls of its recorder."""

    issuer: str

    def add_person(self, email: str, *, verified: bool = True, **claims: Any) -> None:
        """The provider's account for `email` (its subject), with these claims."""
        body = {"email": email, "email_verified": verified, **claims}
        response = httpx.put(f"{self.issuer}/users/{quote(email)}", json=body)
        response.raise_for_status()

    def next_token(self, **change: Any) -> None:
        """Change the next token response: `claims={...}` rewrites claims of its ID token
        (unsigned), `id_token="..."` replaces it."""
        httpx.post(f"{self.issuer}/_test/next-token", json=change).raise_for_status()

    def requests(self) -> dict[str, list[dict[str, str]]]:
        """The authorization requests (their query) and token requests (their form, and
        whether they carried Basic credentials) received so far."""
        found: dict[str, list[dict[str, str]]] = httpx.get(f"{self.issuer}/_test/requests").json()
        return found

    def token_for(self, client_id: str, nonce: str, subject: str) -> str:
        """An ID token the provider issues to another client (`client_id`) for `subject`:
        signed by the provider, with its issuer and this nonce, for someone else's audience."""
        redirect_uri = "https://another-app.example.com/callback"
        query = urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": "openid email",
                "state": "another",
                "nonce": nonce,
            }
        )
        location = self.authorize(f"{self.issuer}/oauth2/authorize?{query}", subject)
        code = dict(parse_qsl(urlsplit(location).query))["code"]
        response = httpx.post(
            f"{self.issuer}/oauth2/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
            auth=(client_id, "another secret"),
        )
        response.raise_for_status()
        token: str = response.json()["id_token"]
        return token

    def authorize(self, authorization_url: str, subject: str) -> str:
        """Sign `subject` in at the provider's authorization page, as its form does: where
        the provider sends the browser back (the redirect URI, with the code and state)."""
        response = httpx.post(authorization_url, data={"sub": subject})
        assert response.status_code in (302, 303), response.text
        return response.headers["location"]


@contextlib.contextmanager
def running_provider(*, token_max_age: int | None = None) -> Iterator[Provider]:
    """The provider on a free loopback port, until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "tests.oidc_provider", "--port", str(port)]
    if token_max_age is not None:
        command += ["--token-max-age", str(token_max_age)]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    issuer = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the OpenID provider exited with {process.returncode}")
            try:
                httpx.get(f"{issuer}/.well-known/openid-configuration").raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield Provider(issuer)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --------------------------------------------------------------------------- the server side


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def rewritten(id_token: str, claims: dict[str, Any]) -> str:
    """The token with `claims` changed in its payload and its signature left as it was: what
    an attacker who cannot sign would send."""
    header, payload, signature = id_token.split(".")
    changed = json.loads(_unb64(payload)) | claims
    return ".".join([header, _b64(json.dumps(changed).encode()), signature])


class Recorder:
    """WSGI middleware around the provider: records requests, changes one token response."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.change: dict[str, Any] | None = None
        self.seen: dict[str, list[dict[str, str]]] = {"authorize": [], "token": []}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        from werkzeug.test import run_wsgi_app
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        if request.path == "/_test/next-token":
            self.change = request.get_json()
            return Response(status=204)(environ, start_response)
        if request.path == "/_test/requests":
            return Response(json.dumps(self.seen), mimetype="application/json")(
                environ, start_response
            )
        if request.path == "/oauth2/authorize" and request.method == "GET":
            self.seen["authorize"].append(dict(request.args))
        if request.path != "/oauth2/token":
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        body = request.get_data()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        form = dict(parse_qsl(body.decode()))
        form["basic_auth"] = str(request.headers.get("Authorization", "").startswith("Basic "))
        self.seen["token"].append(form)
        app_iter, status, headers = run_wsgi_app(self.app, environ)
        answer = b"".join(app_iter)
        change, self.change = self.change, None
        if change and status.startswith("200"):
            tokens = json.loads(answer)
            if "claims" in change:
                tokens["id_token"] = rewritten(tokens["id_token"], change["claims"])
            if "id_token" in change:
                tokens["id_token"] = change["id_token"]
            answer = json.dumps(tokens).encode()
        response = Response(answer, status=status, headers=headers)
        response.headers["Content-Length"] = str(len(answer))
        return response(environ, start_response)


def main() -> None:
    from datetime import timedelta

    import oidc_provider_mock
    from werkzeug.serving import make_server

    parser = argparse.ArgumentParser(description="An OpenID Connect provider for tests.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-max-age", type=int, default=3600)
    parser.add_argument(
        "--verified",
        action="append",
        default=[],
        metavar="EMAIL",
        help="a person the provider knows, with this verified address (its subject too)",
    )
    args = parser.parse_args()
    people = [
        oidc_provider_mock.User(sub=email, claims={"email": email, "email_verified": True})
        for email in args.verified
    ]
    app = oidc_provider_mock.app(
        require_nonce=True,
        access_token_max_age=timedelta(seconds=args.token_max_age),
        user_claims=people,
    )
    server = make_server(HOST, args.port, Recorder(app), threaded=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
