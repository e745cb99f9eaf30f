"""QR code images (segno, pinned in requirements.txt): a PNG and an SVG of a text."""

from __future__ import annotations

import io


def render(text: str, *, scale: int = 8) -> tuple[bytes, str]:
    """The QR code of ``text`` as (PNG bytes, SVG document), error correction M, with the
    standard quiet zone, so a code printed on a plate still scans when a little is worn."""
    import segno  # lazy: only the admin function that prints codes needs it

    code = segno.make_qr(text, error="m")
    png = io.BytesIO()
    code.save(png, kind="png", scale=scale)
    svg = io.BytesIO()
    code.save(svg, kind="svg", scale=scale, xmldecl=False)
    return png.getvalue(), svg.getvalue().decode("utf-8")
