# Entry for mp_runner.mjs "stepped": the weather scenario lives in fw_memwx (precompiled).
from fw_memwx import _next, _report  # noqa: F401 - the runner calls them by name
