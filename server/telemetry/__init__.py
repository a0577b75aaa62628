"""Telemetry: device registry and credentials, MQTT ingest, storage and queries (issue 4)."""
