"""Users, organisations (OCOP subjects) and memberships."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from server.models.common import (
    COMMUNE_PATTERN,
    PROVINCE_PATTERN,
    check_province,
    clean_optional_name,
    created_at_field,
)

__all__ = [
    "OrgKind", "Role", "OrganisationBase", "OrganisationCreate", "OrganisationUpdate",
    "OrganisationPublic", "Organisation", "UserBase", "UserCreate", "UserPublic", "User",
    "MembershipCreate", "MembershipPublic", "Membership", "InvitationStatus", "Invitation",
    "RevokedToken", "LoginAttempt",
]


class OrgKind(str, enum.Enum):
    """OCOP subject types, plus the authorities that evaluate them."""

    htx = "htx"  # hợp tác xã — co-operative
    dn = "dn"  # doanh nghiệp — enterprise
    tht = "tht"  # tổ hợp tác — co-operative group
    ho_sxkd = "ho_sxkd"  # hộ sản xuất kinh doanh — household business
    authority = "authority"  # cơ quan quản lý / hội đồng OCOP — evaluating body


class Role(str, enum.Enum):
    farmer = "farmer"
    coop_admin = "coop_admin"
    evaluator = "evaluator"
    admin = "admin"


class OrganisationBase(SQLModel):
    name: str = Field(min_length=2, max_length=200)
    kind: OrgKind
    tax_code: str | None = Field(default=None, max_length=20, schema_extra={"pattern": r"^[0-9-]{10,14}$"})
    province_code: str = Field(schema_extra={"pattern": PROVINCE_PATTERN}, max_length=2)
    commune_code: str | None = Field(default=None, schema_extra={"pattern": COMMUNE_PATTERN}, max_length=5)
    address_detail: str | None = Field(default=None, max_length=300)
    #: Names from before the 2025 reorganisation (districts, old province), free text only.
    legacy_address: str | None = Field(default=None, max_length=300)

    _names = field_validator("name", "address_detail", "legacy_address")(clean_optional_name)
    _province = field_validator("province_code")(check_province)


class OrganisationCreate(OrganisationBase):
    pass


class OrganisationUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=2, max_length=200)
    tax_code: str | None = Field(default=None, max_length=20, schema_extra={"pattern": r"^[0-9-]{10,14}$"})
    province_code: str | None = Field(default=None, schema_extra={"pattern": PROVINCE_PATTERN}, max_length=2)
    commune_code: str | None = Field(default=None, schema_extra={"pattern": COMMUNE_PATTERN}, max_length=5)
    address_detail: str | None = Field(default=None, max_length=300)
    legacy_address: str | None = Field(default=None, max_length=300)

    _names = field_validator("name", "address_detail", "legacy_address")(clean_optional_name)
    _province = field_validator("province_code")(check_province)


class Organisation(OrganisationBase, table=True):
    __tablename__ = "organisations"
    id: int | None = Field(default=None, primary_key=True)
    kind: OrgKind = Field(sa_type=sa.Enum(OrgKind, native_enum=False, length=16))
    created_at: datetime = created_at_field()


class OrganisationPublic(OrganisationBase):
    id: int
    created_at: datetime


#: Login name: an e-mail address or a phone number (farmers often have no e-mail).
LOGIN_PATTERN = r"^[A-Za-z0-9._@+-]{3,254}$"


class UserBase(SQLModel):
    login: str = Field(min_length=3, max_length=254, schema_extra={"pattern": LOGIN_PATTERN})
    full_name: str = Field(min_length=1, max_length=120)

    _names = field_validator("full_name")(clean_optional_name)


class UserCreate(UserBase):
    password: str = Field(min_length=10, max_length=128)
    is_superuser: bool = False


class User(UserBase, table=True):
    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=254, sa_column_kwargs={"unique": True}, index=True)
    password_hash: str = Field(max_length=255)
    #: Platform administrator (role ``admin``): sees every organisation.
    is_superuser: bool = False
    is_active: bool = True
    #: Bumped on password change or "log out everywhere": old tokens stop working.
    token_version: int = 0
    created_at: datetime = created_at_field()


class UserPublic(UserBase):
    id: int
    is_superuser: bool
    is_active: bool


class MembershipCreate(SQLModel):
    user_id: int
    role: Role


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "organisation_id", name="uq_membership"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    role: Role = Field(sa_type=sa.Enum(Role, native_enum=False, length=16))
    created_at: datetime = created_at_field()


class MembershipPublic(SQLModel):
    id: int
    user_id: int
    organisation_id: int
    role: Role


class InvitationStatus(str, enum.Enum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"


class Invitation(SQLModel, table=True):
    """A co-op admin's offer of a role; a membership exists only once the invitee accepts."""

    __tablename__ = "invitations"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    role: Role = Field(sa_type=sa.Enum(Role, native_enum=False, length=16))
    status: InvitationStatus = Field(default=InvitationStatus.pending,
                                     sa_type=sa.Enum(InvitationStatus, native_enum=False, length=16))
    invited_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    answered_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class RevokedToken(SQLModel, table=True):
    """Session tokens ended by logout, by token id; a row goes once the token has expired."""

    __tablename__ = "revoked_tokens"
    jti: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)


class LoginAttempt(SQLModel, table=True):
    """Login outcomes by throttle key (see :mod:`server.throttle`), shared by all processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (sa.Index("ix_login_attempts_key_at", "key", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300)
    ok: bool = False
    at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)
