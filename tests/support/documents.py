"""Small real documents for tests: a valid one-page PDF, a corrupt one, an HTML page."""


def pdf_with_text(*lines: str) -> bytes:
    """A valid PDF whose single page shows `lines` (Helvetica)."""
    text = " ".join(f"({line}) Tj 0 -16 Td" for line in lines)
    content = f"BT /F1 12 Tf 72 720 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


CORRUPT_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nthis is not a pdf at all\n"

HTML_PAGE = b"""<!doctype html><html><head><title>Card fees</title></head><body>
<nav><a href="/">Home</a> | <a href="/cards">Cards</a> | <a href="/help">Help</a></nav>
<article><h1>Card fees</h1>
<p>The Gold card has an annual fee of 95 dollars, waived in the first year for new customers
who apply online before the end of the promotional period.</p>
<h2>Foreign transactions</h2>
<p>Purchases made abroad carry a foreign transaction fee of three percent of the amount,
except on the Platinum card which charges no foreign transaction fee at all.</p></article>
<footer>Copyright Rho-Bank. All rights reserved. Privacy policy. Terms of use.</footer>
</body></html>"""
