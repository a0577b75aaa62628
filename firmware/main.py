"""Device entry: read /device.json, build the HAL, run the node role.

/device.json (written per device with mpremote, see firmware/README.md):
{"id": "...", "role": "sensor"|"valve"|"weather", "wifi": ["ssid", "pass"],
 "mqtt": {"host": "...", "port": 8883, "user": "...", "password": "...", "tls": true},
 "pins": {"probe": 34, "probe_pwr": 25, "ds18b20": 4, "bat": 35, "bat_ratio": 2.0,
          "valve": 26, "valve_close": -1, "flow": 27,
          "sht_sda": 21, "sht_scl": 22 | "dht22": 15, "rain": 33, "rain_mm": 0.2, "solar": 32},
 "wdt_ms": 60000}
"""
import gc
import json

import machine


def _cfg() -> dict:
    with open("/device.json") as f:
        return json.load(f)  # type: ignore[no-any-return]


def _weather(d: dict, pins: dict, clock: object, net: object, transport: object, rtcmem: object,
             bat: object, seed: int) -> object:
    from app.weather_node import WeatherNode
    from hal.weather import Dht22, Pyranometer, RainGauge, Sht3x

    air = Sht3x(pins["sht_sda"], pins["sht_scl"]) if "sht_sda" in pins else \
        (Dht22(pins["dht22"]) if "dht22" in pins else None)
    rain = RainGauge(pins["rain"]) if "rain" in pins else None
    solar = Pyranometer(pins["solar"]) if "solar" in pins else None
    return WeatherNode(d["id"], "/data", clock, net, transport, rtcmem, air, rain, bat, solar, seed,
                       pins.get("rain_mm", 0.2))


def main() -> None:
    d = _cfg()
    pins = d.get("pins", {})
    from hal.net import UmqttTransport, Wifi
    from hal.power import Power, RtcMemory
    from hal.sensors import Battery, Probe, Thermometer

    m = d["mqtt"]
    transport = UmqttTransport(d["id"], m["host"], m.get("port", 8883), m["user"], m["password"],
                               m.get("tls", True), m.get("ca"))
    net = Wifi(d["wifi"][0], d["wifi"][1])
    rtcmem = RtcMemory()
    woke = machine.reset_cause() == machine.DEEPSLEEP_RESET
    from hal.clock import Clock

    clock = Clock(rtcmem.carry_ms() if woke else 0)
    probe = Probe(pins["probe"], pins.get("probe_pwr", -1)) if "probe" in pins else None
    therm = Thermometer(pins["ds18b20"]) if "ds18b20" in pins else None
    seed = sum(d["id"].encode())
    gc.collect()
    if d.get("role") == "valve":
        from app.valve_node import ValveNode
        from hal.valve import FlowCounter, LatchingValve, RelayValve

        close_pin = pins.get("valve_close", -1)
        valve = LatchingValve(pins["valve"], close_pin) if close_pin >= 0 else RelayValve(pins["valve"])
        power = Power(d.get("wdt_ms", 60000))
        node = ValveNode(d["id"], "/data", clock, net, transport, valve, FlowCounter(pins["flow"]),
                         power, probe, therm, seed)
        gc.collect()
        node.run()
    else:
        power = Power(d.get("wdt_ms", 0))
        bat = Battery(pins["bat"], pins.get("bat_ratio", 2.0)) if "bat" in pins else None
        if d.get("role") == "weather":
            node = _weather(d, pins, clock, net, transport, rtcmem, bat, seed)
        else:
            from app.sensor_node import SensorNode

            node = SensorNode(d["id"], "/data", clock, net, transport, rtcmem, probe, therm, bat, seed)
        if not woke:
            rtcmem.write(b"")  # a power-on: RTC memory holds garbage
        for _ in node.steps():  # type: ignore[attr-defined]
            power.feed_watchdog()
            gc.collect()
        sleep = node.sleep_ms
        rtcmem.set_carry_ms(clock.ms() + sleep)
        power.deep_sleep(sleep)


try:
    import os

    try:
        os.mkdir("/data")
    except OSError:
        pass
    main()
except Exception as e:  # noqa: BLE001 - never sit in a crashed state in a field
    import sys

    sys.print_exception(e)  # type: ignore[attr-defined]
    import time

    time.sleep(10)
    machine.reset()
