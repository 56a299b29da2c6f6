"""Charts come one way (web/charts.py): matplotlib's SVG inline on pages, PNG in files,
and the same numbers as a table."""

import re

from matplotlib.backends.backend_agg import FigureCanvasAgg

from web import charts

WEEKS = charts.Chart(
    title="New consults within 72 hours",
    description="Share of each week's referrals seen within 72 hours.",
    labels=("2 Feb", "9 Feb", "16 Feb"),
    series=(
        charts.Series("", (50.0, None, 100.0), ("50%", "–", "100%"), tones=("bad", "", "good")),
    ),
    y_label="% within 72 h",
    x_label="week of",
    top=100,
    goal=90,
    columns=(("Decided", ("2", "0", "3")),),
)


def test_the_svg_names_itself_for_screen_readers_and_tells_each_bar():
    svg = str(charts.svg(WEEKS))
    assert svg.startswith('<svg class="chart" role="img" aria-labelledby="')
    assert (
        '<title id="new-consults-within-72-hours-title">New consults within 72 hours</title>' in svg
    )
    assert "Share of each week&#x27;s referrals" in svg or "Share of each week's referrals" in svg
    assert "<title>2 Feb: 50%</title>" in svg and "<title>16 Feb: 100%</title>" in svg
    assert "9 Feb:" not in svg  # no data: no bar, no tooltip
    # text stays text; nothing a strict Content Security Policy would refuse
    assert ">16 Feb<" in svg.replace("\n", "") or "16 Feb</text>" in svg
    assert "<style" not in svg and "<script" not in svg


def test_two_charts_on_one_page_share_no_id():
    other = charts.Chart(
        title="No-show rate",
        description="Visits marked no-show.",
        labels=("2 Feb",),
        series=(charts.Series("", (10.0,)),),
    )
    ids = re.findall(r'id="([^"]+)"', str(charts.svg(WEEKS)) + str(charts.svg(other)))
    assert len(ids) == len(set(ids))


def test_the_table_has_the_numbers_of_the_picture():
    assert WEEKS.headers() == ["week of", "% within 72 h", "Decided"]
    assert WEEKS.rows() == [["2 Feb", "50%", "2"], ["9 Feb", "–", "0"], ["16 Feb", "100%", "3"]]


def test_the_same_chart_is_a_png_for_files():
    png = charts.png(WEEKS)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_two_bar_series_differ_in_colour_and_hatch_and_the_legend_sits_above_the_plot():
    chart = charts.Chart(
        title="Referral to consult, hours",
        description="Median and 90th percentile.",
        labels=("all", "emergency", "lung metastases"),
        series=(
            charts.Series("median", (20, 2, 40)),
            charts.Series("90th percentile", (70, 5, 90)),
        ),
        y_label="hours",
        x_label="referrals",
        goal=72,
        goal_label="72-hour promise",
    )
    svg = str(charts.svg(chart))
    assert "fill: #0072b2" in svg  # the median: Okabe-Ito blue
    assert '<rect x="0" y="0" width="73" height="73" fill="#e69f00"/>' in svg  # orange, hatched
    fig = charts.figure(chart, titled=False)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    (ax,) = fig.axes
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.y0 >= ax.get_window_extent(renderer).y1  # above the bars and the goal line
    assert ax.xaxis.label.get_window_extent(renderer).y0 >= 0  # the x-axis title is in view
    assert legend.y1 <= fig.bbox.y1
