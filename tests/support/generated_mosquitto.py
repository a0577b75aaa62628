"""A real Mosquitto running the broker files ``nongso mosquitto-config`` generates
(``nongso.conf`` with its device and service listeners), on free loopback ports."""

from __future__ import annotations

from pathlib import Path

from server.telemetry.mosquitto import render_conf
from tests.support.services import Mosquitto, free_port

__all__ = ["GeneratedMosquitto"]


class GeneratedMosquitto(Mosquitto):
    """``Mosquitto`` whose config is the generated one: devices on :attr:`port`
    (:attr:`url`), the ingest workers and controller on :attr:`service_port`
    (:meth:`service_url`). The files in ``conf_dir`` are re-read on SIGHUP (:meth:`reload`)."""

    def __init__(self, conf_dir: Path) -> None:
        super().__init__()
        self.conf_dir = conf_dir
        self.service_port = free_port()

    def service_url(self, user: str, password: str) -> str:
        return f"mqtt://{user}:{password}@127.0.0.1:{self.service_port}"

    def _conf(self) -> Path:
        text = render_conf(self.conf_dir, self.port, self.service_port, persistence_dir=None)
        text = text.replace(f"listener {self.port}\n", f"listener {self.port} 127.0.0.1\n")
        conf = self.dir / "mosquitto.conf"
        conf.write_text(text + "\n".join([
            f"persistence_location {self.dir}/", "log_dest stderr", "log_type error",
            "log_type warning", "log_type notice", "max_inflight_messages 0", "user root", ""]))
        return conf

    def reload(self) -> None:
        import signal

        assert self._proc is not None
        self._proc.send_signal(signal.SIGHUP)
