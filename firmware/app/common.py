"""Start-up bits both roles share: boot counter, stored config, config messages."""
from . import config, store
from .codec import cfg_ack
from .errors import ProtoError

FW_VERSION = "0.1.0"


def next_boot(root: str) -> int:
    """Count a power-on (not a deep-sleep wake) in flash."""
    b = store.load(root, "boot.json")
    n = (b if isinstance(b, int) else 0) + 1
    store.save(root, "boot.json", n)
    return n


def load_config(root: str) -> dict:
    c = store.load(root, "config.json")
    if config.valid_stored(c):
        return c  # type: ignore[return-value]
    return config.defaults()


def apply_config(root: str, cfg: dict, payload: bytes) -> tuple:
    """Handle a config message -> (new cfg, ack payload or None).

    A retained config is delivered again on every connect: the same ``rev``
    is applied silently.  A bad config is rejected with a reason and the old
    one stays.
    """
    try:
        new = config.parse(payload)
    except ProtoError as e:
        return cfg, cfg_ack(e.cmd_id, "rejected", e.reason)
    if new["rev"] == cfg["rev"] and new == cfg:
        return cfg, None
    store.save(root, "config.json", new)
    return new, cfg_ack(new["rev"], "applied")


__all__ = ["FW_VERSION", "next_boot", "load_config", "apply_config"]
