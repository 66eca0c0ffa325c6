"""Files people hand in (a meter's photo, a request's attachments, a pratica's documents) and
files served only to those they belong to (bill PDFs too).

- `check_upload(file, kinds=..., max_bytes=...)` decides a file's kind by its content (the
  first bytes, then a full decode for images), never by its name or the browser's
  Content-Type, and refuses anything else with an Italian message for the form field.
- `clean_image(file, kind)` re-encodes a photo without its metadata (EXIF: GPS position,
  camera, time), upright, as JPEG (a HEIC photo too, so every browser shows it) or PNG.
- `private_storage()` is the `private` storage of STORAGES: local files under var/private by
  default, never under a public URL.
- `serve(name, filename=..., content_type=...)` streams one of its files as a download with
  `Content-Disposition: attachment`, `Cache-Control: no-store` and `nosniff`. The caller has
  already fetched the object scoped to its owner.
"""

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

MAX_BYTES = 10 * 1024 * 1024  # "al massimo 10 MB" for every upload of the portal
MAX_PIXELS = 50_000_000  # a larger image is refused before it is decoded (decompression bombs)

LABELS = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG", "heic": "HEIC"}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "heic": "image/heic",
}
EXTENSIONS = {"pdf": "pdf", "jpeg": "jpg", "png": "png", "heic": "heic"}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def sniff(head):
    """The kind of a file from its first bytes (at least 12), or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    return None


def _register_heif():
    from pillow_heif import register_heif_opener

    register_heif_opener()


def _open_image(data, kind):
    from PIL import Image

    if kind == "heic":
        _register_heif()
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ValueError("too many pixels")
    image.load()  # a truncated or forged image fails here, not later
    return image


def _read(file):
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    if hasattr(file, "seek"):
        file.seek(0)
    return data


def allowed_words(kinds):
    """ "PDF, JPEG o PNG"."""
    labels = [LABELS[kind] for kind in kinds]
    if len(labels) == 1:
        return labels[0]
    return _("%(list)s o %(last)s") % {"list": ", ".join(labels[:-1]), "last": labels[-1]}


def check_upload(file, *, kinds, max_bytes=MAX_BYTES):
    """The kind of `file` (one of `kinds`), or ValidationError with the reason in Italian."""
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("Il file “%(name)s” è troppo grande: al massimo %(mb)d MB."),
            code="too_large",
            params={"name": getattr(file, "name", ""), "mb": max_bytes // (1024 * 1024)},
        )
    data = _read(file)
    if len(data) > max_bytes:
        raise ValidationError(
            _("Il file “%(name)s” è troppo grande: al massimo %(mb)d MB."),
            code="too_large",
            params={"name": getattr(file, "name", ""), "mb": max_bytes // (1024 * 1024)},
        )
    if not data:
        raise ValidationError(
            _("Il file “%(name)s” è vuoto."), code="empty", params={"name": file.name}
        )
    kind = sniff(data[:16])
    wrong = ValidationError(
        _("Il file “%(name)s” non è un %(kinds)s valido."),
        code="bad_type",
        params={"name": getattr(file, "name", ""), "kinds": allowed_words(kinds)},
    )
    if kind not in kinds:
        raise wrong
    if kind == "pdf":
        if b"%%EOF" not in data[-2048:]:
            raise wrong
    else:
        try:
            _open_image(data, kind)
        except Exception as exc:  # Pillow raises many kinds for a bad image
            raise wrong from exc
    return kind


def clean_image(file, kind):
    """The photo re-encoded without metadata, upright: (ContentFile, kind) where kind is
    "jpeg" (for JPEG and HEIC) or "png". `file` has passed check_upload."""
    from PIL import ImageOps

    image = ImageOps.exif_transpose(_open_image(_read(file), kind))
    out = io.BytesIO()
    if kind == "png":
        # Pillow writes text chunks and EXIF only when asked to (pnginfo=, exif=).
        image.save(out, format="PNG", optimize=True)
        new_kind = "png"
    else:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=88, optimize=True)
        new_kind = "jpeg"
    return ContentFile(out.getvalue()), new_kind


def private_storage():
    return storages["private"]


def store(content, *, folder, kind):
    """Save `content` in the private storage under `folder/` with a name the server makes;
    returns the stored name."""
    name = f"{folder.strip('/')}/{uuid.uuid4().hex}.{EXTENSIONS[kind]}"
    return private_storage().save(name, content)


def serve(name, *, filename, content_type, inline=False):
    """A download of the private file `name` as `filename` (which the server makes: no
    customer-typed text goes into the header)."""
    response = FileResponse(
        private_storage().open(name, "rb"),
        as_attachment=not inline,
        filename=filename,
        content_type=content_type,
    )
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
