"""Valve node: always on; leases, local fallback, telemetry, acks."""
from . import common, store
from .codec import ack, fields, parse_cmd, status
from .compat import const, join
from .errors import ProtoError
from .forward import TimeBase, flush
from .lease import ValveCtl
from .link import Link
from .ringbuf import RingBuffer
from .sensors import Sampler
from .timesync import Resync

_OUTBOX_MAX = const(16)
_WIFI_RETRY_MS = const(10000)


class ValveNode:
    def __init__(
        self, device_id: str, root: str, clock: object, net: object, transport: object,
        valve: object, flow: object, power: object, probe: object = None, therm: object = None,
        seed: int = 1, seg_bytes: int = 4096, max_segs: int = 16,
    ) -> None:
        self.device_id = device_id
        self.root = root
        self.clock = clock
        self.net = net
        self.power = power
        self.flow = flow
        self.boot = common.next_boot(root)
        self.cfg = common.load_config(root)
        last = store.load(root, "cmd.json")
        self.ctl = ValveCtl(valve, flow, clock, self.cfg, last if isinstance(last, int) else 0)
        self.buf = RingBuffer(join(root, "buf"), seg_bytes, max_segs).open()
        self.link = Link(transport, clock, device_id, seed + self.boot)
        self.tb = TimeBase(clock, self.boot)
        self.ntp = Resync(clock, self.tb, seed + self.boot)  # always on: re-sync every ~6 h
        self.sampler = Sampler(probe, therm, None)
        self.outbox = []  # type: list  # acks waiting for the broker
        self.next_report = 0
        self.next_wifi = 0
        self._status_due = True

    # ---- reporting ---------------------------------------------------
    def _status(self) -> bytes:
        """Retained status; ``lease`` is null when closed and during a local fallback run
        (docs/protocol.md, status: a lease id is 1 or more)."""
        c = self.ctl
        extra = (
            '"role":"valve","fw":"%s","bt":%d,"cfg":%d,"vs":%d,"lease":%s,"seq":%d,"pend":%d,"drop":%d'
            % (common.FW_VERSION, self.boot, self.cfg["rev"], 1 if c.is_open else 0,
               "null" if c.lease <= 0 else "%d" % c.lease, self.buf.next_seq - 1,
               self.buf.pending(), self.buf.dropped)
        ).encode()
        return status("online", extra)

    def _record(self, event: object) -> None:
        c = self.ctl
        pc = self.flow.count()  # type: ignore[attr-defined]
        pairs = [("vs", 1 if c.is_open else 0, 0), ("fl", c.litres(pc), 2), ("pc", pc, 0)]
        if event is not None:
            ev = event[0]  # type: ignore[index]
            why = event[1]  # type: ignore[index]
            lease = event[2]  # type: ignore[index]
            pairs.append(("ev", ev, 0))
            pairs.append(("why", why, 0))
            pairs.append(("cmd", None if lease <= 0 else lease, 0))
        else:
            pairs.extend(self.sampler.pairs(self.cfg))
        t, bt, up = self.tb.stamp()
        self.buf.append(t, bt, up, fields(pairs))

    def _queue(self, acks: list) -> None:
        for a in acks:
            if len(self.outbox) >= _OUTBOX_MAX:
                self.outbox.pop(0)
            self.outbox.append(a)

    # ---- one pass of the main loop -----------------------------------
    def _handle(self, kind: bytes, msg: bytes) -> None:
        if kind == b"cmd":
            try:
                cmd = parse_cmd(msg)
            except ProtoError as e:
                self._queue([ack(e.cmd_id, "rejected", ('"reason":"%s"' % e.reason).encode())])
                return
            self._queue(self.ctl.command(cmd, self.clock.utc()))  # type: ignore[attr-defined]
            if self.ctl.id_dirty:
                store.save(self.root, "cmd.json", self.ctl.last_id)
                self.ctl.id_dirty = False
        elif kind == b"config":
            cfg, a = common.apply_config(self.root, self.cfg, msg)
            if cfg is not self.cfg:
                self.cfg = cfg
                self.ctl.cfg = cfg
                self._status_due = True
            if a:
                self._queue([a])

    def step(self) -> None:
        """Run one pass; call it every 100-1000 ms."""
        self.power.feed_watchdog()  # type: ignore[attr-defined]
        now = self.clock.ms()  # type: ignore[attr-defined]
        link = self.link
        net = self.net
        if not net.isconnected() and now >= self.next_wifi:  # type: ignore[attr-defined]
            self.next_wifi = now + _WIFI_RETRY_MS
            net.connect(0)  # type: ignore[attr-defined]
        ok = False
        if net.isconnected():  # type: ignore[attr-defined]
            if not link.connected and link.connect(self._status()):
                self._status_due = False
            ok = link.poll()
            if ok and self.ntp.due(now):
                self.ntp.run(now)
        elif link.connected:
            link._fail()
        self.ctl.link(ok)
        for kind, msg in link.take():
            self._handle(kind, msg)
        self._queue(self.ctl.tick())
        if now >= self.next_report:
            self.next_report = now + self.cfg["interval_s"] * 1000
            self._record(None)
            self._queue(self.ctl.fallback(self.sampler.moisture))
        if self.ctl.event is not None:
            self._record(self.ctl.event)  # every valve change is a buffered, sequenced reading
            self.ctl.event = None
            self._status_due = True
        if link.connected:
            while self.outbox and link.publish("ack", self.outbox[0]):
                self.outbox.pop(0)
            if self._status_due and link.publish("status", self._status(), True):
                self._status_due = False
            if self.buf.pending():
                flush(self.buf, link, self.tb)

    def run(self) -> None:  # pragma: no cover - device main loop
        while True:
            self.step()
            self.clock.sleep_ms(200)  # type: ignore[attr-defined]


__all__ = ["ValveNode"]
