"""The pure decision function as a table: one row per rule of the irrigation controller.

No database, no broker, no clock: settings, moisture, leases, water used, window and rain in;
a decision out (issue 14.1)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from server.irrigation.decide import (
    Decision,
    Lease,
    ZoneSettings,
    accrue_deficit,
    decide,
    manual_in_charge,
)

BASE = ZoneSettings(mode="threshold", on_pct=40.0, off_pct=55.0, max_litres_day=2000.0,
                    max_run_s=2700, lease_s=600, flow_lpm=20.0, rain_skip_mm=5.0,
                    deficit_mm=0.0, deficit_trigger_mm=10.0, area_m2=1000.0)
ET = dataclasses.replace(BASE, mode="et", max_run_s=3600)
AUTO = Lease("auto", remaining_s=500.0, run_s=100.0)  # accepted, plenty left
AUTO_ENDING = Lease("auto", remaining_s=150.0, run_s=450.0)  # < lease_s/3 left
AUTO_WAITING = Lease("auto", remaining_s=None, run_s=0.0)  # queued / sent, not yet accepted
MANUAL = Lease("manual", remaining_s=1000.0, run_s=200.0)


def s(base: ZoneSettings = BASE, **kw: Any) -> ZoneSettings:
    return dataclasses.replace(base, **kw)


# (id, settings, moisture, leases, water used, window open, rain) → (action, why, dur_s)
ROWS: list[tuple[str, ZoneSettings, float | None, tuple[Lease, ...], float, bool,
                 float | None, tuple[str, str, int | None]]] = [
    # threshold mode, nothing running
    ("dry_opens_for_a_lease", BASE, 39.5, (), 0.0, True, None, ("open", "lower_threshold", 600)),
    ("moist_enough_waits", BASE, 45.0, (), 0.0, True, None, ("none", "moist_enough", None)),
    ("at_lower_threshold_waits", BASE, 40.0, (), 0.0, True, None,
     ("none", "moist_enough", None)),
    ("no_reading_never_opens", BASE, None, (), 0.0, True, None, ("none", "no_reading", None)),
    ("dry_outside_window_skips", BASE, 30.0, (), 0.0, False, None,
     ("skip", "outside_window", None)),
    ("daily_cap_reached_skips", BASE, 30.0, (), 1990.0, True, None, ("skip", "daily_cap", None)),
    ("cap_nearly_reached_shortens_the_lease", s(max_litres_day=150.0), 30.0, (), 0.0, True, None,
     ("open", "lower_threshold", 450)),
    ("little_budget_left_gives_a_short_lease", s(max_litres_day=39.0), 30.0, (), 0.0, True, None,
     ("open", "lower_threshold", 117)),
    ("rain_forecast_skips", BASE, 30.0, (), 0.0, True, 12.0, ("skip", "rain", None)),
    ("rain_at_threshold_skips", BASE, 30.0, (), 0.0, True, 5.0, ("skip", "rain", None)),
    ("light_rain_still_waters", BASE, 30.0, (), 0.0, True, 1.0, ("open", "lower_threshold", 600)),
    ("window_checked_before_rain", BASE, 30.0, (), 0.0, False, 12.0,
     ("skip", "outside_window", None)),
    ("max_run_shorter_than_lease", s(max_run_s=300), 30.0, (), 0.0, True, None,
     ("open", "lower_threshold", 300)),
    ("mode_off_does_nothing", s(mode="off"), 10.0, (), 0.0, True, None, ("none", "off", None)),
    # threshold mode, a lease running: hysteresis and stops
    ("wet_closes_at_upper", BASE, 55.2, (AUTO,), 0.0, True, None,
     ("close", "upper_threshold", None)),
    ("hysteresis_keeps_running_below_upper", BASE, 54.9, (AUTO,), 0.0, True, None,
     ("none", "running", None)),
    ("window_closing_closes", BASE, 30.0, (AUTO,), 0.0, False, None,
     ("close", "window_closed", None)),
    ("cap_spent_closes", BASE, 30.0, (AUTO,), 2000.0, True, None, ("close", "daily_cap", None)),
    ("lost_readings_close", BASE, None, (AUTO,), 0.0, True, None, ("close", "no_reading", None)),
    ("upper_checked_before_window", BASE, 60.0, (AUTO,), 0.0, False, None,
     ("close", "upper_threshold", None)),
    ("ending_lease_extended_below_upper", BASE, 45.0, (AUTO_ENDING,), 0.0, True, None,
     ("extend", "below_upper", 600)),
    ("extension_never_past_max_run", s(max_run_s=900), 45.0, (AUTO_ENDING,), 0.0, True, None,
     ("extend", "below_upper", 450)),
    ("no_extension_under_a_minute", s(max_run_s=500), 45.0, (AUTO_ENDING,), 0.0, True, None,
     ("none", "running", None)),
    ("no_extension_at_max_run", s(max_run_s=450), 45.0, (AUTO_ENDING,), 0.0, True, None,
     ("none", "running", None)),
    ("not_yet_accepted_lease_is_left_alone", BASE, 45.0, (AUTO_WAITING,), 0.0, True, None,
     ("none", "running", None)),
    ("rain_does_not_stop_a_running_lease", BASE, 45.0, (AUTO,), 0.0, True, 50.0,
     ("none", "running", None)),
    # a manual run is in charge: nothing automatic, not even a close
    ("manual_run_in_charge_when_wet", BASE, 90.0, (MANUAL,), 0.0, False, None,
     ("none", "manual_in_charge", None)),
    ("manual_with_auto_in_charge", BASE, 90.0, (AUTO, MANUAL), 0.0, True, None,
     ("none", "manual_in_charge", None)),
    # ET mode (FAO-56): water the deficit
    ("et_below_trigger_waits", s(ET, deficit_mm=9.9), 30.0, (), 0.0, True, None,
     ("none", "deficit_below_trigger", None)),
    ("et_deficit_opens_capped_by_max_run", s(ET, deficit_mm=10.0), 50.0, (), 0.0, True, None,
     ("open", "et_deficit", 3600)),
    ("et_small_zone_waters_its_deficit", s(ET, deficit_mm=10.0, area_m2=20.0), None, (), 0.0,
     True, None, ("open", "et_deficit", 600)),
    ("et_outside_window_skips", s(ET, deficit_mm=12.0), 50.0, (), 0.0, False, None,
     ("skip", "outside_window", None)),
    ("et_rain_skips", s(ET, deficit_mm=12.0), 50.0, (), 0.0, True, 8.0, ("skip", "rain", None)),
    ("et_ignores_moisture_while_running", s(ET, deficit_mm=12.0), 90.0, (AUTO_ENDING,), 0.0,
     True, None, ("none", "running", None)),
    ("et_no_reading_keeps_running", s(ET), None, (AUTO,), 0.0, True, None,
     ("none", "running", None)),
]


@pytest.mark.parametrize(("settings", "moisture", "leases", "used", "window", "rain", "want"),
                         [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_decide_table(settings: ZoneSettings, moisture: float | None, leases: tuple[Lease, ...],
                      used: float, window: bool, rain: float | None,
                      want: tuple[str, str, int | None]) -> None:
    d = decide(settings, moisture, leases, used, window, rain)
    assert (d.action, d.why, d.dur_s) == want
    assert d.moisture == moisture


def test_less_than_a_minute_of_budget_left_opens_nothing() -> None:
    # 15 L left at 20 L/min: cap check passes only with ≥ one minute of flow
    assert decide(s(max_litres_day=30.0), 30.0, (), 15.0, True, None).why == "daily_cap"
    # enough for the cap check, but the resulting run is under a minute
    d = decide(s(flow_lpm=20.0, lease_s=600, max_run_s=59), 30.0, (), 0.0, True, None)
    assert (d.action, d.why) == ("none", "too_short")


def test_et_open_says_the_deficit_left() -> None:
    d = decide(s(ET, deficit_mm=10.0), 50.0, (), 0.0, True, None)
    # 3600 s at 20 L/min = 1200 L over 1000 m² = 1.2 mm
    assert d.deficit_mm == pytest.approx(8.8)
    assert decide(BASE, 30.0, (), 0.0, True, None).deficit_mm is None


def test_decision_notes_keep_the_controller_log_shape() -> None:
    assert decide(BASE, 30.0, (), 1990.0, True, None).note() == {
        "action": "skip", "why": "daily_cap", "moisture": 30.0, "used_l": 1990.0}
    assert decide(BASE, 30.0, (), 0.0, True, 9.0).note() == {
        "action": "skip", "why": "rain", "moisture": 30.0, "rain_mm": 9.0}
    assert decide(BASE, 30.0, (), 0.0, True, None).note() == {
        "action": "open", "why": "lower_threshold", "moisture": 30.0, "dur_s": 600}


def test_inputs_and_decisions_are_frozen_and_slotted() -> None:
    for obj in (BASE, AUTO, Decision("none", "off")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, dataclasses.fields(obj)[0].name, "x")
        assert not hasattr(obj, "__dict__")


def test_manual_in_charge_and_deficit_accrual() -> None:
    assert manual_in_charge((AUTO, MANUAL)) and not manual_in_charge((AUTO,))
    assert not manual_in_charge(())
    assert accrue_deficit(2.0, 1.5, 4.0, 1.05, 1.0) == pytest.approx(2.0 + 6.3 - 1.0)
    assert accrue_deficit(1.0, 0.1, 4.0, 1.0, 30.0) == 0.0
