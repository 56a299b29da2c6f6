"""Inline SVG bar charts drawn on the server: no chart library, readable without
JavaScript, and each bar carries its number as text and as a tooltip."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 44


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: no data that week (drawn as a dash, not a zero)
    text: str
    tone: str = ""


def bar_chart(
    *, bars: list[Bar], title: str, description: str, top: float, ticks: list[tuple[float, str]]
) -> SafeString:
    """Bars scaled to `top`, horizontal grid lines at `ticks`."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    band = plot_w / max(1, len(bars))
    ident = "".join(ch for ch in title.lower() if ch.isalnum())[:24]
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(description)}</desc>',
    ]

    def y(value: float) -> float:
        return TOP + plot_h - (value / top * plot_h if top else 0)

    for value, label in ticks:
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}"/><text class="axis" x="{LEFT - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
    for index, bar in enumerate(bars):
        x = LEFT + index * band
        centre = x + band / 2
        parts.append(
            f'<text class="axis" x="{centre:.1f}" y="{HEIGHT - BOTTOM + 18}" '
            f'text-anchor="middle">{escape(bar.label)}</text>'
        )
        if bar.value is None:
            parts.append(
                f'<text class="value none" x="{centre:.1f}" y="{y(0) - 6:.1f}" '
                f'text-anchor="middle">–<title>{escape(bar.label)}: no data</title></text>'
            )
            continue
        top_y = y(min(bar.value, top))
        parts.append(
            f'<rect class="bar {escape(bar.tone)}" x="{x + band * 0.15:.1f}" y="{top_y:.1f}" '
            f'width="{band * 0.7:.1f}" height="{y(0) - top_y:.1f}">'
            f"<title>{escape(bar.label)}: {escape(bar.text)}</title></rect>"
            f'<text class="value" x="{centre:.1f}" y="{top_y - 5:.1f}" '
            f'text-anchor="middle">{escape(bar.text)}</text>'
        )
    parts.append(
        f'<line class="baseline" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0):.1f}" y2="{y(0):.1f}"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through escape()


def share_chart(*, weeks, title: str, description: str, good_when_high: bool) -> SafeString:
    bars = []
    for week in weeks:
        share = week.share
        tone = ""
        if share is not None:
            good = share >= 0.9 if good_when_high else share <= 0.1
            tone = "good" if good else "bad"
        bars.append(
            Bar(
                f"{week.week:%-d %b}",
                None if share is None else share * 100,
                "" if share is None else f"{share:.0%}",
                tone,
            )
        )
    ticks = [(v, f"{v}%") for v in (0, 25, 50, 75, 100)]
    return bar_chart(bars=bars, title=title, description=description, top=100, ticks=ticks)


def count_chart(*, bins, title: str, description: str) -> SafeString:
    top = max([b.count for b in bins] + [1])
    step = max(1, -(-top // 4))
    ticks = [(v, str(v)) for v in range(0, top + step, step)]
    bars = [Bar(b.label, b.count, str(b.count), "late" if b.low >= 72 else "") for b in bins]
    return bar_chart(bars=bars, title=title, description=description, top=ticks[-1][0], ticks=ticks)


def meeting_chart(*, meetings, now, title: str, description: str) -> SafeString:
    top = max([m.count for m in meetings] + [1])
    step = max(1, -(-top // 4))
    ticks = [(v, str(v)) for v in range(0, top + step, step)]
    bars = [
        Bar(
            f"{timezone.localtime(m.start):%-d %b}",
            None if m.cancelled else m.count,
            "cancelled" if m.cancelled else str(m.count),
            "ahead" if m.start > now else "",
        )
        for m in meetings
    ]
    return bar_chart(bars=bars, title=title, description=description, top=ticks[-1][0], ticks=ticks)
