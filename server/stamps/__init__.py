"""QR stamps: issuing, print files, the GS1 resolver, the consumer scan page (issue 8).

Serial signing and rendering live in the leaf library ``qr``; this package stores
batches and scans and serves them. The consumer scan: :mod:`~server.stamps.gate` (is this
stamp genuine), :mod:`~server.stamps.lookup` (one read), :mod:`~server.stamps.pagecache`
(the page), :mod:`~server.stamps.scanlog` (write-behind counts, one per visitor and hour),
:mod:`~server.stamps.clone` (copy rules and their review), :mod:`~server.stamps.fastpath`
(ASGI), :mod:`~server.stamps.scanpage` (one scan), all wired by
:class:`~server.stamps.services.StampServices`; PINs in :mod:`~server.stamps.pins`.
"""
