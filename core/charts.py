"""Plotly figures as pure functions of results, so pages stay thin and figures can be tested.

Figures are written as plain Plotly specs and wrapped without Plotly's per-property validation
(`_validate=False`): validation costs ~10 ms a figure, too much for a slider that must answer at
once. Streamlit's own theme styles them. Tests check the specs.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

import plotly.graph_objects as go

from core.roi import RoiResult
from core.sensitivity import MonteCarlo, Swing

POSITIVE, NEGATIVE, NEUTRAL = "#1f6f8b", "#c0504d", "#8c8c8c"
MARGIN = {"l": 10, "r": 10, "t": 50, "b": 10}


def _figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> go.Figure:
    return go.Figure({"data": data, "layout": {"margin": MARGIN, "height": 340, **layout}}, _validate=False)


def _vline(x: float, text: str | None = None, *, color: str = NEUTRAL, dash: str = "dot") -> tuple[dict, list]:
    shape = {"type": "line", "x0": x, "x1": x, "y0": 0, "y1": 1, "yref": "paper",
             "line": {"color": color, "dash": dash, "width": 1.5}}
    notes = [] if text is None else [{"x": x, "y": 1, "yref": "paper", "text": text, "showarrow": False,
                                      "yanchor": "bottom", "font": {"size": 11}}]
    return shape, notes


def tornado(swings: Sequence[Swing], base_roi: float, *, title: str = "What moves the ROI most") -> go.Figure:
    """Horizontal bars from the ROI at each assumption's low to its high end, widest on top."""
    ordered = list(reversed(swings))
    labels = [s.label for s in ordered]
    data = []
    for end, color in (("low", NEGATIVE), ("high", POSITIVE)):
        rois = [s.roi_at_low if end == "low" else s.roi_at_high for s in ordered]
        data.append({
            "type": "bar", "orientation": "h", "y": labels, "x": [r - base_roi for r in rois], "base": base_roi,
            "name": f"assumption at its {end} value", "marker": {"color": color},
            "customdata": [[s.low if end == "low" else s.high, r] for s, r in zip(ordered, rois, strict=True)],
            "hovertemplate": "%{y} = %{customdata[0]:,.3~g}<br>ROI %{customdata[1]:,.0f}%<extra></extra>",
        })
    shape, notes = _vline(base_roi, f"expected {base_roi:,.0f}%")
    return _figure(data, {"title": {"text": title}, "barmode": "overlay", "xaxis": {"title": {"text": "ROI %"}},
                          "shapes": [shape], "annotations": notes, "legend": {"orientation": "h", "y": -0.2}})


def waterfall(result: RoiResult, *, title: str = "From costs to net benefit") -> go.Figure:
    costs = [(name, -amount) for name, amount in result.cost_breakdown.items() if amount]
    data = [{
        "type": "waterfall", "orientation": "v",
        "x": ["Benefits"] + [name for name, _ in costs] + ["Net benefit"],
        "y": [result.total_benefit] + [value for _, value in costs] + [0],
        "measure": ["relative"] * (1 + len(costs)) + ["total"],
        "increasing": {"marker": {"color": POSITIVE}}, "decreasing": {"marker": {"color": NEGATIVE}},
        "totals": {"marker": {"color": NEUTRAL}}, "hovertemplate": "%{x}: $%{y:,.0f}<extra></extra>",
    }]
    return _figure(data, {"title": {"text": title}, "yaxis": {"title": {"text": "$"}}, "showlegend": False})


def distribution(mc: MonteCarlo, *, title: str = "Range of ROI (Monte Carlo)") -> go.Figure:
    """Histogram of simulated ROI % with P10 / P50 / P90 marked."""
    mids = [(a + b) / 2 for a, b in zip(mc.edges[:-1], mc.edges[1:], strict=True)]
    data = [{
        "type": "bar", "x": mids, "y": [c / mc.draws for c in mc.counts],
        "width": mc.edges[1] - mc.edges[0], "marker": {"color": [POSITIVE if m >= 0 else NEGATIVE for m in mids]},
        "hovertemplate": "ROI ≈ %{x:.0f}%: %{y:.1%} of draws<extra></extra>",
    }]
    shapes, notes = [], []
    for name, value in (("P10", mc.p10), ("P50", mc.p50), ("P90", mc.p90)):
        shape, note = _vline(value, f"{name} {value:,.0f}%", color="black", dash="dash")
        shapes.append(shape)
        notes += note
    return _figure(data, {"title": {"text": title}, "xaxis": {"title": {"text": "ROI %"}},
                          "yaxis": {"title": {"text": "share of draws"}, "tickformat": ".0%"},
                          "shapes": shapes, "annotations": notes, "showlegend": False, "bargap": 0})


