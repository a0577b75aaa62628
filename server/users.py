"""User administration shared by the CLI and the API."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from server.models import Membership, Organisation, Role, User, UserCreate
from server.security import hash_password

__all__ = ["create_user", "set_password"]


def create_user(engine: Engine, login: str, full_name: str, password: str,
                org_id: int | None, role: str) -> int:
    """Create a user (and a membership); raise ``ValueError`` with a clear message."""
    try:
        role_v = Role(role)
    except ValueError:
        raise ValueError(f"unknown role {role!r}; use one of "
                         + ", ".join(r.value for r in Role)) from None
    try:
        data = UserCreate(login=login.strip().lower(), full_name=full_name, password=password,
                          is_superuser=role_v == Role.admin)
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValueError(msgs) from None
    with Session(engine) as s:
        if s.exec(select(User).where(User.login == data.login)).first():
            raise ValueError(f"login {data.login!r} is taken")
        if org_id is not None and s.get(Organisation, org_id) is None:
            raise ValueError(f"organisation {org_id} does not exist")
        if role_v != Role.admin and org_id is None:
            raise ValueError("--org is required for this role")
        user = User(login=data.login, full_name=data.full_name,
                    password_hash=hash_password(password), is_superuser=data.is_superuser)
        s.add(user)
        s.flush()
        assert user.id is not None
        if org_id is not None:
            s.add(Membership(user_id=user.id, organisation_id=org_id, role=role_v))
        s.commit()
        return user.id


def set_password(engine: Engine, login: str, password: str) -> None:
    if not 10 <= len(password) <= 128:
        raise ValueError("a password has 10 to 128 characters")
    with Session(engine) as s:
        user = s.exec(select(User).where(User.login == login.strip().lower())).first()
        if user is None:
            raise ValueError(f"no user {login!r}")
        user.password_hash = hash_password(password)
        user.token_version += 1
        s.add(user)
        s.commit()
