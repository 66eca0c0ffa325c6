"""The PDF receipt of a pratica: exactly what the customer sent (its frozen summary), with
the protocol number, the time it was received and the due date. Built once, when the pratica
is sent, and kept in the private storage with its SHA-256, so it never changes afterwards."""

import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from . import conf

# fontTools, which fpdf2 uses to embed the font's subset, logs every step at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def _pdf():
    pdf = FPDF(format="A4")
    fonts = Path(conf.receipt_font_dir())
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_creator(settings.UTILITY["name"])
    pdf.add_page()
    return pdf


def _line(pdf, text, *, size=10, bold=False, gap=1):
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.multi_cell(0, 5.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(gap)


def build_receipt(pratica):
    """The receipt's bytes. Reads pratica.protocol, submitted_at, due_on and summary."""
    pdf = _pdf()
    pdf.set_title(f"Ricevuta {pratica.protocol}")
    utility = settings.UTILITY
    _line(pdf, utility["name"], size=14, bold=True, gap=0)
    _line(pdf, f"{utility['address']} · P.IVA {utility['vat']}", size=9, gap=4)
    _line(pdf, "Ricevuta di invio della pratica", size=13, bold=True)
    _line(pdf, pratica.get_kind_display(), size=11, bold=True, gap=3)
    submitted = timezone.localtime(pratica.submitted_at).strftime("%d/%m/%Y %H:%M")
    for label, value in (
        ("Protocollo", pratica.protocol),
        ("Ricevuta il", submitted),
        ("Da eseguire entro il", pratica.due_on.strftime("%d/%m/%Y") if pratica.due_on else "-"),
    ):
        _line(pdf, f"{label}: {value}", gap=0)
    pdf.ln(4)
    _line(pdf, "Dati inviati", size=12, bold=True)
    for label, value in pratica.summary:
        _line(pdf, label, size=9, bold=True, gap=0)
        _line(pdf, str(value) or "-", gap=2)
    pdf.ln(3)
    _line(
        pdf,
        "Conserva questa ricevuta: il numero di protocollo identifica la pratica in ogni "
        "comunicazione con il Servizio Clienti.",
        size=9,
    )
    return bytes(pdf.output())


def digest(data):
    return hashlib.sha256(data).hexdigest()
