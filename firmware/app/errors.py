"""Domain errors of the firmware logic."""


class ProtoError(ValueError):
    """A message broke docs/protocol.md; ``reason`` is the wire reason code."""

    def __init__(self, reason: str, cmd_id: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cmd_id = cmd_id


class SensorError(ValueError):
    """A sensor could not give a trustworthy value; ``code`` is the wire error code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
