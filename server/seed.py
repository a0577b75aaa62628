"""The demo world: a Thanh Hà lychee co-operative and a Cẩm Giàng carrot co-operative.

Seeding is idempotent: a second run finds the world and changes nothing. Passwords are
random, returned once to be printed, and only their argon2 hashes are stored.

Addresses follow the two-level administration in force since 1 July 2025 (Hải Dương
merged into Hải Phòng city, province code 31); names from before the merger are kept as
free text. Commune codes are the official current ones (``server.admin_units``, checked by
tests/server/trace/test_admin_units.py): the old communes Thanh Sơn (huyện Thanh Hà,
pre-2025 code 10867) and Đức Chính (huyện Cẩm Giàng, 10912) were merged into Xã Thanh Hà
(10813) and Xã Tuệ Tĩnh (10909) of Hải Phòng (the Standing Committee's resolution of June
2025 on Hải Phòng's communes).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from server.models import (
    Device,
    DeviceRole,
    Farm,
    Membership,
    Organisation,
    OrgKind,
    Role,
    User,
    Zone,
)
from server.security import hash_password

__all__ = ["DemoUser", "seed_demo", "seed_device_configs", "DEMO_MARKER", "DEMO_INTERVAL_S"]

DEMO_MARKER = "Hợp tác xã Vải thiều Thanh Hà"
HAI_PHONG = "31"
#: Xã Thanh Hà and Xã Tuệ Tĩnh, Thành phố Hải Phòng (official list since 1 July 2025).
THANH_HA, TUE_TINH = "10813", "10909"
#: The demo fleet reads every 5 minutes (live data on the pages within one interval).
DEMO_INTERVAL_S = 300
#: The probe's nominal two-point calibration and the demo soils' fit (firmware/README.md,
#: "Calibrating a probe in the field"; simulators/soil.py ``ProbeModel`` a = 0.42, b = 3.5).
_NOMINAL_CAL = {"dry": 52000, "wet": 21000, "vwc_a": 0.42, "vwc_b": 3.5}


@dataclass(frozen=True)
class DemoUser:
    login: str
    role: str
    organisation: str
    password: str | None  # None when the user existed already


_ORGS: list[dict[str, Any]] = [
    dict(name=DEMO_MARKER, kind=OrgKind.htx, province_code=HAI_PHONG, commune_code=THANH_HA,
         address_detail="thôn Thanh Sơn, xã Thanh Hà, thành phố Hải Phòng",
         legacy_address="xã Thanh Sơn, huyện Thanh Hà, tỉnh Hải Dương (trước 1/7/2025)"),
    dict(name="Hợp tác xã Cà rốt Đức Chính", kind=OrgKind.htx, province_code=HAI_PHONG,
         commune_code=TUE_TINH,
         address_detail="thôn An Phú, xã Tuệ Tĩnh, thành phố Hải Phòng",
         legacy_address="xã Đức Chính, huyện Cẩm Giàng, tỉnh Hải Dương (trước 1/7/2025)"),
    dict(name="Hội đồng OCOP thành phố Hải Phòng", kind=OrgKind.authority,
         province_code=HAI_PHONG, commune_code=None,
         address_detail="thành phố Hải Phòng", legacy_address=None),
]

_FARMS = {
    DEMO_MARKER: ("Vườn vải Thanh Sơn", THANH_HA, 20.8912, 106.4251, "lychee",
                  [("Khu 1 — vải sớm", 2500.0), ("Khu 2 — vải thiều chính vụ", 3000.0),
                   ("Khu 3 — vườn trồng mới", 1800.0)]),
    "Hợp tác xã Cà rốt Đức Chính": ("Cánh đồng cà rốt Đức Chính", TUE_TINH, 20.9633, 106.2245,
                                    "carrot", [("Ruộng A", 3600.0), ("Ruộng B", 2880.0)]),
}

_USERS = [
    ("admin@nongso.vn", "Quản trị hệ thống", None, Role.admin),
    ("quantri@htx-vaithanhha.vn", "Nguyễn Văn Hải", DEMO_MARKER, Role.coop_admin),
    ("nongdan.thanhha", "Trần Thị Lan", DEMO_MARKER, Role.farmer),
    ("quantri@htx-carotducchinh.vn", "Phạm Văn Đức", "Hợp tác xã Cà rốt Đức Chính",
     Role.coop_admin),
    ("chuyengia@ocop-haiphong.vn", "Lê Thị Minh", "Hội đồng OCOP thành phố Hải Phòng",
     Role.evaluator),
]


def _password() -> str:
    return secrets.token_urlsafe(12)


def _users(s: Session, orgs: dict[str, Organisation]) -> list[DemoUser]:
    """The demo users and their memberships; a one-time password for each new one."""
    out: list[DemoUser] = []
    for login, name, org_name, role in _USERS:
        user = s.exec(select(User).where(User.login == login)).first()
        password = None
        if user is None:
            password = _password()
            user = User(login=login, full_name=name, password_hash=hash_password(password),
                        is_superuser=role == Role.admin)
            s.add(user)
            s.flush()
            if org_name:
                org_id = orgs[org_name].id
                assert user.id is not None and org_id is not None
                s.add(Membership(user_id=user.id, organisation_id=org_id, role=role))
        out.append(DemoUser(login, role.value, org_name or "—", password))
    return out


def seed_demo(engine: Engine, devices: int = 20) -> list[DemoUser]:
    """Create the demo world if missing; return the demo users (passwords for new ones)."""
    with Session(engine, expire_on_commit=False) as s:
        orgs: dict[str, Organisation] = {}
        for spec in _ORGS:
            org = s.exec(select(Organisation).where(Organisation.name == spec["name"])).first()
            if org is None:
                org = Organisation(**spec)
                s.add(org)
                s.flush()
            orgs[str(spec["name"])] = org
        zones: list[Zone] = []
        for org_name, (farm_name, commune, lat, lon, crop, zone_specs) in _FARMS.items():
            org = orgs[org_name]
            farm = s.exec(select(Farm).where(Farm.name == farm_name)).first()
            if farm is None:
                assert org.id is not None
                farm = Farm(name=farm_name, organisation_id=org.id, province_code=HAI_PHONG,
                            commune_code=commune, address_detail=org.address_detail,
                            legacy_address=org.legacy_address, latitude=lat, longitude=lon)
                s.add(farm)
                s.flush()
            for i, (zname, area) in enumerate(zone_specs):
                zone = s.exec(select(Zone).where(Zone.farm_id == farm.id,
                                                 Zone.name == zname)).first()
                if zone is None:
                    assert farm.id is not None
                    zone = Zone(farm_id=farm.id, name=zname, crop=crop, area_m2=area,
                                latitude=lat + 0.001 * i, longitude=lon + 0.001 * i)
                    s.add(zone)
                    s.flush()
                zones.append(zone)
        out = _users(s, orgs)
        existing = {d.uid for d in s.exec(select(Device)).all()}
        for n in range(devices):
            zone = zones[n % len(zones)]
            uid = f"demo-z{zone.id}-{n // len(zones) + 1:02d}"
            if uid in existing:
                continue
            role = DeviceRole.valve if n < len(zones) else DeviceRole.sensor
            assert zone.id is not None
            s.add(Device(uid=uid, zone_id=zone.id, role=role))
        s.commit()
    # Each package adds its part of the world (products and lots, OCOP dossiers, ...).
    from server.ocop_workflow import seed as ocop_seed
    from server.telemetry import seed as telemetry_seed
    from server.trace import seed as trace_seed

    for part in (telemetry_seed, trace_seed, ocop_seed):
        part.seed_demo(engine)
    return out


def _field_calibration(flash: Path | None) -> dict[str, Any]:
    """A node's calibration as measured at installation: the simulated node's flash
    (``<flash>/config.json``, written by the season's fleet) or the probe's nominal one."""
    cal = dict(_NOMINAL_CAL)
    if flash is not None:
        try:
            stored = json.loads((flash / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cal
        if isinstance(stored, dict):
            for k in cal:
                v = stored.get(k)
                if isinstance(v, int | float) and not isinstance(v, bool):
                    cal[k] = v
    if int(cal["dry"]) - int(cal["wet"]) < 100:
        return dict(_NOMINAL_CAL)
    return cal


def seed_device_configs(engine: Engine, fleet_root: Path | None = None,
                        interval_s: int = DEMO_INTERVAL_S) -> int:
    """Give every demo device (``demo-*``) its own settings, as an installer would enter
    them (``PUT /api/v1/devices/{id}/config``): the demo fleet's interval, every reading
    uploaded, 7 samples, the probe's calibration and the zone's soil fit; and each of
    their zones its irrigation settings (the thresholds the config carries). The
    controller then publishes each config retained (server/telemetry/config_push.py).
    Existing rows are kept (an admin's change survives a restart); returns rows added."""
    from sqlmodel import col

    from server.irrigation.zone_state import ensure_settings
    from server.models.device_config import DeviceConfig

    added = 0
    with Session(engine) as s:
        rows = s.exec(select(Device, Zone).join(Zone, col(Zone.id) == Device.zone_id)
                      .where(col(Device.uid).startswith("demo-"))
                      .order_by(col(Device.id))).all()
        for zone in {z.id: z for _, z in rows}.values():
            ensure_settings(s, zone)
        for dev, _ in rows:
            assert dev.id is not None
            if s.get(DeviceConfig, dev.id) is not None:
                continue
            cal = _field_calibration(fleet_root / dev.uid if fleet_root else None)
            s.add(DeviceConfig(device_id=dev.id, interval_s=interval_s, upload_every=1,
                               samples=7, cal_dry=int(cal["dry"]), cal_wet=int(cal["wet"]),
                               vwc_a=round(float(cal["vwc_a"]), 4),
                               vwc_b=round(float(cal["vwc_b"]), 4)))
            added += 1
        s.commit()
    return added
