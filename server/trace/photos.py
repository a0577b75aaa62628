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

Decoding is the expensive part (a 25-megapixel upload needs ~75 MB and up to a second of
CPU), so the API never does it on the event loop: :class:`DecodeLimiter` runs it in a
worker thread (Pillow releases the GIL while decoding and resampling), at most
``image_decode_slots`` at a time; a request that finds no free slot within
``image_decode_wait_s`` gets 503 with ``Retry-After``. The pixel count is checked from the
image header before anything is decoded, so an image bomb costs a few kilobytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
from sqlmodel import Session

from server.errors import DomainError, Invalid, NotFound
from server.models.trace import Product

__all__ = ["MAX_BYTES", "MAX_PIXELS", "SIDE", "store", "store_async", "remove", "photo_path",
           "storage_dir", "recode", "DecodeLimiter", "DecoderBusy"]

T = TypeVar("T")
MAX_BYTES = 12 * 1024 * 1024
MAX_PIXELS = 25_000_000  # a 7000 × 7000 upload (49 MP, ~150 MB decoded) is refused unread
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


class DecoderBusy(DomainError):
    status_code = 503
    code = "busy"
    title_vi = "Máy chủ đang bận"


class DecodeLimiter:
    """At most ``slots`` decodes at once, each in a worker thread; a caller waits at most
    ``wait_s`` for a slot, then gets :class:`DecoderBusy` (503, ``Retry-After``)."""

    def __init__(self, slots: int, wait_s: float) -> None:
        self.slots = slots
        self.wait_s = wait_s
        self.running = 0
        self._sem: asyncio.Semaphore | None = None  # made on the serving event loop

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.slots)
        try:
            await asyncio.wait_for(self._sem.acquire(), timeout=self.wait_s or 0.001)
        except TimeoutError:
            raise DecoderBusy("The server is busy processing other photos; try again in a "
                              "few seconds.", retry_after=max(1, round(self.wait_s) or 5)) from None
        self.running += 1
        try:
            return await anyio.to_thread.run_sync(fn, *args)
        finally:
            self.running -= 1
            self._sem.release()


def _too_many_pixels(width: int, height: int) -> Invalid:
    return Invalid(f"The photo is {width} × {height} pixels: at most "
                   f"{MAX_PIXELS // 1_000_000} million pixels are accepted; please send a "
                   "smaller copy (any phone photo at normal size fits).")


def recode(data: bytes) -> tuple[bytes, int, int]:
    """The upright, scaled, metadata-free JPEG of ``data`` and its size. Blocking: call it
    through :class:`DecodeLimiter` from async code."""
    from PIL import Image, ImageOps

    kind = _sniff(data)
    if kind is None:
        raise Invalid("The photo must be a JPEG, PNG or WebP image.")
    try:
        with Image.open(io.BytesIO(data), formats=[kind]) as img:  # reads the header only
            if img.width * img.height > MAX_PIXELS:
                raise _too_many_pixels(img.width, img.height)
            if kind == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale when that is still sharp
                scale = SIDE * 2 / max(img.width, img.height)
                img.draft("RGB", (int(img.width * scale), int(img.height * scale)))
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


def _check_size(data: bytes) -> None:
    if not data:
        raise Invalid("The photo is empty.")
    if len(data) > MAX_BYTES:
        raise Invalid(f"The photo is larger than {MAX_BYTES // (1024 * 1024)} MB.")


def store(session: Session, var_dir: Path, product: Product, data: bytes) -> Product:
    """Make and store the product's photo; replaces an earlier one. Nothing changes on bad
    input (the old photo stays). Decodes in the calling thread (CLI, seed)."""
    _check_size(data)
    return _save(session, var_dir, product, recode(data))


async def store_async(session: Session, var_dir: Path, product: Product, data: bytes,
                      limiter: DecodeLimiter) -> Product:
    """:func:`store` for the API: the decode runs off the event loop, under ``limiter``."""
    _check_size(data)
    return _save(session, var_dir, product, await limiter.run(recode, data))


def _save(session: Session, var_dir: Path, product: Product,
          recoded: tuple[bytes, int, int]) -> Product:
    jpeg, width, height = recoded
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
