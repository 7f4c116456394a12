"""Plots for the HTML report, as inline SVG strings.

matplotlib is imported here, lazily, and only through its object API (``Figure``): no pyplot, so
no GUI backend, no global state, and nothing for ``import frontdesk.eval`` to pay for.
"""

from __future__ import annotations

import io
import math
import re

from frontdesk.eval.sequential import CurvePoint
from frontdesk.eval.stats import KRow


def _svg(fig: object) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "frontdesk"}):  # stable ids: the same run gives the same bytes
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})  # type: ignore[attr-defined]
    # Inside an HTML page: no XML prolog or doctype, and no RDF metadata block (creator, format).
    svg = re.sub(r"^.*?(?=<svg)", "", buffer.getvalue(), count=1, flags=re.DOTALL)
    return re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)


def curves_coincide(rows: list[KRow]) -> bool:
    """pass^k equals pass@k at every k shown: each task either always or never succeeded."""
    shown = [r for r in rows if r.pass_hat_k is not None and r.pass_at_k is not None]
    return bool(shown) and all(math.isclose(r.pass_hat_k, r.pass_at_k) for r in shown)  # type: ignore[arg-type]


def pass_k_curve(rows: list[KRow]) -> str:
    """pass^k (with its 95% band) and pass@k against k. Text is drawn as paths: no fonts needed.

    The two lines often coincide (at k = 1 always; at every k when no task flipped), so they are
    drawn to stay apart even then: pass@k as a thick dashed line with large hollow squares,
    pass^k on top as a thin solid line with small filled circles, and the legend says so.
    """
    from matplotlib.figure import Figure

    shown = [r for r in rows if r.pass_hat_k is not None]
    same = curves_coincide(rows)
    fig = Figure(figsize=(6.0, 3.4))
    ax = fig.add_subplot()
    ks = [r.k for r in shown]
    banded = [r for r in shown if r.pass_hat_k_ci is not None]
    if banded:
        ax.fill_between(
            [r.k for r in banded],
            [r.pass_hat_k_ci[0] for r in banded],  # type: ignore[index]
            [r.pass_hat_k_ci[1] for r in banded],  # type: ignore[index]
            color="#1f6feb",
            alpha=0.15,
            label="pass^k 95% CI",
            zorder=1,
        )
    ax.plot(
        ks, [r.pass_at_k for r in shown], marker="s", markersize=10, markerfacecolor="none", markeredgewidth=1.5,
        linestyle="--", linewidth=3, color="#8250df", label="pass@k (= pass^k at every k)" if same else "pass@k",
        zorder=2, gid="pass-at-k",
    )  # fmt: skip
    ax.plot(
        ks, [r.pass_hat_k for r in shown], marker="o", markersize=4.5, linewidth=1.5, color="#1f6feb",
        label="pass^k", zorder=3, gid="pass-hat-k",
    )  # fmt: skip
    ax.set_xlabel("k (trials that must all succeed / may succeed once)")
    ax.set_ylabel("share of tasks")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xticks([r.k for r in rows] or [1])
    ax.grid(alpha=0.3)
    # Below the axes: inside, it would sit on the points, which crowd the top when an agent is good.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=8, frameon=False)
    return _svg(fig)


def learning_curve(points: list[CurvePoint]) -> str:
    """Success by position in the queue, with its 95% band over queues: does the agent get better
    (or worse) as it serves more customers?"""
    from matplotlib.figure import Figure

    shown = [p for p in points if p.success is not None]
    fig = Figure(figsize=(6.0, 3.2))
    ax = fig.add_subplot()
    x = [(p.first + p.last) / 2 for p in shown]
    banded = [(xi, p) for xi, p in zip(x, shown, strict=True) if p.ci is not None]
    if banded:
        ax.fill_between(
            [xi for xi, _ in banded], [p.ci[0] for _, p in banded], [p.ci[1] for _, p in banded],  # type: ignore[index]
            color="#1f6feb", alpha=0.15, label="95% CI over queues", zorder=1,
        )  # fmt: skip
    ax.plot(
        x, [p.success for p in shown], marker="o", markersize=4.5, linewidth=1.5, color="#1f6feb",
        label="success", zorder=2, gid="learning-curve",
    )  # fmt: skip
    ax.set_xlabel("position in the queue (customers served before, + 1)")
    ax.set_ylabel("share of customers served")
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, fontsize=8, frameon=False)
    return _svg(fig)
