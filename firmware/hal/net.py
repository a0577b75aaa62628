"""Wi-Fi and the umqtt.simple transport (install: mpremote mip install umqtt.simple)."""
import time

import network


class Wifi:
    def __init__(self, ssid: str, password: str) -> None:
        self.ssid = ssid
        self.password = password
        self.wlan = network.WLAN(network.STA_IF)

    def connect(self, timeout_ms: int) -> bool:
        w = self.wlan
        w.active(True)
        if w.isconnected():
            return True
        try:
            w.connect(self.ssid, self.password)
        except OSError:
            return False
        t0 = time.ticks_ms()
        while not w.isconnected():
            if time.ticks_diff(time.ticks_ms(), t0) >= timeout_ms:
                return False
            time.sleep_ms(50)
        return True

    def isconnected(self) -> bool:
        return bool(self.wlan.isconnected())

    def off(self) -> None:
        self.wlan.active(False)

    def rssi(self) -> int:
        try:
            return int(self.wlan.status("rssi"))
        except Exception:  # noqa: BLE001
            return 0


class UmqttTransport:
    """iface.Transport over umqtt.simple; per-device user/password; TLS when ``tls``."""

    def __init__(self, client_id: str, host: str, port: int, user: str, password: str,
                 tls: bool = False, ca: object = None) -> None:
        from umqtt.simple import MQTTClient

        ssl = None  # type: object
        if tls:
            import ssl as _ssl

            ctx = _ssl.SSLContext(_ssl.PROTOCOL_TLS_CLIENT)
            if ca:
                ctx.load_verify_locations(cadata=ca)  # type: ignore[arg-type]
            ssl = ctx
        self.c = MQTTClient(client_id, host, port, user, password, 60, ssl=ssl)  # type: ignore[arg-type]

    def connect(self, will_topic: str, will_payload: bytes, keepalive_s: int) -> None:
        self.c.keepalive = keepalive_s
        self.c.set_last_will(will_topic, will_payload, True, 1)
        self.c.connect(False)

    def disconnect(self) -> None:
        try:
            self.c.disconnect()
        except Exception:  # noqa: BLE001 - socket may be gone already
            pass

    def publish(self, topic: str, payload: bytes, retain: bool, qos: int) -> None:
        self.c.publish(topic, payload, retain, qos)  # qos 1 waits for PUBACK

    def subscribe(self, topic: str, qos: int) -> None:
        self.c.subscribe(topic, qos)

    def set_callback(self, cb: object) -> None:
        self.c.set_callback(cb)  # type: ignore[arg-type]

    def check_msg(self) -> None:
        self.c.check_msg()

    def ping(self) -> None:
        self.c.ping()
