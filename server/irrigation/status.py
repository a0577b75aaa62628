"""Per-zone irrigation status for the farmer page and the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from server.irrigation import log as irrlog
from server.irrigation.season import season_info
from server.irrigation.windows import local_day
from server.irrigation.zone_state import active_open, settings_or_defaults, zone_moisture
from server.models import Device, DeviceRole, Zone
from server.models.irrigation import Alert, ValveCommand
from server.models.telemetry import DeviceState

__all__ = ["zone_status", "zone_alerts", "week_chart"]

CHART_W, CHART_H = 300, 60


def week_chart(session: Session, zone_id: int, band: tuple[float, float],
               now: datetime) -> dict[str, Any] | None:
    """The last 7 days of soil moisture (6-hour means, from the downsampling query) as SVG
    coordinates: a polyline and the target band. None when there is no reading."""
    from datetime import timedelta

    from server.telemetry.queries import series

    start = now - timedelta(days=7)
    data = series(session, start=start, end=now, bucket_s=6 * 3600, metric="m", zone_id=zone_id)
    pts = []
    span = (now - start).total_seconds()
    for b in data["buckets"]:
        t = datetime.fromisoformat(b["t"].replace("Z", "+00:00"))
        x = (t - start).total_seconds() / span * CHART_W
        y = CHART_H - (b["mean"] or 0) / 100 * CHART_H
        pts.append(f"{x:.0f},{y:.0f}")
    if not pts:
        return None
    lo, hi = band
    return {"w": CHART_W, "h": CHART_H, "points": " ".join(pts),
            "band_y": round(CHART_H - hi / 100 * CHART_H), "band_h": round((hi - lo) / 100 * CHART_H)}



def zone_alerts(session: Session, zone_id: int) -> list[Alert]:
    return list(session.exec(select(Alert).where(Alert.zone_id == zone_id,
                                                 Alert.state != "resolved")
                             .order_by(col(Alert.opened_at).desc())).all())


def _valve(session: Session, valves: list[Device], now: datetime) -> dict[str, Any]:
    if not valves:
        return {"key": "none", "vi": "Chưa lắp van"}
    states = [session.get(DeviceState, v.id) for v in valves]
    if any(s is not None and s.state == "offline" for s in states):
        return {"key": "offline", "vi": "Mất kết nối"}
    cmds = [session.exec(select(ValveCommand).where(ValveCommand.device_id == v.id)
                         .order_by(col(ValveCommand.cmd_id).desc())).first() for v in valves]
    if any(c is not None and c.status in ("pending", "sent") for c in cmds):
        c = next(c for c in cmds if c is not None and c.status in ("pending", "sent"))
        return {"key": "waiting", "vi": "Đang gửi lệnh mở…" if c.op == "open" else "Đang gửi lệnh đóng…"}
    if any(active_open(session, v.id, now) for v in valves if v.id is not None) or \
            any(s is not None and s.vs == 1 for s in states):
        return {"key": "open", "vi": "Đang mở"}
    return {"key": "closed", "vi": "Đóng"}


def zone_status(session: Session, zone: Zone, devices: list[Device] | Any = None,
                now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    assert zone.id is not None
    cfg = settings_or_defaults(session, zone, local_day(now))  # not saved: a GET never writes
    if devices is None:
        devices = session.exec(select(Device).where(Device.zone_id == zone.id)).all()
    valves = [d for d in devices if d.role == DeviceRole.valve]
    m = zone_moisture(session, zone.id, now)
    gauge = None
    if m is not None:
        if m < cfg.on_pct:
            gauge = {"key": "dry", "vi": "Khô"}
        elif m > cfg.wet_alert_pct:
            gauge = {"key": "wet", "vi": "Quá ướt"}
        else:
            gauge = {"key": "ok", "vi": "Vừa đủ"}
    if cfg.mode == "off":
        plan = "Tưới tự động đang tắt"
    elif cfg.mode == "et":
        plan = f"Theo bốc thoát hơi: thiếu {cfg.deficit_mm:.1f}/{cfg.deficit_trigger_mm:.0f} mm"
    else:
        plan = f"Tự tưới khi độ ẩm dưới {cfg.on_pct:.0f} % (khung giờ {cfg.windows or 'cả ngày'})"
    return {"settings": cfg, "moisture_pct": m, "band": (cfg.on_pct, cfg.off_pct), "gauge": gauge,
            "valve": _valve(session, valves, now), "has_valve": bool(valves),
            "last_watering": irrlog.last_watering(session, zone.id), "plan": plan,
            "alerts": zone_alerts(session, zone.id),
            "season": season_info(session, zone, cfg, local_day(now)),
            "chart": week_chart(session, zone.id, (cfg.on_pct, cfg.off_pct), now)}