def payback(result: RoiResult, *, title: str = "Cumulative benefit against cost") -> go.Figure:
    months = list(range(len(result.monthly_benefits) + 1))
    cumulative = [0.0]
    for benefit in result.monthly_benefits:
        cumulative.append(cumulative[-1] + benefit)
    data = [
        {"type": "scatter", "mode": "lines", "x": months, "y": cumulative, "name": "Cumulative benefit",
         "line": {"color": POSITIVE}, "hovertemplate": "month %{x}: $%{y:,.0f}<extra></extra>"},
        {"type": "scatter", "mode": "lines", "x": months, "y": [result.total_cost] * len(months),
         "name": "Total cost", "line": {"color": NEGATIVE, "dash": "dash"},
         "hovertemplate": "cost $%{y:,.0f}<extra></extra>"},
    ]
    shapes, notes = [], []
    if result.payback_months is not None:
        shape, notes = _vline(result.payback_months, f"payback {result.payback_months:.1f} months")
        shapes = [shape]
    return _figure(data, {"title": {"text": title}, "xaxis": {"title": {"text": "months after the program"}},
                          "yaxis": {"title": {"text": "$"}}, "shapes": shapes, "annotations": notes,
                          "legend": {"orientation": "h", "y": -0.2}})


def power_curve(ns: Sequence[float], powers: Sequence[float], *, planned: float | None, target: float,
                title: str = "Power against people per arm", x_title: str = "people per arm (treated)",
                marks: Sequence[tuple[float, str]] = ()) -> go.Figure:
    """Power against n (or against the effect), the target power dotted, the planned point marked."""
    data = [{"type": "scatter", "mode": "lines", "x": list(ns), "y": list(powers), "name": "power",
             "line": {"color": POSITIVE}, "hovertemplate": "%{x:,.4~g}: power %{y:.0%}<extra></extra>"}]
    shapes = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": target, "y1": target,
               "line": {"color": NEUTRAL, "dash": "dot"}}]
    notes: list = []
    for x, label in ([(planned, f"planned {planned:,.4g}")] if planned else []) + list(marks):
        shape, note = _vline(x, label)
        shapes.append(shape)
        notes += note
    return _figure(data, {"title": {"text": title}, "xaxis": {"title": {"text": x_title}},
                          "yaxis": {"title": {"text": "power"}, "tickformat": ".0%", "range": [0, 1.02]},
                          "shapes": shapes, "annotations": notes, "showlegend": False})


def timeline(phases: Sequence[tuple[str, Any, Any]], *, title: str = "Pilot timeline") -> go.Figure:
    colors = [NEUTRAL, POSITIVE, "#e0a030"]
    data = [{"type": "bar", "orientation": "h", "y": [name], "x": [(end - start).days * 86_400_000],
             "base": [start.isoformat()], "name": name, "marker": {"color": colors[i % 3]},
             "hovertemplate": f"{name}: {start.isoformat()} → {end.isoformat()}<extra></extra>"}
            for i, (name, start, end) in enumerate(phases)]
    return _figure(data, {"title": {"text": title}, "xaxis": {"type": "date"}, "height": 220, "showlegend": False,
                          "yaxis": {"autorange": "reversed"}})


