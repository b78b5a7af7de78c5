"""Static chart images (PNG) for the PDF summary, drawn with matplotlib's non-interactive Agg backend.

The app's interactive charts are Plotly (core/charts.py); a PDF needs pictures, and matplotlib draws them
without a browser. Labels are user text only where the plan supplies them, and matplotlib's mathtext is
switched off for them (a "$" in a label stays a dollar sign).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from core.sensitivity import MonteCarlo, Swing
from core.words import chance

BLUE, RED, GREY = "#2e6bd1", "#c8453a", "#666666"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 8, "axes.spines.top": False, "axes.spines.right": False,
                         "text.parse_math": False, "text.usetex": False})
    return plt


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=200, bbox_inches="tight")
    _pyplot().close(fig)
    return buffer.getvalue()


def roi_range(mc: MonteCarlo) -> bytes:
    """The Monte Carlo histogram of ROI with P10, P50 and P90 marked and losses in red."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.2, 2.2))
    lefts, widths = mc.edges[:-1], [hi - lo for lo, hi in zip(mc.edges[:-1], mc.edges[1:], strict=True)]
    colours = [RED if hi <= 0 else BLUE for hi in mc.edges[1:]]
    ax.bar(lefts, [c / mc.draws for c in mc.counts], width=widths, align="edge", color=colours, linewidth=0)
    top = ax.get_ylim()[1]
    for value, label, height in ((mc.p10, "P10", 1.0), (mc.p50, "P50", 1.09), (mc.p90, "P90", 1.0)):
        ax.axvline(value, color=GREY, linestyle=":", linewidth=1)
        ax.annotate(f"{label} {value:,.0f}%", (value, top * height), fontsize=7, ha="center", va="bottom",
                    color=GREY, annotation_clip=False)
    ax.set_xlabel("ROI %")
    ax.set_ylabel("Share of draws")
    ax.set_title(f"Range of ROI: {chance(mc.prob_positive)} chance of a gain", fontsize=9, pad=22)
    return _png(fig)


def tornado(swings: Sequence[Swing], base_roi: float, *, most: int = 6) -> bytes:
    """One bar per assumption from the ROI at its low end to the ROI at its high end, widest on top."""
    plt = _pyplot()
    shown = list(swings[:most])[::-1]
    fig, ax = plt.subplots(figsize=(4.2, 0.45 * len(shown) + 0.8))
    for i, s in enumerate(shown):
        low, high = sorted((s.roi_at_low, s.roi_at_high))
        ax.barh(i, high - low, left=low, color=BLUE, height=0.6)
    ax.set_yticks(range(len(shown)), [s.label for s in shown])
    ax.axvline(base_roi, color=GREY, linestyle=":", linewidth=1)
    ax.axvline(0, color=RED, linewidth=0.8)
    ax.set_xlabel("ROI % with the assumption at its low or high end (the others as set)")
    ax.set_title("What moves the ROI most", fontsize=9)
    return _png(fig)
