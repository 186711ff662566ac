"""QR codes for share links, drawn server-side as SVG (no script, no network)."""

from __future__ import annotations

import base64
import io

import segno


def qr_svg(text: str) -> bytes:
    """An SVG QR code of ``text``: dark modules on a white quiet zone, scalable by CSS."""
    code = segno.make(text, error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", scale=8, border=4, dark="#111827", light="#ffffff", xmldecl=False, svgclass=None,
              lineclass=None)
    return out.getvalue()


def qr_data_uri(text: str) -> str:
    """``qr_svg`` as a data: URI, safe to put in an ``<img src>`` (the CSP allows data: images)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text)).decode("ascii")
