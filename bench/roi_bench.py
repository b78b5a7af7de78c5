"""ROI benchmarks: the Monte Carlo against bare NumPy, and one slider move on the ROI page."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.common import Row, median_time
from core import roi, sensitivity
from core.templates import sales_skills

ROOT = Path(__file__).resolve().parents[1]


def bare_numpy_monte_carlo(draws: int, seed: int) -> tuple[float, float, float, float]:
    """The sales template's Monte Carlo written out in NumPy with its numbers inlined (the floor). Each
    assumption draws from its own substream [seed, position in the assumption list], as the app does."""
    def pert(a: float, m: float, b: float, stream: int) -> np.ndarray:
        rng = np.random.default_rng([seed, stream])
        return a + (b - a) * rng.beta(1 + 4 * (m - a) / (b - a), 1 + 4 * (b - m) / (b - a), draws)

    # positions in roi.ASSUMPTIONS: effect 0, adoption 3, contribution_margin 4, monthly_decay 7 (attribution and
    # confidence are 100% with no range: a control group isolates the effect)
    effect = pert(500, 1_125, 1_700, 0)
    adoption = pert(0.6, 0.8, 0.95, 3)
    margin = pert(0.2, 0.25, 0.3, 4)
    decay = pert(0.0, 0.02, 0.08, 7)
    cost = 63_000 + (1_200 + 16 * 60) * 220  # the pilot's 220 treated reps
    horizon = np.where(decay > 0, (1 - (1 - decay) ** 12) / np.where(decay > 0, decay, 1), 12)
    benefit = 220 * adoption * 4 * margin * effect * horizon
    pct = (benefit - cost) / cost * 100
    p10, p50, p90 = np.percentile(pct, [10, 50, 90])
    np.histogram(pct, bins=40)
    return float(p10), float(p50), float(p90), float((pct > 0).mean())


def monte_carlo_row(draws: int = 100_000) -> Row:
    inputs = roi.inputs(sales_skills())

    def uncached() -> object:
        sensitivity.draws_for.cache_clear()  # time the full computation, not the per-assumption cache
        return sensitivity.monte_carlo(inputs, draws=draws)

    ours = median_time(uncached)
    base = median_time(lambda: bare_numpy_monte_carlo(draws, sensitivity.DEFAULT_SEED))
    ratio = ours / base
    return Row(f"Monte Carlo, {draws:,} draws, {len(inputs.ranges)} inputs (vs bare NumPy)", ours, base, "ms",
               "≤ 1.5×", ratio <= 1.5)


def slider_row() -> Row:
    """Server time of one slider move on the ROI page (AppTest; it reruns the whole page, an upper bound
    on the fragment-only rerun a browser triggers)."""
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PILOT_ROI_DB"] = str(Path(tmp) / "bench.db")
        from streamlit.testing.v1 import AppTest

        from core.store import Store

        plan, _ = Store(os.environ["PILOT_ROI_DB"]).create(sales_skills())
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params["plan"] = plan.id
        at.run()
        at.switch_page("views/roi.py").run()
        adoption = next(s for s in at.slider if s.label.startswith("Adoption"))
        values = iter([50 + (i % 40) for i in range(100)])

        def move() -> None:
            next(s for s in at.slider if s.label.startswith("Adoption")).set_value(next(values)).run()

        assert adoption is not None
        ours = median_time(move, repeat=15, warmup=2)
        if at.exception:
            raise RuntimeError(at.exception)
    return Row("ROI page: one slider move (AppTest rerun, median)", ours, None, "ms", "≤ 150 ms", ours <= 150)
