"""Chapter 3 speed target: 10,000 simulated 60-task ladders (the thread's simulation) in <= 1 s."""

from __future__ import annotations

import time

from scaling_report import noise, stats

N_LADDERS = 10_000
N_TASKS = noise.N_TASKS_THREAD
TARGET_SECONDS = 1.0


def _best_of(repeats: int, fn) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run() -> list[dict]:
    generator = stats.generator("bench: simulated ladders")
    seconds = _best_of(3, lambda: noise.simulate_r(N_LADDERS, N_TASKS, rho=0.3, sigma_sq=1.0, generator=generator))
    grid = _best_of(1, lambda: noise.simulation_band(noise.BAND_RATIOS, noise.BAND_RHOS, n_sims=2000))
    return [
        {
            "benchmark": "noise",
            "figure": f"{N_LADDERS:,} simulated {N_TASKS}-task ladders (r of successive gains)",
            "value": seconds,
            "unit": "s",
            "target": f"<= {TARGET_SECONDS:g} s",
        },
        {
            "benchmark": "noise",
            "figure": f"chapter 3 simulation band ({len(noise.BAND_RATIOS)} ratios x {len(noise.BAND_RHOS)} correlations x 2,000 ladders)",
            "value": grid,
            "unit": "s",
            "target": "",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
