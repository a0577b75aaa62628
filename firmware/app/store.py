"""Small persistent JSON records (config, command cursor, boot counter).

Written rarely, to a temporary file and renamed over the old one (atomic on
littlefs and POSIX), with a CRC line so a damaged file reads as missing.
"""
import json
import os

from .compat import crc32, join


def load(root: str, name: str) -> object:
    """The stored value, or None when missing or damaged."""
    try:
        with open(join(root, name), "rb") as f:
            data = f.read()
    except OSError:
        return None
    nl = data.find(b"\n")
    if nl < 0:
        return None
    try:
        if int(data[:nl]) != crc32(data[nl + 1 :]):
            return None
        return json.loads(data[nl + 1 :])
    except ValueError:
        return None


def save(root: str, name: str, value: object) -> None:
    body = json.dumps(value).encode()
    tmp = join(root, name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(("%d\n" % crc32(body)).encode())
        f.write(body)
    os.rename(tmp, join(root, name))


__all__ = ["load", "save"]
