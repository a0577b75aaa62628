"""Store-and-forward buffer in flash: append-only segment files, crash safe.

Layout: ``<root>/<8-digit n>.seg`` files, oldest = lowest n.  Each file holds
records ``magic u8 | kind u8 | len u16 | body[len] | crc32 u32`` (little
endian; the CRC covers kind, len and body).  Kinds:

* ``R`` reading: ``seq u32 | t u32 | bt u16 | up u32 | fragment`` (t=0: unknown)
* ``M`` meta:    ``acked u32 | dropped u32 | drop_upto u32 | next_seq u32``

Files are only ever appended to, never rewritten.  A power cut can leave a
torn record at the tail of the newest file: its length/CRC does not check, the
scan stops there and the next append starts a new file.  Every new file starts
with an ``M`` record, and every acknowledgement appends one, so the ack
cursor, the drop counter and the sequence counter survive reboots.  When all
files are in use the oldest is deleted and its unacknowledged readings are
counted as dropped.  Fully acknowledged files are deleted.
"""
import os
import struct

from .compat import const, crc32, join

_MAGIC = const(0xA5)
_K_REC = const(0x52)
_K_META = const(0x4D)
_HDR_LEN = const(8)  # framing bytes per record: magic, kind, len (4) + crc (4)
_REC = "<IIHI"
_REC_LEN = const(14)
_META = "<IIII"
_META_LEN = const(16)
MAX_BODY = const(480)
# per-file bookkeeping: [n, first_seq, last_seq, size, n_readings]
_N = const(0)
_FIRST = const(1)
_LAST = const(2)
_SIZE = const(3)
_COUNT = const(4)