def association(found: Any, x_label: str, y_label: str) -> go.Figure:
    """Scatter of a learning measure against a business KPI, per person, with r and its CI in the title. The KPI
    names are user text: escaped, since Plotly renders <a>, <b> and <br> in titles and hover text."""
    x_label, y_label = escape(x_label), escape(y_label)
    data = [{"type": "scattergl", "mode": "markers", "x": found.x, "y": found.y,
             "marker": {"color": POSITIVE, "opacity": 0.5, "size": 5},
             "hovertemplate": f"{x_label} %{{x:,.3~g}}<br>{y_label} %{{y:,.3~g}}<extra></extra>"}]
    title = (f"{x_label} and {y_label}: r = {found.r:.2f} (95% CI {found.ci[0]:.2f} to {found.ci[1]:.2f}), "
             f"n = {found.n:,}; association, not effect")
    return _figure(data, {"title": {"text": title, "font": {"size": 13}}, "xaxis": {"title": {"text": x_label}},
                          "yaxis": {"title": {"text": y_label}}, "showlegend": False})


def group_means(means: Any, start: Any, *, y_title: str, title: str = "The KPI by month, treated and control"
                ) -> go.Figure:
    """Mean of the KPI per month for each arm (a frame with period, arm, mean), the pilot's start marked."""
    data = []
    for arm, color in (("treatment", POSITIVE), ("control", NEUTRAL)):
        rows = means[means["arm"] == arm]
        data.append({"type": "scatter", "mode": "lines+markers", "name": arm,
                     "x": [p.isoformat() for p in rows["period"].dt.date], "y": rows["mean"].tolist(),
                     "line": {"color": color}, "hovertemplate": f"{arm}: %{{y:,.4~g}}<extra></extra>"})
    shape, notes = _vline(start.isoformat(), "pilot starts", color=NEGATIVE)
    return _figure(data, {"title": {"text": title}, "xaxis": {"type": "date", "dtick": "M1", "tickformat": "%b %Y"},
                          "yaxis": {"title": {"text": y_title}, "tickformat": ",~r"},
                          "shapes": [shape], "annotations": notes, "legend": {"orientation": "h"}})


def event_study(table: Any, *, y_title: str, title: str = "Effect by months since a wave started") -> go.Figure:
    """ATT by event time with 95% bars (a frame with event_time, att, se); 0 = the wave's first month."""
    data = [{"type": "scatter", "mode": "markers", "x": table["event_time"].tolist(), "y": table["att"].tolist(),
             "marker": {"color": POSITIVE, "size": 9},
             "error_y": {"type": "data", "array": (1.96 * table["se"]).tolist(), "visible": True},
             "hovertemplate": "event time %{x}: %{y:,.4~g}<extra></extra>"}]
    shape, notes = _vline(-0.5, "wave starts", color=NEGATIVE)
    zero = {"type": "line", "x0": 0, "x1": 1, "xref": "paper", "y0": 0, "y1": 0, "line": {"color": NEUTRAL}}
    return _figure(data, {"title": {"text": title}, "xaxis": {"title": {"text": "periods since the wave started"}},
                          "yaxis": {"title": {"text": y_title}}, "shapes": [shape, zero], "annotations": notes,
                          "showlegend": False})


def site_and_twin(trajectory: Any, start: Any, *, site: str, y_title: str,
                  title: str = "The piloted site against its synthetic twin") -> go.Figure:
    """The piloted site's monthly KPI and its synthetic twin's (a frame with period, treated, synthetic, from
    core.synthetic), the pilot's start marked: the gap after the start is the effect, the fit before it the
    evidence that the twin is a fair comparison."""
    x = [p.strftime("%Y-%m-%d") for p in trajectory["period"]]  # months (step 5 analyses monthly means)
    data = [{"type": "scatter", "mode": "lines+markers", "name": escape(site), "x": x,
             "y": trajectory["treated"].tolist(), "line": {"color": POSITIVE},
             "hovertemplate": "piloted site: %{y:,.4~g}<extra></extra>"},
            {"type": "scatter", "mode": "lines", "name": "synthetic twin", "x": x,
             "y": trajectory["synthetic"].tolist(), "line": {"color": NEUTRAL, "dash": "dash"},
             "hovertemplate": "synthetic twin: %{y:,.4~g}<extra></extra>"}]
    shape, notes = _vline(start.isoformat(), "pilot starts", color=NEGATIVE)
    return _figure(data, {"title": {"text": title}, "xaxis": {"type": "date", "tickformat": "%b %Y"},
                          "yaxis": {"title": {"text": y_title}, "tickformat": ",~r"},
                          "shapes": [shape], "annotations": notes, "legend": {"orientation": "h"}})


