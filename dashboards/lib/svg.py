"""Small charts as inline SVG for the management digest: an HTML file (and an e-mail) that shows its charts
without JavaScript, without a network, in any browser."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 600, 180
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 56, 24, 10


def sparkline(values: Sequence[float | None], colour: str = "#1f77b4", width: int = 120, height: int = 32) -> str:
    points = [(index, value) for index, value in enumerate(values) if value is not None]
    if len(points) < 2:
        return ""
    low = min(value for _, value in points)
    high = max(value for _, value in points)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    path = " ".join(
        f"{index * step:.1f},{height - 2 - (value - low) / span * (height - 4):.1f}" for index, value in points
    )
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{path}"/></svg>'
    )


def chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    kind: str = "bar",
    colour: str = "#1f77b4",
    value_format: str = "{:,.0f}",
    title: str = "",
    low: float | None = None,
    high: float | None = None,
) -> str:
    """A bar or line chart of one series with its axis range, first and last label, and a value on hover."""
    known = [value for value in values if value is not None]
    if not known:
        return ""
    low = min([0.0, *known]) if low is None else low
    high = max(known) if high is None else high
    span = (high - low) or 1.0
    inner_width, inner_height = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = inner_width / max(len(values), 1)

    def y(value: float) -> float:
        return PAD_TOP + inner_height - (value - low) / span * inner_height

    parts = [
        f'<svg width="100%" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f'<line x1="{PAD_LEFT}" y1="{y(low):.1f}" x2="{WIDTH - 8}" y2="{y(low):.1f}" stroke="#ccc"/>',
        f'<text x="{PAD_LEFT - 6}" y="{y(high) + 4:.1f}" font-size="11" text-anchor="end">'
        f"{escape(value_format.format(high))}</text>",
        f'<text x="{PAD_LEFT - 6}" y="{y(low) + 4:.1f}" font-size="11" text-anchor="end">'
        f"{escape(value_format.format(low))}</text>",
    ]
    if low < 0 < high:
        parts.append(f'<line x1="{PAD_LEFT}" y1="{y(0):.1f}" x2="{WIDTH - 8}" y2="{y(0):.1f}" stroke="#999"/>')
    points = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        if value is None:
            continue
        x = PAD_LEFT + index * step
        tip = f"<title>{escape(label)}: {escape(value_format.format(value))}</title>"
        if kind == "bar":
            top, bottom = sorted((y(value), y(max(low, 0.0))))
            parts.append(
                f'<rect x="{x + step * 0.1:.1f}" y="{top:.1f}" width="{step * 0.8:.1f}" '
                f'height="{max(bottom - top, 0.5):.1f}" fill="{colour}">{tip}</rect>'
            )
        else:
            points.append(f"{x + step / 2:.1f},{y(value):.1f}")
            parts.append(f'<circle cx="{x + step / 2:.1f}" cy="{y(value):.1f}" r="3" fill="{colour}">{tip}</circle>')
    if points:
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}"/>')
    for index in (0, len(labels) - 1):
        parts.append(
            f'<text x="{PAD_LEFT + index * step + step / 2:.1f}" y="{HEIGHT - 6}" font-size="11" '
            f'text-anchor="middle">{escape(labels[index])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
