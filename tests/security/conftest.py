"""Security tests reuse the server's ``world`` fixtures and the OCOP/stamp helpers."""

from tests.server.conftest import pg_world, world  # noqa: F401
from tests.server.ocop.conftest import ow  # noqa: F401
