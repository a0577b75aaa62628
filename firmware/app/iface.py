"""The hardware interface the logic is written against.

``firmware/hal/`` implements these for the ESP32; the simulators implement them
with simulated hardware and simulated time; the tests use fakes.  Subclassing is
optional (duck typing is enough); these base classes document the contract.
All methods are synchronous and must not block longer than stated.
"""


class Clock:
    def ms(self) -> int:
        """Milliseconds since power-on; never wraps, keeps counting through deep sleep."""
        raise NotImplementedError

    def utc(self) -> int:
        """Unix time (UTC seconds) or 0 while the time is not known (no NTP sync yet)."""
        raise NotImplementedError

    def sync(self) -> bool:
        """Try to set UTC (NTP). Needs the network; returns True on success."""
        raise NotImplementedError

    def sleep_ms(self, ms: int) -> None:
        """Idle (light sleep) for ``ms``; simulators advance simulated time."""
        raise NotImplementedError


class Probe:
    def read_raw(self) -> int:
        """One raw ADC count (0..65535) of the capacitive moisture probe; OSError on fault."""
        raise NotImplementedError


class Thermometer:
    def read_c(self) -> float:
        """Soil temperature in degC (DS18B20); OSError when absent or CRC fails."""
        raise NotImplementedError


class Battery:
    def read_mv(self) -> int:
        """Battery voltage in millivolts, divider already applied; OSError on fault."""
        raise NotImplementedError


class Valve:
    def set(self, is_open: bool) -> None:
        """Drive the relay / pulse the latching solenoid. Must be idempotent."""
        raise NotImplementedError

    def is_open(self) -> bool:
        raise NotImplementedError


class PulseCounter:
    def count(self) -> int:
        """Flow-meter pulses since power-on (monotonic)."""
        raise NotImplementedError


class RtcMemory:
    """A few bytes that survive deep sleep but not a power cut."""

    def read(self) -> bytes:
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        raise NotImplementedError


class Net:
    def connect(self, timeout_ms: int) -> bool:
        """Bring Wi-Fi up, waiting at most ``timeout_ms``."""
        raise NotImplementedError

    def isconnected(self) -> bool:
        raise NotImplementedError

    def off(self) -> None:
        raise NotImplementedError

    def rssi(self) -> int:
        """Signal in dBm, 0 when unknown."""
        raise NotImplementedError


class Power:
    def deep_sleep(self, ms: int) -> None:
        """Device: never returns (wakes as a fresh boot). Simulators: record and return."""
        raise NotImplementedError

    def feed_watchdog(self) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        raise NotImplementedError


class Transport:
    """MQTT client, shaped like ``umqtt.simple.MQTTClient``.

    Server, port, TLS, client id, username and password are given when the
    transport is built (in ``firmware/hal`` or the simulator's paho adapter).
    Every method raises OSError when the connection is broken.
    """

    def connect(self, will_topic: str, will_payload: bytes, keepalive_s: int) -> None:
        """Open a session (clean_session=False) with a retained QoS 1 Last Will."""
        raise NotImplementedError

    def disconnect(self) -> None:
        raise NotImplementedError

    def publish(self, topic: str, payload: bytes, retain: bool, qos: int) -> None:
        """With qos=1, return only after PUBACK (raise OSError on timeout)."""
        raise NotImplementedError

    def subscribe(self, topic: str, qos: int) -> None:
        raise NotImplementedError

    def set_callback(self, cb: object) -> None:
        """``cb(topic: bytes, payload: bytes)`` is called from ``check_msg``."""
        raise NotImplementedError

    def check_msg(self) -> None:
        """Non-blocking: deliver at most the pending incoming messages."""
        raise NotImplementedError

    def ping(self) -> None:
        raise NotImplementedError
