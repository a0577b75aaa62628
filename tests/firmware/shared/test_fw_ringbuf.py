"""Flash ring buffer: capacity, drops, torn writes, acknowledgements."""
import os

try:
    from firmware.app.ringbuf import RingBuffer
except ImportError:
    from app.ringbuf import RingBuffer
from fw_support import tmpdir


def _fill(buf, n, start_up=0):
    seqs = []
    for i in range(n):
        seqs.append(buf.append(0, 1, start_up + i, f'"m":{i % 100}'.encode()))
    return seqs


def _segfiles(root):
    return sorted(n for n in os.listdir(root) if n.endswith(".seg"))


def test_sequence_grows_and_survives_reopen():
    root = tmpdir() + "/b"
    buf = RingBuffer(root, 512, 4).open()
    assert _fill(buf, 5) == [1, 2, 3, 4, 5]
    buf = RingBuffer(root, 512, 4).open()
    assert buf.next_seq == 6
    assert buf.pending() == 5
    recs = buf.peek(10)
    assert [r[0] for r in recs] == [1, 2, 3, 4, 5]
    assert recs[2] == (3, 0, 1, 2, b'"m":2')


def test_ack_removes_only_acked_and_survives_reboot():
    root = tmpdir() + "/b"
    buf = RingBuffer(root, 512, 8).open()
    _fill(buf, 40)
    buf.ack(17)
    assert buf.pending() == 23
    assert buf.peek(1)[0][0] == 18
    buf = RingBuffer(root, 512, 8).open()
    assert buf.acked == 17 and buf.pending() == 23
    assert [r[0] for r in buf.peek(3)] == [18, 19, 20]
    buf.ack(40)
    assert buf.pending() == 0 and buf.peek(5) == []
    assert len(_segfiles(root)) == 1  # fully acknowledged files are deleted
    # sequence still grows after everything was acknowledged and reopened
    buf = RingBuffer(root, 512, 8).open()
    assert buf.append(0, 1, 0, b"") == 41


def test_full_buffer_drops_oldest_and_counts():
    root = tmpdir() + "/b"
    buf = RingBuffer(root, 512, 4).open()
    _fill(buf, 200)
    assert len(_segfiles(root)) <= 4
    left = buf.pending()
    assert 0 < left < 200
    assert buf.dropped == 200 - left
    first = buf.peek(1)[0][0]
    assert first == buf.dropped + 1  # exactly the oldest ones went
    again = RingBuffer(root, 512, 4).open()
    assert again.dropped == buf.dropped and again.pending() == left
    assert again.peek(1)[0][0] == first


def test_drops_do_not_count_acked_readings():
    root = tmpdir() + "/b"
    buf = RingBuffer(root, 512, 3).open()
    _fill(buf, 30)
    assert buf.dropped == 0
    buf.ack(30)
    _fill(buf, 30)
    assert buf.dropped == 0 and buf.pending() == 30


def test_torn_write_detected_and_buffer_keeps_working():
    root = tmpdir() + "/b"
    buf = RingBuffer(root, 4096, 4).open()
    _fill(buf, 10)
    head = root + "/" + _segfiles(root)[-1]
    size = os.stat(head)[6]
    # a power cut in the middle of writing reading 11: half a record at the tail
    buf.append(0, 1, 99, b'"m":77')
    with open(head, "rb") as f:
        data = f.read()
    with open(head, "wb") as f:
        f.write(data[: size + 11])
    buf = RingBuffer(root, 4096, 4).open()
    assert buf.torn == 1
    assert buf.pending() == 10
    assert [r[0] for r in buf.peek(20)] == list(range(1, 11))
    s = buf.append(0, 1, 100, b'"m":78')
    assert s == 11  # the torn reading never got a PUBACK; its number is reused
    assert len(_segfiles(root)) == 2  # appends continue in a fresh file
    buf = RingBuffer(root, 4096, 4).open()
    assert [r[0] for r in buf.peek(20)] == list(range(1, 12))


def test_corrupted_byte_is_detected_by_crc():
    root = tmpdir() + "/b"
    buf = RingBuffer(root, 4096, 4).open()
    _fill(buf, 3)
    head = root + "/" + _segfiles(root)[-1]
    with open(head, "rb") as f:
        data = bytearray(f.read())
    data[-2] ^= 0x40  # flip a bit inside the last reading
    with open(head, "wb") as f:
        f.write(data)
    buf = RingBuffer(root, 4096, 4).open()
    assert buf.torn == 1 and buf.pending() == 2


def test_crash_between_new_file_and_drop_is_not_double_counted():
    root = tmpdir() + "/b"
    buf = RingBuffer(root, 512, 3).open()
    _fill(buf, 30)
    while True:
        names = _segfiles(root)
        with open(root + "/" + names[0], "rb") as f:
            victim = f.read()
        before = buf.dropped
        buf.append(0, 1, 0, b'"m":1')
        if buf.dropped != before:
            break
    # power cut after the new file's meta record, before the victim was deleted
    with open(root + "/" + names[0], "wb") as f:
        f.write(victim)
    assert len(_segfiles(root)) == 4
    again = RingBuffer(root, 512, 3).open()
    assert again.dropped == buf.dropped
    assert again.pending() == buf.pending()
    assert len(_segfiles(root)) == 3
