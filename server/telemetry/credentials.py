"""Device registry and MQTT credentials: add, rotate, revoke, claim codes.

A device's MQTT username is its ``uid`` (also its topic segment). Its password is random,
shown once, and stored only as a Mosquitto ``$7$`` hash (PBKDF2-SHA512): the broker's
password file is generated from these hashes (:mod:`server.telemetry.mosquitto`), and a
hash cannot be turned back into the password. Claim codes (printed as a QR code on a
board made ahead) are stored as SHA-256 digests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from server.errors import Conflict, Invalid, NotFound
from server.models import Device, DeviceRole, DeviceStatus, Zone, utcnow
from server.models.telemetry import DeviceClaim

__all__ = [
    "UID_RE", "RESERVED_PREFIX", "new_password", "mosquitto_hash", "mosquitto_verify",
    "new_claim_code", "claim_hash", "normalise_claim_code", "add_device", "rotate_password",
    "revoke_device", "make_claims", "claim_device", "find_claim", "NewClaim", "check_uid",
    "revocations",
]

#: Device ids are MQTT usernames and topic segments: no wildcards, no slashes.
UID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$")
#: Reserved for the server's own broker accounts (``nongso-ingest``, ``nongso-control``).
RESERVED_PREFIX = "nongso-"
#: Mosquitto 2's defaults for ``mosquitto_passwd`` (a random 144-bit password does not
#: need a slow hash; the broker pays the iterations on every CONNECT).
PBKDF2_ITERATIONS = 101
_SALT_BYTES = 12
_CLAIM_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U


def new_password() -> str:
    return secrets.token_urlsafe(18)


def mosquitto_hash(password: str, salt: bytes | None = None,
                   iterations: int = PBKDF2_ITERATIONS) -> str:
    """``$7$<iterations>$<base64 salt>$<base64 PBKDF2-SHA512>``, as ``mosquitto_passwd`` writes."""
    salt = salt if salt is not None else secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, 64)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def mosquitto_verify(password: str, hashed: str) -> bool:
    try:
        _, kind, iters, salt, digest = hashed.split("$")
        if kind != "7":
            return False
        want = base64.b64decode(digest)
        got = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(salt),
                                  int(iters), len(want))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(want, got)


def new_claim_code() -> str:
    """16 unambiguous characters (~78 bits), grouped for reading aloud: ``ABCD-EFGH-...``."""
    raw = "".join(secrets.choice(_CLAIM_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def normalise_claim_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def claim_hash(code: str) -> str:
    return hashlib.sha256(normalise_claim_code(code).encode()).hexdigest()


def check_uid(session: Session, uid: str) -> None:
    if not UID_RE.fullmatch(uid) or uid.lower().startswith(RESERVED_PREFIX):
        raise Invalid("Device id must be 3-64 letters, digits, '-' or '_' and must not "
                      f"start with '{RESERVED_PREFIX}'.")
    if session.exec(select(Device.id).where(Device.uid == uid)).first() is not None or \
            session.exec(select(DeviceClaim.id).where(DeviceClaim.uid == uid)).first() is not None:
        raise Conflict(f"Device id {uid!r} is already registered.")


def _fresh_uid(session: Session, role: str) -> str:
    while True:
        uid = f"{role}-{secrets.token_hex(4)}"
        try:
            check_uid(session, uid)
            return uid
        except Conflict:  # pragma: no cover - 1 in 4 billion
            continue


def add_device(session: Session, zone: Zone, role: DeviceRole,
               uid: str | None = None) -> tuple[Device, str]:
    """Register a device in ``zone``; return it and its MQTT password (shown once)."""
    uid = uid or _fresh_uid(session, role.value)
    check_uid(session, uid)
    password = new_password()
    assert zone.id is not None
    device = Device(uid=uid, zone_id=zone.id, role=role, status=DeviceStatus.pending,
                    mqtt_password_hash=mosquitto_hash(password))
    session.add(device)
    session.commit()
    session.refresh(device)
    return device, password


def rotate_password(session: Session, device: Device) -> str:
    """A new MQTT password (the old one stops working at the next broker reload)."""
    if device.status == DeviceStatus.revoked:
        raise Conflict("This device is revoked; register a new one instead.")
    password = new_password()
    device.mqtt_password_hash = mosquitto_hash(password)
    session.add(device)
    session.commit()
    return password


_revoked_here = [0]


def revocations() -> int:
    """Revocations made by this process (ingest's device directory in the same process —
    the demo — reloads at once when it changes; other processes see them within 0.5 s)."""
    return _revoked_here[0]


def revoke_device(session: Session, device: Device) -> None:
    """Refuse the device at the broker (next reload) and at ingest (within a second)."""
    device.status = DeviceStatus.revoked
    device.mqtt_password_hash = None
    session.add(device)
    session.commit()
    _revoked_here[0] += 1


@dataclass(frozen=True, slots=True)
class NewClaim:
    claim: DeviceClaim
    code: str
    password: str


def make_claims(session: Session, organisation_id: int, role: DeviceRole,
                count: int) -> list[NewClaim]:
    """Boards made ahead for an organisation: uid, MQTT password, claim code each."""
    if not 1 <= count <= 500:
        raise Invalid("count must be between 1 and 500.")
    out = []
    for _ in range(count):
        code, password = new_claim_code(), new_password()
        claim = DeviceClaim(organisation_id=organisation_id, uid=_fresh_uid(session, role.value),
                            role=role.value, code_hash=claim_hash(code),
                            mqtt_password_hash=mosquitto_hash(password))
        session.add(claim)
        session.flush()
        out.append(NewClaim(claim, code, password))
    session.commit()
    return out


def find_claim(session: Session, code: str) -> DeviceClaim:
    claim = session.exec(select(DeviceClaim).where(
        DeviceClaim.code_hash == claim_hash(code))).first()
    if claim is None:
        raise NotFound("Unknown claim code.")
    return claim


def claim_device(session: Session, claim: DeviceClaim, zone: Zone) -> Device:
    """Attach the board of ``claim`` to ``zone`` (once)."""
    if claim.claimed_at is not None:
        raise Conflict("This board has already been attached to a zone.")
    assert zone.id is not None
    if session.exec(select(Device.id).where(col(Device.uid) == claim.uid)).first() is not None:
        raise Conflict(f"Device id {claim.uid!r} is already registered.")
    device = Device(uid=claim.uid, zone_id=zone.id, role=DeviceRole(claim.role),
                    status=DeviceStatus.pending, mqtt_password_hash=claim.mqtt_password_hash)
    session.add(device)
    session.flush()
    claim.claimed_at = utcnow()
    claim.device_id = device.id
    session.add(claim)
    session.commit()
    session.refresh(device)
    return device
