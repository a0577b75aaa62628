"""JSON API: the GS1 company prefixes of an organisation (recorded by the platform admin).

A GTIN belongs to the organisation holding its company prefix
(:func:`server.models.gs1.gtin_refusal`); members may read their organisation's
prefixes, only a platform administrator records or removes one.
"""

from __future__ import annotations

from fastapi import APIRouter

from server.deps import CurrentUser, SessionDep
from server.models.gs1 import (
    Gs1CompanyPrefix,
    Gs1CompanyPrefixCreate,
    Gs1CompanyPrefixPublic,
    clean_company_prefix,
)
from server.trace import prefixes

__all__ = ["router"]

router = APIRouter(prefix="/organisations/{org_id}/gs1-prefixes")


@router.get("", response_model=list[Gs1CompanyPrefixPublic])
def list_prefixes(org_id: int, who: CurrentUser, session: SessionDep) -> list[Gs1CompanyPrefix]:
    who.require(org_id)
    return prefixes.prefixes_of(session, org_id)


@router.post("", response_model=Gs1CompanyPrefixPublic, status_code=201)
def add_prefix(org_id: int, body: Gs1CompanyPrefixCreate, who: CurrentUser,
               session: SessionDep) -> Gs1CompanyPrefix:
    """Record a company prefix licensed to the organisation by GS1 (e.g. GS1 Vietnam, 893…)."""
    who.require_admin()
    return prefixes.add_prefix(session, org_id, body.prefix)


@router.delete("/{prefix}", status_code=204)
def remove_prefix(org_id: int, prefix: str, who: CurrentUser, session: SessionDep) -> None:
    who.require_admin()
    try:
        prefix = clean_company_prefix(prefix)
    except ValueError:
        prefix = ""
    prefixes.remove_prefix(session, org_id, prefix)
