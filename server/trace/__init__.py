"""Traceability: products, places, lots, EPCIS events, farm diary, certificates (issue 7)."""
