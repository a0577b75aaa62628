"""Valve control by leases: "open for N seconds, command id X".

The valve closes by itself when the lease ends, when the broker has been
unreachable longer than ``grace_s``, or at ``max_run_s`` of continuous running,
whichever comes first.  Command ids only grow: a repeated id is a duplicate, a
smaller one is stale; neither changes anything.  Without commands for
``fallback_s`` the local threshold rule with hysteresis may water, never
longer than ``max_run_s`` either.
"""
from .codec import ack, num
from .compat import const

LOCAL = const(0)  # lease id of a run started by the local fallback rule


class ValveCtl:
    def __init__(self, valve: object, flow: object, clock: object, cfg: dict, last_id: int = 0) -> None:
        self.valve = valve
        self.flow = flow
        self.clock = clock
        self.cfg = cfg
        self.last_id = last_id  # persist when ``id_dirty``
        self.id_dirty = False
        self.is_open = False
        self.lease = -1  # id of the lease holding the valve open; LOCAL; -1 closed
        self.run_start = 0
        self.lease_end = 0
        self.lease_pulses = 0
        self.rest_until = 0
        now = clock.ms()  # type: ignore[attr-defined]
        self.link_ms = now  # last time the broker was reachable
        self.cmd_ms = now  # last command (fallback timer)
        self.event = None  # type: object  # (ev, why, lease) of the last change, for telemetry
        valve.set(False)  # type: ignore[attr-defined]  # a (re)boot always starts closed

    # ---- helpers -----------------------------------------------------
    def _pulses(self) -> int:
        return self.flow.count()  # type: ignore[attr-defined, no-any-return]

    def litres(self, pulses: int) -> float:
        return pulses / self.cfg["ppl"]

    def _open(self, now: int, lease: int) -> None:
        self.valve.set(True)  # type: ignore[attr-defined]
        self.is_open = True
        self.run_start = now
        self.lease = lease
        self.lease_pulses = self._pulses()
        self.event = ("open", "cmd" if lease != LOCAL else "fallback", lease)

    def _done(self, why: str, now: int) -> bytes:
        p = self._pulses()
        litres = num(self.litres(p - self.lease_pulses), 2)
        extra = '"why":"%s","run_s":%d,"l":%s' % (why, (now - self._seg_start) // 1000, litres)
        return ack(self.lease, "done", extra.encode())

    def close(self, why: str) -> list:
        """Close now; return the acks to publish (a ``done`` for a commanded lease)."""
        if not self.is_open:
            return []
        now = self.clock.ms()  # type: ignore[attr-defined]
        out = []
        if self.lease != LOCAL:
            out.append(self._done(why, now))
        self.valve.set(False)  # type: ignore[attr-defined]
        self.is_open = False
        self.event = ("close", why, self.lease)
        self.lease = -1
        if why == "max_run":
            self.rest_until = now + self.cfg["rest_s"] * 1000
        return out

    # ---- inputs ------------------------------------------------------
    def command(self, cmd: dict, utc: int) -> list:
        """Apply a parsed command (codec.parse_cmd); return ack payloads to publish."""
        cid = cmd["id"]
        if cid == self.last_id:
            return [ack(cid, "rejected", b'"reason":"duplicate"')]
        if cid < self.last_id:
            return [ack(cid, "rejected", b'"reason":"stale"')]
        self.last_id = cid
        self.id_dirty = True
        now = self.clock.ms()  # type: ignore[attr-defined]
        self.cmd_ms = now
        if cmd["exp"] and utc and utc > cmd["exp"]:
            return [ack(cid, "rejected", b'"reason":"expired"')]
        if cmd["op"] == "close":
            out = self.close("cmd")
            out.append(ack(cid, "accepted"))
            return out
        if now < self.rest_until:
            return [ack(cid, "rejected", b'"reason":"cooldown"')]
        out = []
        if self.is_open:
            # a new lease supersedes the running one; the run (and max-run) continues
            if self.lease != LOCAL:
                out.append(self._done("superseded", now))
            self.lease = cid
            self.lease_pulses = self._pulses()
            self.event = ("open", "extend", cid)
        else:
            self._open(now, cid)
        self._seg_start = now
        end = now + cmd["dur_s"] * 1000
        cap = self.run_start + self.cfg["max_run_s"] * 1000
        clip = end > cap
        if clip:
            end = cap
        self.lease_end = end
        extra = '"dur_s":%d' % ((end - now) // 1000)
        if clip:
            extra += ',"clip":"max_run"'
        out.append(ack(cid, "accepted", extra.encode()))
        return out

    def link(self, ok: bool) -> None:
        """Tell the controller whether the broker is reachable right now."""
        if ok:
            self.link_ms = self.clock.ms()  # type: ignore[attr-defined]

    def tick(self) -> list:
        """Enforce lease end, max-run and grace; return acks to publish."""
        if not self.is_open:
            return []
        now = self.clock.ms()  # type: ignore[attr-defined]
        if now - self.run_start >= self.cfg["max_run_s"] * 1000:
            return self.close("max_run")
        if self.lease != LOCAL:
            if now >= self.lease_end:
                return self.close("lease_end")
            if now - self.link_ms >= self.cfg["grace_s"] * 1000:
                return self.close("grace")
        return []

    def fallback(self, moisture: object) -> list:
        """Local rule: water below thr_on, stop at thr_off, only after fallback_s without commands."""
        fb = self.cfg["fallback_s"]
        if not fb:
            return []
        now = self.clock.ms()  # type: ignore[attr-defined]
        if self.is_open and self.lease != LOCAL:
            return []
        if self.is_open:
            if moisture is None:
                return self.close("sensor")
            if moisture >= self.cfg["thr_off"]:  # type: ignore[operator]
                return self.close("fallback_done")
            return []
        if now - self.cmd_ms < fb * 1000 or now < self.rest_until or moisture is None:
            return []
        if moisture < self.cfg["thr_on"]:  # type: ignore[operator]
            self._open(now, LOCAL)
            self._seg_start = now
            self.lease_end = now + self.cfg["max_run_s"] * 1000
        return []

    _seg_start = 0


__all__ = ["ValveCtl", "LOCAL"]
