"""What each role may do, as the menu and the home page's tiles (issue 21).

One list per role, each item ``(href, Vietnamese label, icon name)``; the icon is an SVG
symbol of ``/static/icons.svg`` (no emoji: older Androids lack them). A member with several
roles sees the union, in the order below. :func:`home_for` is where ``/`` sends each role.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.deps import Principal
from server.models import Role

__all__ = ["NavItem", "MENUS", "menu_for", "home_for", "has_role"]


@dataclass(frozen=True, slots=True)
class NavItem:
    href: str
    label: str
    icon: str


MENUS: dict[str, tuple[NavItem, ...]] = {
    "farmer": (
        NavItem("/farm", "Khu tưới của tôi", "drop"),
        NavItem("/farm/diary", "Nhật ký canh tác", "book"),
        NavItem("/farm/alerts", "Cảnh báo", "bell"),
    ),
    "coop_admin": (
        NavItem("/coop/dashboard", "Tổng quan", "home"),
        NavItem("/coop/devices", "Khu tưới và thiết bị", "chip"),
        NavItem("/farm/diary", "Nhật ký canh tác", "book"),
        NavItem("/coop/lots", "Lô hàng", "box"),
        NavItem("/coop/stamps", "Tem truy xuất", "qr"),
        NavItem("/trace/ship", "Xuất hàng", "truck"),
        NavItem("/coop/certificates", "Chứng nhận", "badge"),
        NavItem("/ocop/manage", "OCOP", "star"),
        NavItem("/coop", "Thành viên", "people"),
    ),
    "evaluator": (
        NavItem("/ocop/manage", "Hồ sơ OCOP cần chấm", "star"),
    ),
    "admin": (
        NavItem("/coop", "Tổ chức", "people"),
        NavItem("/coop/dashboard", "Tổng quan", "home"),
        NavItem("/ocop/manage", "OCOP", "star"),
    ),
}


def has_role(who: Principal, role: Role) -> bool:
    return role in who.roles.values()


def _roles(who: Principal) -> list[str]:
    out = [r for r in ("coop_admin", "farmer", "evaluator") if has_role(who, Role(r))]
    if who.is_admin:
        out.insert(0, "admin")
    return out


def menu_for(who: Principal | None) -> list[NavItem]:
    """The menu of ``who`` (every role they hold, no duplicates); empty when logged out."""
    if who is None:
        return []
    seen: set[str] = set()
    items = []
    for role in _roles(who):
        for item in MENUS[role]:
            if item.href not in seen:
                seen.add(item.href)
                items.append(item)
    return items


def home_for(who: Principal) -> str:
    """Each role's home page: admin → organisations, co-op admin → dashboard, evaluator →
    dossiers to score, farmer (and anyone else) → their zones."""
    if who.is_admin:
        return "/coop"
    if has_role(who, Role.coop_admin):
        return "/coop/dashboard"
    if has_role(who, Role.evaluator) and not has_role(who, Role.farmer):
        return "/ocop/manage"
    return "/farm"
