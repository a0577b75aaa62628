"""Dossier documents: PDF, JPEG or PNG, checked by magic bytes AND extension, size-limited.

Files are stored under ``<var_dir>/ocop/uploads/`` with generated names
(``<32 hex>.<ext>``); the uploader's file name is kept only as a display title and never
touches the file system. Writing is atomic (temporary file, then rename); if the
database write fails the file is removed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import unicodedata
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session

from server.deps import Principal
from server.errors import DomainError, Invalid, NotFound
from server.models import Organisation
from server.models.ocop import OcopDocument, OcopDossier
from server.ocop_workflow.access import require_coop_admin
from server.ocop_workflow.workflow import expect, record_step
from server.settings import Settings

__all__ = ["MAX_BYTES", "DOC_KINDS", "TooLarge", "upload_dir", "sniff", "save_document",
           "document_path"]

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
DOC_KINDS = {
    "business_registration": "Giấy đăng ký kinh doanh",
    "quality_declaration": "Bản công bố chất lượng sản phẩm",
    "test_report": "Phiếu kiểm nghiệm",
    "trademark": "Giấy chứng nhận đăng ký nhãn hiệu",
    "product_story": "Câu chuyện sản phẩm",
    "photo": "Ảnh sản phẩm, bao bì, nhãn",
    "other": "Tài liệu khác",
}
#: extension → (content type, magic prefix)
_TYPES: dict[str, tuple[str, bytes]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
}
_STORED = re.compile(r"^[0-9a-f]{32}\.(pdf|jpg|png)$")


class TooLarge(DomainError):
    status_code = 413
    code = "too_large"
    title_vi = "Tệp quá lớn"


def upload_dir(settings: Settings) -> Path:
    return settings.var_dir / "ocop" / "uploads"


def _title(filename: str) -> str:
    """A display title: the last path component, no control characters, ≤ 200 chars."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[-200:]


def sniff(data: bytes, filename: str) -> tuple[str, str]:
    """(stored extension, content type) when the extension and the bytes agree; else 422."""
    title = _title(filename or "")
    ext = title.rsplit(".", 1)[-1].lower() if "." in title else ""
    if ext not in _TYPES:
        raise Invalid("Chỉ nhận tệp PDF, JPEG hoặc PNG (đuôi .pdf, .jpg, .jpeg, .png).")
    content_type, magic = _TYPES[ext]
    if not data.startswith(magic):
        raise Invalid(f"Nội dung tệp không phải {content_type} như đuôi .{ext} khai báo.")
    return ("jpg" if ext == "jpeg" else ext), content_type


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    chunks, total = [], 0
    while True:
        chunk = stream.read(64 * 1024)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise TooLarge(f"Tệp lớn hơn giới hạn {limit // (1024 * 1024)} MB.")
        chunks.append(chunk)
    return b"".join(chunks)


def save_document(session: Session, settings: Settings, who: Principal, dossier: OcopDossier,
                  org: Organisation, kind: str, filename: str, stream: BinaryIO,
                  limit: int = MAX_BYTES) -> OcopDocument:
    """Check and store one document of a draft or returned dossier; commits."""
    require_coop_admin(who, org)
    expect(dossier, "upload")
    if kind not in DOC_KINDS:
        raise Invalid(f"Loại tài liệu {kind!r} không hợp lệ.")
    data = _read_limited(stream, limit)
    if not data:
        raise Invalid("Tệp rỗng.")
    ext, content_type = sniff(data, filename)
    title = _title(filename)
    folder = upload_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{secrets.token_hex(16)}.{ext}"
    target = folder / stored
    tmp = folder / f".{stored}.part"
    with open(tmp, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    assert dossier.id is not None
    doc = OcopDocument(dossier_id=dossier.id, kind=kind, title=title, stored_name=stored,
                       content_type=content_type, size=len(data),
                       sha256=hashlib.sha256(data).hexdigest(), uploaded_by=who.id)
    try:
        session.add(doc)
        record_step(session, dossier, "upload", who, dossier.status,
                note=f"{DOC_KINDS[kind]}: {title}")
        session.commit()
    except Exception:
        session.rollback()
        target.unlink(missing_ok=True)
        raise
    return doc


def document_path(settings: Settings, doc: OcopDocument) -> Path:
    """The stored file of ``doc``; refuses any name that is not one we generated."""
    if not _STORED.fullmatch(doc.stored_name):
        raise NotFound("Tài liệu không tồn tại.")
    path = upload_dir(settings) / doc.stored_name
    if not path.is_file():
        raise NotFound("Tệp tài liệu không còn trên máy chủ.")
    return path
