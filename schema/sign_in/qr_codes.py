"""QR codes for authenticator apps, drawn here on the server with `segno`: the seed inside an
`otpauth://` URI never leaves the service for another one to draw it."""

from __future__ import annotations

import segno


def qr_code_svg(uri: str) -> str:
    """`uri` as a QR code: an SVG image in a `data:` URI, which the console shows as it is.
    Error correction M (the level authenticator apps' own examples use), 4 pixels a module."""
    return segno.make(uri, error="m", micro=False).svg_data_uri(
        scale=4, border=4, title="QR code for your authenticator app"
    )
