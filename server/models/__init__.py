"""SQLModel tables. Import this package to register every table on ``SQLModel.metadata``."""

from server.models import (  # noqa: F401  (register their tables)
    crop,  # noqa: F401  (crop calendar and weather, issue 18)
    device_config,  # noqa: F401  (per-device config, issue 22)
    farm_pages,  # noqa: F401  (diary_submissions, issue 21)
    irrigation,
    ocop,
    stamps,
    telemetry,
    trace,
)
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
