"""SQLModel tables. Import this package to register every table on ``SQLModel.metadata``."""

from server.models import irrigation, ocop, stamps, telemetry, trace  # noqa: F401  (register their tables)
from server.models.common import utcnow
from server.models.farm import (
    Device,
    DeviceRole,
    DeviceStatus,
    Farm,
    FarmCreate,
    FarmPublic,
    FarmUpdate,
    Zone,
    ZoneCreate,
    ZonePublic,
    ZoneUpdate,
)
from server.models.org import (
    Membership,
    MembershipCreate,
    MembershipPublic,
    Organisation,
    OrganisationCreate,
    OrganisationPublic,
    OrganisationUpdate,
    OrgKind,
    Role,
    User,
    UserCreate,
    UserPublic,
)

__all__ = [
    "Device", "DeviceRole", "DeviceStatus", "Farm", "FarmCreate", "FarmPublic", "FarmUpdate",
    "Membership", "MembershipCreate", "MembershipPublic", "OrgKind", "Organisation",
    "OrganisationCreate", "OrganisationPublic", "OrganisationUpdate", "Role", "User",
    "UserCreate", "UserPublic", "Zone", "ZoneCreate", "ZonePublic", "ZoneUpdate", "utcnow",
]
