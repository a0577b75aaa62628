# Entry for mp_runner.mjs "stepped": the scenario lives in fw_memscn (precompiled).
from fw_memscn import _next, _report  # noqa: F401 - the runner calls them by name
