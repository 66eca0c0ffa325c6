"""Uploads are judged by their content (core.uploads), photos lose their metadata, and
private files are served as downloads that no cache keeps."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core import uploads

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _jpeg(exif=True):
    buffer = io.BytesIO()
    image = Image.new("RGB", (40, 30), "red")
    info = Image.Exif()
    if exif:
        info[0x0112] = 6  # orientation: rotated 90°
        info[0x010F] = "Fotocamera"
        info[0x8825] = {2: (45.0, 24.0, 0.0)}  # GPS latitude
    image.save(buffer, "JPEG", exif=info)
    return buffer.getvalue()


def _upload(name, data):
    return SimpleUploadedFile(name, data)


def test_kinds_by_content_not_by_name():
    assert uploads.check_upload(_upload("scan.png", PDF), kinds=("pdf", "png")) == "pdf"
    assert uploads.check_upload(_upload("foto.pdf", _jpeg()), kinds=("pdf", "jpeg")) == "jpeg"


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00 not a picture",  # an executable
        b"%PDF-1.4 cut short",  # no end of file
        b"\xff\xd8\xff\xe0 broken jpeg",  # a JPEG header on nothing
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
)
def test_anything_else_is_refused_in_italian(data):
    with pytest.raises(ValidationError) as error:
        uploads.check_upload(_upload("x.pdf", data), kinds=("pdf", "jpeg", "png"))
    assert error.value.messages == ["Il file “x.pdf” non è un PDF, JPEG o PNG valido."]


def test_too_large_and_empty():
    with pytest.raises(ValidationError, match="al massimo 1 MB"):
        uploads.check_upload(
            _upload("big.pdf", PDF + b" " * 1024 * 1024), kinds=("pdf",), max_bytes=1024 * 1024
        )
    with pytest.raises(ValidationError, match="è vuoto"):
        uploads.check_upload(_upload("vuoto.pdf", b""), kinds=("pdf",))


def test_clean_image_drops_exif_and_turns_the_photo_upright():
    upload = _upload("contatore.jpg", _jpeg())
    content, kind = uploads.clean_image(upload, uploads.check_upload(upload, kinds=("jpeg",)))
    image = Image.open(io.BytesIO(content.read()))
    assert kind == "jpeg"
    assert image.size == (30, 40)  # rotated as the orientation said
    assert dict(image.getexif()) == {}


def test_heic_becomes_jpeg():
    from pillow_heif import register_heif_opener

    register_heif_opener()
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(buffer, "HEIF")
    upload = _upload("IMG_0001.HEIC", buffer.getvalue())
    assert uploads.check_upload(upload, kinds=("jpeg", "heic")) == "heic"
    content, kind = uploads.clean_image(upload, "heic")
    assert kind == "jpeg" and content.read(3) == b"\xff\xd8\xff"


def test_stored_privately_and_served_as_a_download(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    name = uploads.store(io.BytesIO(PDF), folder="prove", kind="pdf")
    assert name.startswith("prove/") and name.endswith(".pdf")
    response = uploads.serve(name, filename="bolletta-1.pdf", content_type="application/pdf")
    assert response["Content-Disposition"] == 'attachment; filename="bolletta-1.pdf"'
    assert response["Cache-Control"] == "no-store, private"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
