"""Plots for the HTML report, as inline SVG strings.

matplotlib is imported here, lazily, and only through its object API (``Figure``): no pyplot, so
no GUI backend, no global state, and nothing for ``import frontdesk.eval`` to pay for.
"""

from __future__ import annotations

import io
import re

from frontdesk.eval.stats import KRow


def _svg(fig: object) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "frontdesk"}):  # stable ids: the same run gives the same bytes
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})  # type: ignore[attr-defined]
    # Inside an HTML page: no XML prolog or doctype, and no RDF metadata block (creator, format).
    svg = re.sub(r"^.*?(?=<svg)", "", buffer.getvalue(), count=1, flags=re.DOTALL)
    return re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)


def pass_k_curve(rows: list[KRow]) -> str:
    """pass^k (with its 95% band) and pass@k against k. Text is drawn as paths: no fonts needed."""
    from matplotlib.figure import Figure

    shown = [r for r in rows if r.pass_hat_k is not None]
    fig = Figure(figsize=(6.0, 3.4))
    ax = fig.add_subplot()
    ks = [r.k for r in shown]
    ax.plot(ks, [r.pass_hat_k for r in shown], marker="o", color="#1f6feb", label="pass^k")
    banded = [r for r in shown if r.pass_hat_k_ci is not None]
    if banded:
        ax.fill_between(
            [r.k for r in banded],
            [r.pass_hat_k_ci[0] for r in banded],  # type: ignore[index]
            [r.pass_hat_k_ci[1] for r in banded],  # type: ignore[index]
            color="#1f6feb",
            alpha=0.15,
            label="pass^k 95% CI",
        )
    ax.plot(ks, [r.pass_at_k for r in shown], marker="s", linestyle="--", color="#8250df", label="pass@k")
    ax.set_xlabel("k (trials that must all succeed / may succeed once)")
    ax.set_ylabel("share of tasks")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xticks([r.k for r in rows] or [1])
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return _svg(fig)
