"""Pages for development only: the local mailbox of `partnerhub dev`."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from api.mailbox import MailFolder
from api.pages import templates


def _folder(request: Request) -> MailFolder:
    return MailFolder(Path(request.app.state.settings.mailbox_dir))


async def mail_list(request: Request) -> Response:
    mails = [(mail, mail.message()) for mail in reversed(_folder(request).all())]
    return templates.TemplateResponse(
        request, "mail_list.html", {"title": "Mailbox", "mails": mails}
    )


async def mail_show(request: Request) -> Response:
    mail = _folder(request).get(int(request.path_params["number"]))
    if mail is None:
        return HTMLResponse("No such message.", status_code=404)
    context = {"title": f"Message {mail.number}", "mail": mail, "message": mail.message()}
    return templates.TemplateResponse(request, "mail_show.html", context)


async def mail_html(request: Request) -> Response:
    mail = _folder(request).get(int(request.path_params["number"]))
    html = mail.html() if mail else None
    if html is None:
        return HTMLResponse("No HTML part.", status_code=404)
    # The message's own HTML, in a sandboxed frame of the message page: no script runs in it,
    # but it stays same-origin so that the page can size the frame to the whole message.
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": (
                "sandbox allow-same-origin; default-src 'none'; style-src 'unsafe-inline'"
            )
        },
    )


ROUTES = [
    Route("/dev/mail", mail_list),
    Route("/dev/mail/{number:int}", mail_show),
    Route("/dev/mail/{number:int}/html", mail_html),
]