class RingBuffer:
    def __init__(self, root: str, seg_bytes: int = 4096, max_segs: int = 16) -> None:
        if max_segs < 2 or seg_bytes < 256:
            raise ValueError("buffer too small")
        self.root = root
        self.seg_bytes = seg_bytes
        self.max_segs = max_segs
        self.segs = []  # type: list
        self.acked = 0
        self.dropped = 0
        self.drop_upto = 0
        self.next_seq = 1
        self.torn = 0  # torn records found at open (diagnostics)
        self._n = 0
        self._sealed = False
        # one record buffer and its views, made once: the scan loop must not
        # allocate per record (MicroPython's heap is small)
        self._rec = bytearray(MAX_BODY + _HDR_LEN)
        self._mv = memoryview(self._rec)
        self._head = self._mv[:4]
        self._crc = bytearray(4)
        self._cursor = None  # type: object  # (file n, offset, seq) after the last acked peek
        self._peek_end = None  # type: object

    # ---- open / scan -------------------------------------------------
    def open(self) -> "RingBuffer":
        try:
            names = os.listdir(self.root)
        except OSError:
            os.mkdir(self.root)
            names = []
        nums = []
        for name in names:
            if name.endswith(".seg") and len(name) == 12:
                try:
                    nums.append(int(name[:8]))
                except ValueError:
                    pass
        nums.sort()
        self.segs = []
        for i in range(len(nums)):
            seg = [nums[i], 0, 0, 0, 0]
            clean = self._scan(seg)
            self.segs.append(seg)
            if not clean:
                self.torn += 1
                if i == len(nums) - 1:
                    self._sealed = True
        # files beyond capacity: the crash came between writing the new file and
        # deleting the victim; count what the meta record did not count yet
        while len(self.segs) > self.max_segs:
            self._drop_oldest()
        self._gc()
        return self

    def _path(self, n: int) -> str:
        return join(self.root, "%08d.seg" % n)

    def _read_rec(self, f: object) -> int:
        """Read one record into self._rec; return kind, 0 at a clean end, -1 if torn."""
        rec = self._rec
        got = f.readinto(self._head)  # type: ignore[attr-defined]
        if not got:
            return 0
        if got < 4:
            return -1
        kind = rec[1]
        n = rec[2] | (rec[3] << 8)
        if rec[0] != _MAGIC or n > MAX_BODY or (kind != _K_REC and kind != _K_META):
            return -1
        if f.readinto(self._mv[4 : 8 + n]) != n + 4:  # type: ignore[attr-defined]
            return -1
        c = self._crc
        struct.pack_into("<I", c, 0, crc32(self._mv[1 : 4 + n]))
        e = 4 + n
        if c[0] != rec[e] or c[1] != rec[e + 1] or c[2] != rec[e + 2] or c[3] != rec[e + 3]:
            return -1
        self._n = n
        return kind

    def _seq(self) -> int:
        b = self._rec
        return b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24)

    def _scan(self, seg: list) -> bool:
        """Fill seg's bookkeeping and fold meta records in; False if a torn tail was found."""
        clean = True
        size = 0
        with open(self._path(seg[_N]), "rb") as f:
            while True:
                kind = self._read_rec(f)
                if kind <= 0:
                    clean = kind == 0
                    break
                size += _HDR_LEN + self._n
                if kind == _K_REC:
                    seq = self._seq()
                    if not seg[_FIRST]:
                        seg[_FIRST] = seq
                    seg[_LAST] = seq
                    seg[_COUNT] += 1
                    if seq >= self.next_seq:
                        self.next_seq = seq + 1
                else:
                    a, d, du, nx = struct.unpack_from(_META, self._rec, 4)
                    self.acked = max(self.acked, a)
                    self.dropped = max(self.dropped, d)
                    self.drop_upto = max(self.drop_upto, du)
                    self.next_seq = max(self.next_seq, nx)
        seg[_SIZE] = size
        return clean

    # ---- counters ----------------------------------------------------
    def floor(self) -> int:
        """Readings with seq <= floor are gone (acknowledged or dropped)."""
        return self.acked if self.acked > self.drop_upto else self.drop_upto

    def pending(self) -> int:
        """Number of readings waiting for an acknowledgement."""
        fl = self.floor()
        total = 0
        for seg in self.segs:
            if seg[_COUNT] == 0 or seg[_LAST] <= fl:
                continue
            if seg[_FIRST] > fl:
                total += seg[_COUNT]
            else:
                total += self._count_above(seg, fl)
        return total

    def _count_above(self, seg: list, fl: int) -> int:
        c = 0
        with open(self._path(seg[_N]), "rb") as f:
            while True:
                kind = self._read_rec(f)
                if kind <= 0:
                    break
                if kind == _K_REC and self._seq() > fl:
                    c += 1
        return c

    # ---- writing -----------------------------------------------------
    def _write(self, kind: int, body: bytes) -> None:
        seg = self.segs[-1]
        n = len(body)
        rec = self._rec
        rec[0] = _MAGIC
        rec[1] = kind
        rec[2] = n & 0xFF
        rec[3] = n >> 8
        rec[4 : 4 + n] = body
        struct.pack_into("<I", rec, 4 + n, crc32(self._mv[1 : 4 + n]))
        with open(self._path(seg[_N]), "ab") as f:
            f.write(self._mv[: 8 + n])  # one write: a torn one fails the CRC
        seg[_SIZE] += _HDR_LEN + n

    def _meta(self) -> bytes:
        return struct.pack(_META, self.acked, self.dropped, self.drop_upto, self.next_seq)

    def _roll(self) -> None:
        n = self.segs[-1][_N] + 1 if self.segs else 1
        self.segs.append([n, 0, 0, 0, 0])
        self._sealed = False
        self._gc()
        full = len(self.segs) > self.max_segs
        if full:
            # count first, write the new meta, then delete: a crash in between
            # leaves an extra file that open() recognises as already counted
            victim = self.segs[0]
            self.dropped += self._unacked(victim)
            if victim[_LAST] > self.drop_upto:
                self.drop_upto = victim[_LAST]
        self._write(_K_META, self._meta())
        if full:
            self._remove(0)

    def _unacked(self, seg: list) -> int:
        fl = self.floor()
        if seg[_COUNT] == 0 or seg[_LAST] <= fl:
            return 0
        if seg[_FIRST] > fl:
            return seg[_COUNT]
        return self._count_above(seg, fl)

    def _drop_oldest(self) -> None:
        victim = self.segs[0]
        self.dropped += self._unacked(victim)
        if victim[_LAST] > self.drop_upto:
            self.drop_upto = victim[_LAST]
        self._remove(0)

    def _remove(self, i: int) -> None:
        seg = self.segs.pop(i)
        try:
            os.remove(self._path(seg[_N]))
        except OSError:
            pass

    def _gc(self) -> None:
        """Delete non-head files whose readings are all gone."""
        fl = self.floor()
        i = 0
        while i < len(self.segs) - 1:
            seg = self.segs[i]
            if seg[_COUNT] == 0 or seg[_LAST] <= fl:
                self._remove(i)
            else:
                i += 1

    def append(self, t: int, bt: int, up: int, frag: bytes) -> int:
        """Store one reading; return its sequence number."""
        if _REC_LEN + len(frag) > MAX_BODY:
            raise ValueError("reading too large")
        seq = self.next_seq
        body = struct.pack(_REC, seq, t, bt, up) + frag
        need = _HDR_LEN + len(body)
        if not self.segs or self._sealed or self.segs[-1][_SIZE] + need > self.seg_bytes:
            self._roll()
        self._write(_K_REC, body)
        seg = self.segs[-1]
        if not seg[_FIRST]:
            seg[_FIRST] = seq
        seg[_LAST] = seq
        seg[_COUNT] += 1
        self.next_seq = seq + 1
        return seq

    def peek(self, max_n: int) -> list:
        """Up to ``max_n`` unacknowledged readings, oldest first: (seq, t, bt, up, frag)."""
        out = []  # type: list
        fl = self.floor()
        cur = self._cursor
        for seg in self.segs:
            if len(out) >= max_n:
                break
            if seg[_COUNT] == 0 or seg[_LAST] <= fl:
                continue
            with open(self._path(seg[_N]), "rb") as f:
                off = 0
                if cur is not None and cur[0] == seg[_N] and cur[2] <= fl:  # type: ignore[index]
                    off = cur[1]  # type: ignore[index]
                    f.seek(off)
                while len(out) < max_n:
                    kind = self._read_rec(f)
                    if kind <= 0:
                        break
                    off += _HDR_LEN + self._n
                    if kind != _K_REC or self._seq() <= fl:
                        continue
                    seq, t, bt, up = struct.unpack_from(_REC, self._rec, 4)
                    out.append((seq, t, bt, up, bytes(self._mv[4 + _REC_LEN : 4 + self._n])))
                    self._peek_end = (seg[_N], off, seq)
        return out

    def ack(self, upto: int) -> None:
        """The broker acknowledged every reading with seq <= upto."""
        if upto >= self.next_seq:
            upto = self.next_seq - 1
        if upto <= self.acked:
            return
        self.acked = upto
        pe = self._peek_end
        if pe is not None and pe[2] == upto:  # type: ignore[index]
            self._cursor = pe  # the next peek starts right after the acked batch
        self._gc()
        if not self.segs or self._sealed or self.segs[-1][_SIZE] + _HDR_LEN + _META_LEN > self.seg_bytes:
            self._roll()
        else:
            self._write(_K_META, self._meta())
        self._gc()


__all__ = ["RingBuffer", "MAX_BODY"]
