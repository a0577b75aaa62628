"""Small shims so the same logic runs on MicroPython and CPython."""
try:
    from micropython import const
except ImportError:  # CPython

    def const(x: int) -> int:  # type: ignore[misc]
        return x


try:
    from binascii import crc32  # unsigned on MicroPython and Python 3

except ImportError:  # pragma: no cover - ports built without CRC32

    def crc32(data: bytes, crc: int = 0) -> int:
        crc = ~crc & 0xFFFFFFFF
        for b in data:
            crc ^= b
            for _ in range(8):
                crc = (crc >> 1) ^ (0xEDB88320 & -(crc & 1))
        return ~crc & 0xFFFFFFFF


def join(root: str, name: str) -> str:
    """Path join without os.path (absent on the ESP32 port)."""
    if not root or root.endswith("/"):
        return root + name
    return root + "/" + name


__all__ = ["const", "crc32", "join"]
