"""Fakes for the firmware HAL (iface.py) shared by the CPython and MicroPython test runs."""
import os

_n = [0]


def tmpdir():
    """A fresh empty directory (CPython: tempfile; MicroPython: under /tmp)."""
    try:
        import tempfile

        return tempfile.mkdtemp(prefix="fw")
    except ImportError:
        try:
            os.mkdir("/tmp")
        except OSError:
            pass
        while True:
            _n[0] += 1
            p = f"/tmp/t{_n[0]}"
            try:
                os.mkdir(p)
                return p
            except OSError:
                pass


def golden_dir():
    for p in ("/golden", "tests/golden"):
        try:
            os.stat(p)
            return p
        except OSError:
            pass
    here = __file__.rsplit("/", 3)[0]
    return here + "/golden"


def raises(exc, fn, *args):
    try:
        fn(*args)
    except exc as e:
        return e
    raise AssertionError(f"expected {exc.__name__}")


class FakeClock:
    def __init__(self, ms=0, utc_at_zero=0, ntp_ok=True):
        self.now = ms
        self.base = utc_at_zero  # true UTC at ms == 0
        self.synced = False
        self.ntp_ok = ntp_ok
        self.err = 0  # seconds the RTC is off once set (drift, or a wrong NTP answer)
        self.ntp_err = 0  # seconds the NTP answer is off
        self.sync_at = []  # ms of every sync attempt

    def ms(self):
        return self.now

    def utc(self):
        return self.base + self.now // 1000 + self.err if self.synced else 0

    def sync(self):
        self.sync_at.append(self.now)
        if not (self.ntp_ok and self.base):
            return False
        self.synced = True
        self.err = self.ntp_err
        return True

    def sleep_ms(self, ms):
        self.now += ms

    def advance(self, s):
        self.now += int(s * 1000)


class FakeProbe:
    def __init__(self, raw=30000, fail=False):
        self.raw = raw
        self.fail = fail
        self.i = 0

    def read_raw(self):
        if self.fail:
            raise OSError(5)
        if isinstance(self.raw, list):
            v = self.raw[self.i % len(self.raw)]
            self.i += 1
            return v
        return self.raw


class FakeTherm:
    def __init__(self, c=21.5, fail=False):
        self.c = c
        self.fail = fail

    def read_c(self):
        if self.fail:
            raise OSError(19)
        return self.c


class FakeBattery:
    def __init__(self, mv=3900):
        self.mv = mv

    def read_mv(self):
        return self.mv


class FakeValve:
    def __init__(self):
        self.state = False
        self.history = []

    def set(self, is_open):
        if is_open != self.state:
            self.history.append(is_open)
        self.state = is_open

    def is_open(self):
        return self.state


class FakeFlow:
    def __init__(self):
        self.pulses = 0

    def count(self):
        return self.pulses


class FakeRtc:
    def __init__(self):
        self.data = b""

    def read(self):
        return self.data

    def write(self, data):
        self.data = bytes(data)


class FakeNet:
    def __init__(self, up=True):
        self.up = up
        self.on = False

    def connect(self, timeout_ms):
        self.on = self.up
        return self.up

    def isconnected(self):
        return self.up

    def off(self):
        self.on = False

    def rssi(self):
        return -67


class FakePower:
    def __init__(self):
        self.fed = 0

    def feed_watchdog(self):
        self.fed += 1

    def deep_sleep(self, ms):
        pass

    def reset(self):
        pass


class FakeTransport:
    """A broker in a box: reachable or not, records publishes, delivers injected messages."""

    def __init__(self):
        self.reachable = True
        self.connected = False
        self.cb = None
        self.will = None
        self.published = []  # (topic, payload, retain)
        self.retained = {}
        self.subs = []
        self.incoming = []
        self.connects = 0
        self.fail_publish_after = -1  # publishes left before PUBACKs stop arriving
        self.keep = True  # record payloads (memory test turns it off)

    def _check(self):
        if not (self.reachable and self.connected):
            self.connected = False
            raise OSError(104)

    def connect(self, will_topic, will_payload, keepalive_s):
        if not self.reachable:
            raise OSError(113)
        self.connected = True
        self.connects += 1
        self.will = (will_topic, will_payload)

    def disconnect(self):
        self.connected = False

    def publish(self, topic, payload, retain, qos):
        self._check()
        if self.fail_publish_after == 0:
            self.connected = False
            raise OSError(110)
        if self.fail_publish_after > 0:
            self.fail_publish_after -= 1
        if self.keep:
            self.published.append((topic, bytes(payload), retain))
        if retain:
            self.retained[topic] = bytes(payload)

    def subscribe(self, topic, qos):
        self._check()
        self.subs.append(topic)

    def set_callback(self, cb):
        self.cb = cb

    def check_msg(self):
        self._check()
        box = self.incoming
        self.incoming = []
        for topic, msg in box:
            self.cb(topic.encode(), msg)

    def ping(self):
        self._check()

    def on(self, kind):
        """Payloads published to topics ending in /kind."""
        return [p for t, p, r in self.published if t.endswith("/" + kind)]
