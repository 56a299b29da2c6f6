"""Every chart in the product, drawn one way: matplotlib (Agg, object API, no pyplot state)
from a plain `Chart` that also gives the same numbers as a table.

- `svg(chart)`: inline SVG for a page: text kept as text (`svg.fonttype: none`), a
  `<title>`/`<desc>` the root names with `aria-labelledby`, `role="img"`, a `<title>`
  tooltip on every bar and point, ids prefixed per chart (several on one page), and no
  `<style>` element (the Content Security Policy allows none; site.css has its rule).
- `png(chart)`: the same figure as PNG bytes, for files and the simulator's reports.
- `Chart.rows()`: the numbers beside the picture, for an HTML table or a CSV.

A rendering depends only on the chart's numbers and words, so it is memoized per process.
"""

from __future__ import annotations

import functools
import io
import logging
import re
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")  # no display: files and HTTP responses only
logging.getLogger("matplotlib").setLevel(logging.WARNING)  # font-cache chatter

from django.utils.html import escape  # noqa: E402
from django.utils.safestring import SafeString, mark_safe  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

WIDTH, HEIGHT, DPI = 8.0, 3.5, 100  # inches at 100 dpi: 800 x 350 pixels
INK, MUTED, GRID = "#1d2329", "#5a636e", "#e3e7eb"
COLORS = {
    "": "#0072b2",  # the one series of a chart
    "before": "#8a9bb0",
    "after": "#0072b2",
    "good": "#2e7d32",
    "bad": "#b3261e",
    "ahead": "#8fb4dc",
    "goal": "#b3261e",
}
# Okabe and Ito's colour-blind-safe set (blue, orange, bluish green, reddish purple,
# vermillion, sky blue); bar series after the first are hatched too, for print and
# for anyone who still cannot tell two colours apart.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9")
HATCHES = ("", "//", "..", "xx", "\\\\", "++")
RC = {
    "svg.fonttype": "none",  # <text> elements: readable, searchable, small
    "svg.hashsalt": "tumorboard",  # the same chart gives the same bytes
    "font.size": 10,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
}


@dataclass(frozen=True)
class Series:
    """One row of values along the chart's labels; None is "no data" (no bar, no point).
    `kind`: "bar", "line" or "marker" (a short dash, e.g. a capacity); `tones` colours
    bars one by one (a COLORS key each, "" for the series colour)."""

    name: str
    values: tuple[float | None, ...]
    texts: tuple[str, ...] = ()  # what each value says (defaults to the number)
    kind: str = "bar"
    tones: tuple[str, ...] = ()

    def text(self, index: int) -> str:
        if self.texts:
            return self.texts[index]
        value = self.values[index]
        return "–" if value is None else f"{value:g}"


@dataclass(frozen=True)
class Chart:
    """A chart and its table: `labels` along the x axis, one value per label per series.
    `top` fixes the y axis's top (100 for shares in percent); `goal` draws a dashed
    line at that value; `divider` a vertical line before that label's index."""

    title: str
    description: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    y_label: str = ""
    x_label: str = ""
    top: float | None = None
    goal: float | None = None
    goal_label: str = ""
    divider: int | None = None
    # More columns for the table only: (heading, one text per label).
    columns: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ident: str = field(default="", compare=False)

    @property
    def slug(self) -> str:
        return self.ident or re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")[:40]

    @property
    def empty(self) -> bool:
        return not any(v is not None for s in self.series for v in s.values)

    def headers(self) -> list[str]:
        return [
            self.x_label or "",
            *(s.name or self.y_label or "value" for s in self.series),
            *(heading for heading, _ in self.columns),
        ]

    def rows(self) -> list[list[str]]:
        """One row per label: the label, each series' text, then the extra columns."""
        return [
            [label, *(s.text(i) for s in self.series), *(texts[i] for _, texts in self.columns)]
            for i, label in enumerate(self.labels)
        ]


def _color(series: Series, index: int) -> str:
    return COLORS.get(series.name, PALETTE[index % len(PALETTE)])


