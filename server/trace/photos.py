"""Product photos for consumer pages and link previews.

A co-op uploads a phone photo (JPEG, PNG or WebP, recognised by its first bytes, at most
:data:`MAX_BYTES`). The server never serves the upload itself: it decodes it (refusing
anything Pillow cannot decode, and images over :data:`MAX_PIXELS`), turns it upright by
its EXIF orientation, scales it to at most :data:`SIDE` pixels on the long side and saves
a fresh progressive JPEG **without any metadata** (phone photos carry the GPS position of
the farm and the phone's make). The result — typically 60–150 KB, right for a consumer page
on 3G and for Zalo/Facebook previews — is stored under ``<var_dir>/trace/products/`` as
``<product id>-<digest>.jpg``: no user input ever becomes part of a path, and the URL
changes whenever the photo does, so it can be cached for ever.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from pathlib import Path

from sqlmodel import Session

from server.errors import Invalid, NotFound
from server.models.trace import Product

__all__ = ["MAX_BYTES", "MAX_PIXELS", "SIDE", "store", "remove", "photo_path", "storage_dir"]

MAX_BYTES = 12 * 1024 * 1024
MAX_PIXELS = 50_000_000
SIDE = 1200
_MAGIC = ((b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"))


def _sniff(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def storage_dir(var_dir: Path) -> Path:
    path = var_dir / "trace" / "products"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def photo_path(var_dir: Path, product: Product) -> Path:
    if not product.photo_digest:
        raise NotFound("This product has no photo.")
    return storage_dir(var_dir) / f"{product.id}-{product.photo_digest}.jpg"


def _recode(data: bytes) -> tuple[bytes, int, int]:
    from PIL import Image, ImageOps

    kind = _sniff(data)
    if kind is None:
        raise Invalid("The photo must be a JPEG, PNG or WebP image.")
    try:
        with Image.open(io.BytesIO(data), formats=[kind]) as img:
            if img.width * img.height > MAX_PIXELS:
                raise Invalid(f"The photo has more than {MAX_PIXELS // 1_000_000} million pixels.")
            img.load()
            upright = ImageOps.exif_transpose(img)
    except Invalid:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for broken files
        raise Invalid(f"The photo could not be read as a {kind} image.") from exc
    if upright.mode not in ("RGB", "L"):
        background = Image.new("RGB", upright.size, (255, 255, 255))
        rgba = upright.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        upright = background
    upright.thumbnail((SIDE, SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    upright.convert("RGB").save(out, "JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue(), upright.width, upright.height


def store(session: Session, var_dir: Path, product: Product, data: bytes) -> Product:
    """Make and store the product's photo; replaces an earlier one. Nothing changes on bad
    input (the old photo stays)."""
    if not data:
        raise Invalid("The photo is empty.")
    if len(data) > MAX_BYTES:
        raise Invalid(f"The photo is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    jpeg, width, height = _recode(data)
    digest = hashlib.sha256(jpeg).hexdigest()[:20]
    folder = storage_dir(var_dir)
    final = folder / f"{product.id}-{digest}.jpg"
    tmp = folder / f".{product.id}-{secrets.token_hex(8)}.tmp"
    tmp.write_bytes(jpeg)
    os.replace(tmp, final)
    old = photo_path(var_dir, product) if product.photo_digest else None
    product.photo_digest, product.photo_width, product.photo_height = digest, width, height
    session.add(product)
    session.commit()
    session.refresh(product)
    if old is not None and old != final:
        old.unlink(missing_ok=True)
    return product


def remove(session: Session, var_dir: Path, product: Product) -> Product:
    old = photo_path(var_dir, product) if product.photo_digest else None
    product.photo_digest = product.photo_width = product.photo_height = None
    session.add(product)
    session.commit()
    session.refresh(product)
    if old is not None:
        old.unlink(missing_ok=True)
    return product
