"""Physically plausible machine-tool signals for the synthetic IDEKO data set.

A series is one machining cycle sampled at a fixed rate: a cutting profile (idle, then
passes at different depths) drives spindle speed, feed, spindle load, motor current and
vibration; temperature creeps up; supply voltage hums around its nominal value. Each
indicator has white sensor noise. Anomalies are added in signature units (a fifth of the
indicator's cutting swing, at least its noise), scaled by a strength set by the difficulty:

* mechanical: a low-frequency vibration burst (loose part, chatter onset) or a slow drift of
  load and vibration (bearing wear);
* electrical: short spikes in current and load (arcing, contactor bounce) or high-frequency
  interference on current and voltage (drive/EMI).

A day (machine/day conditions) applies its own gain and offset to every indicator, so series
from the same day share conditions that a random split leaks into the test set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# name, base level, amplitude driven by the cutting profile, sensor noise sigma
CHANNELS: tuple[tuple[str, float, float, float], ...] = (
    ("spindle_speed", 1000.0, 2000.0, 15.0),
    ("feed_rate", 200.0, 800.0, 10.0),
    ("spindle_load_kw", 1.0, 6.0, 0.15),
    ("motor_current", 3.0, 9.0, 0.25),
    ("vibration", 0.8, 1.5, 0.08),
    ("temperature", 25.0, 5.0, 0.05),
    ("voltage", 400.0, 0.0, 1.5),
)
LOAD, CURRENT, VIBRATION, VOLTAGE = 2, 3, 4, 6
KINDS = ("normal", "mechanical", "electrical")
STRENGTH = 10.0  # anomaly amplitude at difficulty 0, in signature units (see _unit)
FAINT = 0.3  # a faint anomaly / a healthy cycle's distractor, relative to the strength
OVERLAP = 0.4  # at difficulty 1, this share of series is faint or carries a distractor


@dataclass(frozen=True)
class DayConditions:
    """Per-indicator gain and offset (in noise units) shared by every series of one day."""

    gain: np.ndarray
    offset: np.ndarray


def channel_of(indicator: int) -> tuple[str, float, float, float]:
    """Indicator ``f{i+1}`` uses channel ``i``; beyond the seven, channels repeat."""
    return CHANNELS[indicator % len(CHANNELS)]


def day_conditions(rng: np.random.Generator, indicators: int) -> DayConditions:
    return DayConditions(
        gain=rng.normal(1.0, 0.04, size=indicators),
        offset=rng.normal(0.0, 2.0, size=indicators),
    )


def cutting_profile(rng: np.random.Generator, length: int) -> np.ndarray:
    """Piecewise-constant pass depths in [0, 1] with smooth ramps between passes."""
    passes = int(rng.integers(2, 5))
    cuts = np.sort(rng.choice(np.arange(1, length), size=passes, replace=False))
    levels = np.concatenate([[0.05], rng.uniform(0.3, 1.0, size=passes)])
    profile = levels[np.searchsorted(cuts, np.arange(length), side="right")]
    ramp = max(3, length // 40)
    kernel = np.ones(ramp) / ramp
    return np.convolve(np.pad(profile, (ramp, ramp), mode="edge"), kernel, "same")[ramp:-ramp]


def base_series(
    rng: np.random.Generator, length: int, indicators: int, day: DayConditions
) -> np.ndarray:
    """(time, indicators) values of a healthy cycle under ``day``'s conditions."""
    profile = cutting_profile(rng, length)
    time = np.linspace(0.0, 1.0, length)
    values = np.empty((length, indicators))
    for i in range(indicators):
        name, base, amplitude, noise = channel_of(i)
        shape = time if name == "temperature" else profile
        values[:, i] = base + amplitude * shape + rng.normal(0.0, noise, size=length)
        values[:, i] = values[:, i] * day.gain[i] + day.offset[i] * noise
    return values


def _unit(indicator: int) -> float:
    """Signature scale of an indicator: a fifth of its cutting swing, at least its noise."""
    _, _, amplitude, noise = channel_of(indicator)
    return max(0.2 * amplitude, noise)


def _add(
    values: np.ndarray, targets: list[tuple[int, float]], signature: np.ndarray, strength: float
) -> None:
    width = values.shape[1]
    for channel, weight in targets:
        for i in range(channel, width, len(CHANNELS)):
            values[:, i] += strength * weight * _unit(i) * signature


def add_mechanical(rng: np.random.Generator, values: np.ndarray, strength: float) -> None:
    """Low-frequency vibration burst (chatter, loose part) or slow drift (bearing wear)."""
    length = len(values)
    steps = np.arange(length)
    if rng.random() < 0.6:
        center = rng.uniform(0.3, 0.7) * length
        spread = rng.uniform(0.25, 0.5) * length
        envelope = np.exp(-0.5 * ((steps - center) / spread) ** 2)
        cycles_per_sample = rng.uniform(0.02, 0.06)
        signature = envelope * np.sin(2 * np.pi * cycles_per_sample * steps + rng.uniform(0, 6.3))
        _add(values, [(VIBRATION, 1.5), (LOAD, 0.6)], signature, strength)
        _add(values, [(VIBRATION, 0.5)], envelope, strength)  # the burst also lifts the RMS
    else:
        start = int(rng.uniform(0.0, 0.4) * length)
        signature = np.clip((steps - start) / max(1, length - start), 0.0, None)
        _add(values, [(VIBRATION, 1.5), (LOAD, 0.8), (CURRENT, 0.4)], signature, strength)


def add_electrical(rng: np.random.Generator, values: np.ndarray, strength: float) -> None:
    """Current/power spikes (arcing, contactor bounce) or high-frequency drive interference."""
    length = len(values)
    if rng.random() < 0.5:
        signature = np.zeros(length)
        count = int(rng.integers(max(3, length // 40), max(4, length // 15)))
        where = rng.integers(0, length - 1, size=count)
        heights = rng.uniform(1.0, 2.0, size=count) * rng.choice([-1.0, 1.0], size=count)
        signature[where] += heights
        signature[where + 1] += 0.5 * heights
        _add(values, [(CURRENT, 1.5), (LOAD, 0.8), (VOLTAGE, 1.0)], signature, strength)
    else:
        start = int(rng.uniform(0.0, 0.4) * length)
        stop = min(length, start + int(rng.uniform(0.6, 1.0) * length))
        span = np.arange(start, stop)
        signature = np.zeros(length)
        signature[span] = np.sin(2 * np.pi * rng.uniform(0.3, 0.45) * span)
        _add(values, [(CURRENT, 0.8), (VOLTAGE, 1.0), (LOAD, 0.3)], signature, strength)


def series_for(
    rng: np.random.Generator,
    kind: str,
    length: int,
    indicators: int,
    day: DayConditions,
    difficulty: float,
) -> np.ndarray:
    """One series of ``kind`` (normal | mechanical | electrical) at the given difficulty.

    ``difficulty`` in [0, 1] lowers the anomaly strength and raises class overlap: some
    anomalies are faint, and some healthy cycles carry a faint anomaly-like pattern.
    """
    values = base_series(rng, length, indicators, day)
    strength = STRENGTH * (1.0 - 0.85 * difficulty) * rng.uniform(0.7, 1.3)
    faint = FAINT * strength
    if kind == "normal":
        if rng.random() < OVERLAP * difficulty:
            adder = add_mechanical if rng.random() < 0.5 else add_electrical
            adder(rng, values, faint)
        return values
    if rng.random() < OVERLAP * difficulty:
        strength = faint
    (add_mechanical if kind == "mechanical" else add_electrical)(rng, values, strength)
    return values
