import io
import uuid

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tickets import services
from tickets.models import Area, Kind, Ticket


def pdf_file(name="documento.pdf"):
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"
    )


def png_file(name="foto.png"):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), "image/png")


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    idempotency_key = factory.LazyFunction(uuid.uuid4)
    protocol = factory.Sequence(lambda n: f"RR-2026-{900000 + n:06d}")
    area = Area.WATER
    kind = Kind.INFORMATION
    subject = "Domanda sulla bolletta"
    text = "Vorrei sapere perché l'importo è cambiato."
    received_at = factory.LazyFunction(timezone.now)
    standard_rule = "RQSII"
    standard_days = 30
    due_on = factory.LazyAttribute(lambda o: services.due_date(o.received_at, o.standard_days))
