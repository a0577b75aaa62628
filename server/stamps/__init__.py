"""QR stamps: issuing, print files, the GS1 resolver, the consumer scan page (issue 8).

Serial signing and rendering live in the leaf library ``qr``; this package stores
batches and scans and serves them.
"""
