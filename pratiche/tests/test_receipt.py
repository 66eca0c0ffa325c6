"""The PDF receipt holds exactly what was sent: its text, read back from the PDF (the
content streams decoded through the fonts' ToUnicode maps), has every value of the summary."""

import re
import zlib

from django.urls import reverse

from pratiche.models import Pratica
from pratiche.receipt import digest

from .test_customer_pages import VARIAZIONE, variazione_post

ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _streams(data):
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            # A stream's last byte may be a "\r" the pattern took for the line end: read
            # what inflates (the checksum is not needed for the text).
            yield zlib.decompressobj().decompress(raw)
        except zlib.error:  # fpdf2 writes the ToUnicode maps uncompressed
            yield raw


def _cmaps(streams):
    maps = []
    for d in streams:
        if b"beginbfchar" not in d and b"beginbfrange" not in d:
            continue
        found = {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", d, re.S):
            for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                found[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", d, re.S):
            pattern = rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>"
            for lo, hi, dst in re.findall(pattern, block):
                for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                    found[code] = chr(int(dst, 16) + offset)
        maps.append(found)
    return maps


def pdf_text(data):
    """Every text of the PDF decoded with each of its fonts' maps, joined: the right font's
    decoding holds the words, the others only noise."""
    streams = list(_streams(data))
    strings = []
    for d in streams:
        # (text) Tj, and [(text) -120 (text)] TJ for the justified lines of multi_cell.
        shown = re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", d, re.S)
        for array in re.findall(rb"\[((?:\((?:\\.|[^\\)])*\)|[^\]])*)\]\s*TJ", d, re.S):
            shown += re.findall(rb"\(((?:\\.|[^\\)])*)\)", array, re.S)
        for raw in shown:
            raw = re.sub(rb"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), raw, flags=re.S)
            strings.append([int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)])
    texts = []
    for cmap in _cmaps(streams):
        texts.append(" ".join("".join(cmap.get(c, "\ufffd") for c in s) for s in strings))
    return " ".join(" ".join(t.split()) for t in texts)


def test_receipt_holds_what_was_sent(customer_client, link):
    data = variazione_post(
        link,
        changes=["recapito", "contatti"],
        new_street="Via Sant'Antonio 3/bis",
        new_town="Città di Castello (PG)",
        recipient="c/o Perù Società Cooperativa",
        new_contact_phone="049 555 1234",
    )
    customer_client.post(VARIAZIONE, data)
    pratica = Pratica.objects.get()
    response = customer_client.get(reverse("pratiche:receipt", args=[pratica.uid]))
    pdf = b"".join(response.streaming_content)
    assert digest(pdf) == pratica.receipt_sha256
    text = pdf_text(pdf)
    assert pratica.protocol in text
    assert "Variazione dati anagrafici e indirizzo di recapito" in text
    for label, value in pratica.summary:
        assert " ".join(label.split()) in text, label
        assert " ".join(str(value).split()) in text, value
    assert "Città di Castello (PG)" in text
    assert "c/o Perù Società Cooperativa" in text
    assert pratica.due_on.strftime("%d/%m/%Y") in text


def test_receipt_does_not_change_after_the_pratica_does(customer_client, link):
    customer_client.post(VARIAZIONE, variazione_post(link))
    pratica = Pratica.objects.get()
    first = b"".join(
        customer_client.get(reverse("pratiche:receipt", args=[pratica.uid])).streaming_content
    )
    Pratica.objects.filter(pk=pratica.pk).update(summary=[["Altro", "diverso"]])
    second = b"".join(
        customer_client.get(reverse("pratiche:receipt", args=[pratica.uid])).streaming_content
    )
    assert first == second
    assert "diverso" not in pdf_text(second)
