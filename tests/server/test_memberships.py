"""Issue 15.10: membership by invitation the invitee accepts, member removal, and province or
commune changes of an organisation only by the platform administrator."""

from __future__ import annotations

import httpx
from sqlmodel import Session, select

from server.models import Membership, Organisation
from server.models.org import Invitation
from tests.support.world import World, add_authority


def _members(world: World, org: str) -> dict[int, str]:
    with Session(world.engine) as s:
        rows = s.exec(select(Membership).where(Membership.organisation_id == world.orgs[org]))
        return {m.user_id: m.role.value for m in rows.all()}


def _invite(world: World, login: str, role: str = "farmer", by: str = "lychee_admin") -> httpx.Response:
    return world.client.post(f"/api/v1/organisations/{world.orgs['lychee']}/invitations",
                             json={"login": login, "role": role}, headers=world.auth(by))


def test_invitation_needs_the_invitees_consent(world: World) -> None:
    _, users = add_authority(world.engine, "Hội đồng OCOP tỉnh", "31", {"ev31": []})
    c, org = world.client, world.orgs["lychee"]
    # the old way — adding anyone directly — is closed to co-op admins
    r = c.post(f"/api/v1/organisations/{org}/members",
               json={"user_id": users["ev31"], "role": "farmer"}, headers=world.auth("lychee_admin"))
    assert r.status_code == 403 and "invit" in r.json()["detail"].lower()
    r = _invite(world, "ev31")
    assert r.status_code == 201, r.text
    inv = r.json()
    assert inv["status"] == "pending" and inv["organisation_name"].startswith("HTX Vải")
    assert users["ev31"] not in _members(world, "lychee")  # nothing until they say yes
    ev = world.auth("ev31")
    assert [i["id"] for i in c.get("/api/v1/invitations", headers=ev).json()] == [inv["id"]]
    # nobody else can answer it for them, not even the co-op admin who sent it
    for other in ("lychee_admin", "carrot_admin"):
        r = c.post(f"/api/v1/invitations/{inv['id']}/accept", headers=world.auth(other))
        assert r.status_code == 404
    assert users["ev31"] not in _members(world, "lychee")
    r = c.post(f"/api/v1/invitations/{inv['id']}/accept", headers=ev)
    assert r.status_code == 200 and r.json()["role"] == "farmer"
    assert _members(world, "lychee")[users["ev31"]] == "farmer"
    assert c.post(f"/api/v1/invitations/{inv['id']}/accept", headers=ev).status_code == 409
    assert c.get("/api/v1/invitations", headers=ev).json() == []


def test_invitation_decline_withdraw_and_refusals(world: World) -> None:
    c, org = world.client, world.orgs["lychee"]
    inv = _invite(world, "carrot_farmer").json()
    h = world.auth("carrot_farmer")
    r = c.post(f"/api/v1/invitations/{inv['id']}/decline", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "declined"
    assert c.post(f"/api/v1/invitations/{inv['id']}/accept", headers=h).status_code == 409
    assert world.users["carrot_farmer"] not in _members(world, "lychee")
    inv2 = _invite(world, "carrot_farmer").json()
    assert _invite(world, "carrot_farmer").status_code == 409
    r = c.post(f"/api/v1/organisations/{org}/invitations/{inv2['id']}/withdraw",
               headers=world.auth("lychee_admin"))
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert c.post(f"/api/v1/invitations/{inv2['id']}/accept", headers=h).status_code == 409
    assert _invite(world, "lychee_farmer").status_code == 409
    assert _invite(world, "nobody@example.vn").status_code == 404
    assert _invite(world, "carrot_farmer", role="admin").status_code == 403
    assert _invite(world, "carrot_farmer", by="lychee_farmer").status_code == 403
    assert _invite(world, "carrot_farmer", by="carrot_admin").status_code == 403
    with Session(world.engine) as s:
        assert len(s.exec(select(Invitation)).all()) == 2


def test_member_removal_by_coop_admin_never_the_last_admin(world: World) -> None:
    c, org = world.client, world.orgs["lychee"]
    admin = world.auth("lychee_admin")
    farmer_id, admin_id = world.users["lychee_farmer"], world.users["lychee_admin"]
    r = c.delete(f"/api/v1/organisations/{org}/members/{admin_id}",
                 headers=world.auth("lychee_farmer"))
    assert r.status_code == 403  # a farmer removes nobody else
    r = c.delete(f"/api/v1/organisations/{org}/members/{admin_id}", headers=admin)
    assert r.status_code == 409 and "last co-op admin" in r.json()["detail"]
    assert c.delete(f"/api/v1/organisations/{org}/members/{farmer_id}",
                    headers=world.auth("carrot_admin")).status_code == 403
    assert c.delete(f"/api/v1/organisations/{org}/members/{farmer_id}",
                    headers=admin).status_code == 204
    assert farmer_id not in _members(world, "lychee")
    # and the removed member's existing session no longer sees the co-op's farms
    farms = c.get("/api/v1/farms", headers=world.auth("lychee_farmer")).json()
    assert farms == []
    assert c.delete(f"/api/v1/organisations/{org}/members/{farmer_id}",
                    headers=admin).status_code == 404


def test_province_change_only_by_platform_admin_and_validated(world: World) -> None:
    c, org = world.client, world.orgs["lychee"]
    url = f"/api/v1/organisations/{org}"
    coop = world.auth("lychee_admin")
    r = c.patch(url, json={"province_code": "01"}, headers=coop)
    assert r.status_code == 403 and "platform administrator" in r.json()["detail"]
    r = c.patch(url, json={"commune_code": "00004"}, headers=coop)
    assert r.status_code == 403
    assert c.patch(url, json={"name": "HTX Vải thiều Thanh Hà mới", "province_code": "31"},
                   headers=coop).status_code == 200  # same province: not a move
    admin = world.auth("admin")
    r = c.patch(url, json={"province_code": "99"}, headers=admin)
    assert r.status_code == 422 and "34 provinces" in r.json()["detail"]
    r = c.patch(url, json={"province_code": "30"}, headers=admin)  # Hải Dương: merged in 2025
    assert r.status_code == 422
    assert c.patch(url, json={"province_code": "01", "commune_code": "00004"},
                   headers=admin).status_code == 200
    with Session(world.engine) as s:
        o = s.get(Organisation, org)
        assert o is not None and (o.province_code, o.commune_code) == ("01", "00004")