def figure(chart: Chart, *, titled: bool = True) -> Figure:
    """The matplotlib figure of a chart (thread-safe: no pyplot). A page's SVG leaves the
    title out of the picture (`titled=False`): the page heads it and the SVG names it."""
    with matplotlib.rc_context(RC):
        # constrained layout keeps the axis titles, rotated labels and the legend above
        # the plot inside the picture
        fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
        positions = range(len(chart.labels))
        bar_series = [s for s in chart.series if s.kind == "bar"]
        width = 0.8 / max(1, len(bar_series))
        number = 0
        for n, series in enumerate(chart.series):
            color = _color(series, n)
            label = series.name or None
            if series.kind == "bar":
                offset = (bar_series.index(series) - (len(bar_series) - 1) / 2) * width
                drawn = [i for i, value in enumerate(series.values) if value is not None]
                heights = [
                    min(v, chart.top) if chart.top is not None else v
                    for v in (series.values[i] for i in drawn)
                    if v is not None
                ]
                tones = [series.tones[i] if series.tones else "" for i in drawn]
                place = bar_series.index(series)
                bars = ax.bar(
                    [i + offset for i in drawn],
                    heights,
                    width,
                    color=[COLORS[tone] if tone else color for tone in tones],
                    label=label,
                    hatch=HATCHES[place % len(HATCHES)] or None,
                    edgecolor="white" if place else None,
                    linewidth=0,
                )
                for bar in bars.patches:
                    bar.set_gid(f"point-{number}")
                    number += 1
                if len(bar_series) == 1:
                    for i, height in zip(drawn, heights, strict=True):
                        ax.annotate(
                            series.text(i),
                            (i + offset, height),
                            xytext=(0, 2),
                            textcoords="offset points",
                            ha="center",
                            va="bottom",
                            color=INK,
                            fontweight="bold",
                            fontsize=9,
                        )
            else:
                xs = [i for i in positions if series.values[i] is not None]
                ys = [series.values[i] for i in xs]
                style = (
                    {"marker": "o", "linestyle": "-"}
                    if series.kind == "line"
                    else {"marker": "_", "markersize": 24, "linestyle": "none"}
                )
                ax.plot(xs, ys, color=color, label=label, **style)
                for i, y in zip(xs, ys, strict=True):
                    # invisible hit area carrying the point's tooltip
                    (dot,) = ax.plot([i], [y], marker="o", markersize=8, alpha=0, linestyle="none")
                    dot.set_gid(f"point-{number}")
                    number += 1
        if chart.goal is not None:
            ax.axhline(chart.goal, color=COLORS["goal"], linestyle="--", linewidth=1)
            if chart.goal_label:
                ax.annotate(
                    chart.goal_label,
                    (1, chart.goal),
                    xycoords=("axes fraction", "data"),
                    xytext=(-2, 2),
                    textcoords="offset points",
                    ha="right",
                    va="bottom",
                    color=COLORS["goal"],
                    fontsize=9,
                )
        if chart.divider is not None:
            ax.axvline(chart.divider - 0.5, color=COLORS["goal"], linestyle="--", linewidth=1)
        if chart.top is not None:
            ax.set_ylim(0, chart.top * 1.08)
        else:
            ax.set_ylim(bottom=0)
            ax.margins(y=0.15)
        ax.set_xlim(-0.6, len(chart.labels) - 0.4)
        rotate = len(chart.labels) > 8 or max((len(x) for x in chart.labels), default=0) > 10
        ax.set_xticks(
            list(positions),
            list(chart.labels),
            rotation=45 if rotate else 0,
            ha="right" if rotate else "center",
        )
        ax.set_ylabel(chart.y_label)
        ax.set_xlabel(chart.x_label)
        if titled:
            ax.set_title(chart.title, color=INK, loc="left", fontsize=11)
        ax.grid(axis="y", color=GRID)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
        if len(chart.series) > 1 and ax.get_legend_handles_labels()[0]:
            # above the plot, right-aligned: never over a bar, a goal line or its label
            ax.legend(
                frameon=False,
                fontsize=9,
                loc="lower right",
                bbox_to_anchor=(1, 1),
                ncols=len(chart.series),
                borderaxespad=0.2,
            )
    return fig


def _tooltips(chart: Chart) -> list[str]:
    """The text of every drawn point, in drawing order (what `figure` numbered)."""
    out = []
    for series in chart.series:
        for i, value in enumerate(series.values):
            if value is None:
                continue
            name = f" {series.name}" if series.name else ""
            out.append(f"{chart.labels[i]}{name}: {series.text(i)}")
    return out


@functools.lru_cache(maxsize=512)
def _svg_text(chart: Chart, ident: str) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(RC):
        figure(chart, titled=False).savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<style[^>]*>.*?</style>", "", text, flags=re.S)
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'\bid="', f'id="{ident}-', text)
    text = text.replace("url(#", f"url(#{ident}-").replace('href="#', f'href="#{ident}-')
    for number, tip in enumerate(_tooltips(chart)):
        text = text.replace(
            f'<g id="{ident}-point-{number}">',
            f'<g id="{ident}-point-{number}"><title>{escape(tip)}</title>',
            1,
        )
    head = (
        f'<svg class="chart" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'preserveAspectRatio="xMidYMid meet"'
    )
    text = text.replace("<svg", head, 1)
    opening_end = text.index(">") + 1
    return (
        text[:opening_end]
        + f'<title id="{ident}-title">{escape(chart.title)}</title>'
        + f'<desc id="{ident}-desc">{escape(chart.description)}</desc>'
        + text[opening_end:]
    )


def svg(chart: Chart) -> SafeString:
    """The chart as inline SVG (see the module docstring); every text is escaped, by
    matplotlib's SVG writer or here."""
    return mark_safe(_svg_text(chart, chart.slug))


def png(chart: Chart) -> bytes:
    """The chart as PNG bytes, 800 x 350 pixels."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(RC):
        figure(chart).savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def percent(share: float | None) -> float | None:
    """A 0-1 share as a percentage for a chart's values."""
    return None if share is None else round(share * 100, 1)


def percent_text(share: float | None, hits: int | None = None, total: int | None = None) -> str:
    """A share as people read it, never rounding a broken promise up to a kept one."""
    if share is None:
        return "–"
    text = f"{share:.0%}"
    if text == "100%" and hits is not None and total is not None and hits < total:
        text = ">99%"
    return text
