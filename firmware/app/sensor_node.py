"""Sensor node: wake, read, buffer, maybe upload, deep sleep.

RTC memory keeps ``magic | next_seq | unsent | boot | crc`` across deep sleep,
so a wake does not count as a power-on and only every ``upload_every``-th
reading brings Wi-Fi up.
"""
import struct

from . import common, store
from .codec import status
from .compat import const, crc32, join
from .forward import TimeBase, flush_steps
from .link import Link
from .ringbuf import RingBuffer
from .sensors import Sampler
from .timesync import RESYNC_MS, Resync

_RTC = "<IIIH"
_RTC_MAGIC = const(0x6E67736F)
_WIFI_MS = const(8000)
_NTP_RETRY_S = const(3600)  # after a failed re-sync (the time is still known)


class SensorNode:
    ROLE = "sensor"  # the status message's "role" (docs/protocol.md)

    def __init__(
        self, device_id: str, root: str, clock: object, net: object, transport: object,
        rtc: object, probe: object = None, therm: object = None, battery: object = None,
        seed: int = 1, seg_bytes: int = 4096, max_segs: int = 16,
    ) -> None:
        self.device_id = device_id
        self.root = root
        self.clock = clock
        self.net = net
        self.transport = transport
        self.rtc = rtc
        self.sampler = Sampler(probe, therm, battery)
        self.seed = seed
        self.seg_bytes = seg_bytes
        self.max_segs = max_segs
        self.awake_ms = 0
        self.uploaded = 0
        self.buf = None  # type: object
        self.cfg = {}  # type: dict
        self.sleep_ms = 0

    def _rtc_load(self) -> object:
        data = self.rtc.read()  # type: ignore[attr-defined]
        if len(data) != 18:
            return None
        if struct.unpack_from("<I", data, 14)[0] != crc32(data[:14]):
            return None
        magic, seq, unsent, boot = struct.unpack(_RTC, data[:14])
        if magic != _RTC_MAGIC:
            return None
        return seq, unsent, boot

    def _rtc_save(self, seq: int, unsent: int, boot: int) -> None:
        head = struct.pack(_RTC, _RTC_MAGIC, seq, unsent, boot)
        self.rtc.write(head + struct.pack("<I", crc32(head)))  # type: ignore[attr-defined]

    def cycle(self) -> int:
        """One wake: returns how long to deep-sleep in ms (the caller sleeps)."""
        for _ in self.steps():  # type: ignore[attr-defined]
            pass
        return self.sleep_ms

    def steps(self) -> object:
        """The wake as a generator: yields between phases and between upload batches.

        ``cycle`` just runs it; main.py collects garbage at each step, and the
        memory test drives it step by step from JavaScript.
        """
        t0 = self.clock.ms()  # type: ignore[attr-defined]
        st = self._rtc_load()
        if st is None:
            boot = common.next_boot(self.root)
            rtc_seq = 0
        else:
            rtc_seq, _, boot = st  # type: ignore[misc]
        cfg = common.load_config(self.root)
        buf = RingBuffer(join(self.root, "buf"), self.seg_bytes, self.max_segs).open()
        self.buf = buf
        if rtc_seq > buf.next_seq:
            buf.next_seq = rtc_seq  # the sequence never goes back
        tb = TimeBase(self.clock, boot)
        yield 1
        frag = self.sampler.read(cfg)
        t, bt, up = tb.stamp()
        buf.append(t, bt, up, frag)
        frag = None  # type: ignore[assignment]
        unsent = buf.pending()
        self.cfg = cfg
        yield 2
        if unsent >= cfg["upload_every"] or st is None:
            yield from self._upload(buf, tb, cfg, boot)  # type: ignore[misc]
            cfg = self.cfg
            unsent = buf.pending()
        self._rtc_save(buf.next_seq, unsent, boot)
        self.awake_ms = self.clock.ms() - t0  # type: ignore[attr-defined]
        sleep = cfg["interval_s"] * 1000 - self.awake_ms
        self.sleep_ms = sleep if sleep > 1000 else 1000

    def _ntp(self, tb: TimeBase, boot: int) -> None:
        """Sync when the time is unknown or the last sync (kept in flash) is 6 h old: the RTC
        drifts in deep sleep; the step is applied to the buffer as on the valve node."""
        utc = self.clock.utc()  # type: ignore[attr-defined]
        last = store.load(self.root, "ntp.json")
        if utc and isinstance(last, int) and 0 <= utc - last < RESYNC_MS // 1000:
            return
        ok = Resync(self.clock, tb, self.seed + boot).run(self.clock.ms())  # type: ignore[attr-defined]
        now = self.clock.utc()  # type: ignore[attr-defined]
        if ok:
            store.save(self.root, "ntp.json", now)
        elif now:  # NTP unreachable: try again in an hour, not on every wake
            store.save(self.root, "ntp.json", now - RESYNC_MS // 1000 + _NTP_RETRY_S)

    def _upload(self, buf: RingBuffer, tb: TimeBase, cfg: dict, boot: int) -> object:
        net = self.net
        if not net.connect(_WIFI_MS):  # type: ignore[attr-defined]
            net.off()  # type: ignore[attr-defined]
            return
        self._ntp(tb, boot)
        link = Link(self.transport, self.clock, self.device_id, self.seed + boot)
        extra = (
            '"role":"%s","fw":"%s","bt":%d,"cfg":%d,"rssi":%d'
            % (self.ROLE, common.FW_VERSION, boot, cfg["rev"], net.rssi())  # type: ignore[attr-defined]
        ).encode()
        if link.connect(status("online", extra)):
            link.poll()  # the retained config usually arrives right after SUBACK
            for kind, msg in link.take():
                if kind == b"config":
                    cfg, a = common.apply_config(self.root, cfg, msg)
                    if a:
                        link.publish("ack", a)
            yield 3
            sent = 0
            for sent in flush_steps(buf, link, tb):  # type: ignore[attr-defined]  # noqa: B007
                yield 4
            self.uploaded += sent
            link.poll()
            for kind, msg in link.take():
                if kind == b"config":
                    cfg, a = common.apply_config(self.root, cfg, msg)
                    if a:
                        link.publish("ack", a)
            extra = (
                '"role":"%s","bt":%d,"cfg":%d,"seq":%d,"pend":%d,"drop":%d,"next_s":%d'
                % (self.ROLE, boot, cfg["rev"], buf.next_seq - 1, buf.pending(), buf.dropped,
                   cfg["interval_s"])
            ).encode()
            link.close(status("sleep", extra))
        net.off()  # type: ignore[attr-defined]
        self.cfg = cfg


__all__ = ["SensorNode"]