DECISION_COLOURS = {"expand": POSITIVE, "not yet clear": "#d49a00", "run the pilot": NEUTRAL, "rethink": NEGATIVE}


def portfolio(frame: Any, *, title: str = "ROI range of each plan (P10 to P90, dot at the median)") -> go.Figure:
    """One horizontal line per plan from P10 to P90 of ROI with a dot at P50, coloured by the decision
    (core/portfolio.py's table, best ranked on top)."""
    ranged = frame[frame["P50"].notna()].iloc[::-1]
    data = []
    for kind, colour in DECISION_COLOURS.items():
        rows = ranged[ranged["decision"] == kind]
        if rows.empty:
            continue
        names = [escape(str(n)) for n in rows["plan"]]
        data.append({
            "type": "scatter", "mode": "markers", "name": kind, "y": names, "x": list(rows["P50"] * 100),
            "marker": {"color": colour, "size": 11},
            "error_x": {"type": "data", "symmetric": False, "color": colour, "thickness": 3, "width": 0,
                        "array": list((rows["P90"] - rows["P50"]) * 100),
                        "arrayminus": list((rows["P50"] - rows["P10"]) * 100)},
            "customdata": [[p10 * 100, p90 * 100, chance] for p10, p90, chance in
                           zip(rows["P10"], rows["P90"], rows["P(ROI > 0)"], strict=True)],
            "hovertemplate": "%{y}<br>median ROI %{x:,.0f}%<br>P10 %{customdata[0]:,.0f}% to P90 "
                             "%{customdata[1]:,.0f}%<br>P(ROI > 0) %{customdata[2]:.0%}<extra></extra>",
        })
    shape, notes = _vline(0, "break-even", color=NEGATIVE)
    order = [escape(str(n)) for n in ranged["plan"]]  # bottom to top: the best ranked plan on top
    return _figure(data, {"title": {"text": escape(title)}, "xaxis": {"title": {"text": "ROI %"}},
                          "yaxis": {"categoryorder": "array", "categoryarray": order},
                          "height": max(240, 60 + 40 * len(ranged)), "shapes": [shape], "annotations": notes,
                          "legend": {"orientation": "h", "y": -0.25}})


def scenarios(found: Sequence[Any], mc: MonteCarlo | None, *, title: str = "ROI of each scenario") -> go.Figure:
    """One horizontal bar per scenario (core/sensitivity.compare), with the Monte Carlo's P10–P90 band behind
    them; names on the side, so long ones are never cut or turned."""
    names = [escape(s.name) for s in found][::-1]
    rois = [s.roi_pct for s in found][::-1]
    data = [{
        "type": "bar", "orientation": "h", "y": names, "x": rois, "showlegend": False,
        "marker": {"color": [POSITIVE if r >= 0 else NEGATIVE for r in rois]},
        "text": [f"{r:,.0f}%" for r in rois], "textposition": "auto",
        "customdata": [[escape(s.where)] for s in found][::-1],
        "hovertemplate": "%{y}: ROI %{x:,.0f}% (%{customdata[0]} of the Monte Carlo)<extra></extra>",
    }]
    shapes, notes = [], []
    if mc is not None:
        shapes.append({"type": "rect", "yref": "paper", "y0": 0, "y1": 1, "x0": mc.p10, "x1": mc.p90,
                       "fillcolor": NEUTRAL, "opacity": 0.15, "line": {"width": 0}, "layer": "below"})
        notes.append({"yref": "paper", "y": 1, "x": (mc.p10 + mc.p90) / 2, "text": "P10–P90 of the Monte Carlo",
                      "showarrow": False, "yanchor": "bottom", "font": {"size": 11}})
    return _figure(data, {"title": {"text": escape(title)}, "xaxis": {"title": {"text": "ROI %"}},
                          "yaxis": {"automargin": True}, "height": max(240, 90 + 45 * len(found)),
                          "shapes": shapes, "annotations": notes})
