"""surveys.charts: SVG a reader (and a screen reader) can take the numbers from."""

import xml.etree.ElementTree as ET

from core.disclosure import SUPPRESSED, legend
from surveys import charts

NS = "{http://www.w3.org/2000/svg}"


def parse(svg):
    return ET.fromstring(svg)  # noqa: S314 - our own output, in a test


def texts(root):
    return ["".join(node.itertext()) for node in root.iter(f"{NS}text")]


def has_legend(root):
    """The disclosure legend is written out (wrapped over lines, so compared without spaces)."""
    wanted = "".join(str(legend()).split())
    return any(wanted in "".join(t.split()) for t in texts(root))


def luminance(hex_colour):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_with_white(hex_colour):
    return 1.05 / (luminance(hex_colour) + 0.05)


def test_bar_chart_is_an_image_with_a_title_a_description_and_the_numbers_as_text():
    svg = charts.bar_chart(
        [("Ja", 120, 71.4), ("Nei", 48, 28.6)], title="Fagforeningsmedlem", unit="%"
    )
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.find(f"{NS}title").text == "Fagforeningsmedlem"
    desc = root.find(f"{NS}desc").text
    assert "Ja: 120 (71\u00a0%)" in desc and "Nei: 48 (29\u00a0%)" in desc
    assert "120 (71\u00a0%)" in texts(root)
    bars = [r for r in root.iter(f"{NS}rect") if r.get("fill") != "none"]
    # The longer share is the longer bar.
    assert float(bars[0].get("width")) > float(bars[1].get("width"))


def test_a_suppressed_value_is_a_gap_with_the_symbol_and_the_legend_never_a_zero_bar():
    svg = charts.bar_chart([("Nord", None, None), ("Vest", 0, 0.0)], title="Region")
    root = parse(svg)
    gap = [r for r in root.iter(f"{NS}rect") if r.get("data-suppressed")]
    assert len(gap) == 1 and gap[0].get("fill") == "none"
    assert SUPPRESSED in texts(root)
    assert has_legend(root)
    # The published zero is drawn as a zero; the hidden one has no value anywhere.
    assert "Nord: :" in root.find(f"{NS}desc").text
    assert "0 (0\u00a0%)" in texts(root)


def test_no_legend_when_nothing_is_suppressed():
    root = parse(charts.bar_chart([("Ja", 10, 50.0), ("Nei", 10, 50.0)], title="t"))
    assert not has_legend(root)


def test_labels_are_escaped_and_charts_carry_no_script():
    svg = charts.bar_chart([('<script>alert(1)</script>"', 7, 100.0)], title="<b>x</b>")
    root = parse(svg)
    assert not list(root.iter(f"{NS}script")) and not list(root.iter("script"))
    assert '<script>alert(1)</script>"' in texts(root)
    assert root.find(f"{NS}title").text == "<b>x</b>"
    trend = charts.trend_chart([("<img onerror=x>", [(2020, 5.0)])], title="t")
    assert not [a for node in parse(trend).iter() for a in node.attrib if a.startswith("on")]
    assert "<img onerror=x>" in texts(parse(trend))


def test_numbers_in_other_units_are_written_with_the_unit():
    root = parse(charts.bar_chart([("Snitt", 450000, None)], title="Lønn", unit="kr"))
    assert "450\u00a0000\u00a0kr" in texts(root)


def test_every_colour_has_at_least_3_to_1_contrast_on_white():
    for colour in (*charts.COLOURS, charts.AXIS):
        assert contrast_with_white(colour) >= 3, colour
    assert contrast_with_white(charts.TEXT) >= 4.5


def test_trend_chart_breaks_the_line_at_a_suppressed_year():
    svg = charts.trend_chart(
        [("Stillingsbeskrivelse", [(2020, 44.0), (2021, 51.0), (2022, None), (2023, 60.0)])],
        title="Trend",
    )
    root = parse(svg)
    lines = list(root.iter(f"{NS}polyline"))
    # 2020-2021 joined; 2023 stands alone: no line drawn across the hidden 2022.
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 2
    assert [t for t in texts(root) if t in ("2020", "2021", "2022", "2023")] == [
        "2020",
        "2021",
        "2022",
        "2023",
    ]
    assert {"44\u00a0%", "51\u00a0%", "60\u00a0%", SUPPRESSED} <= set(texts(root))
    assert "2022 :" in root.find(f"{NS}desc").text
    assert has_legend(root)


def test_trend_chart_draws_one_coloured_line_per_series_with_a_legend():
    root = parse(
        charts.trend_chart(
            [("Ja", [(2020, 40.0), (2021, 45.0)]), ("Nei", [(2020, 60.0), (2021, 55.0)])],
            title="t",
        )
    )
    strokes = [line.get("stroke") for line in root.iter(f"{NS}polyline")]
    assert len(strokes) == 2 and strokes[0] != strokes[1]
    assert {"Ja", "Nei"} <= set(texts(root))
