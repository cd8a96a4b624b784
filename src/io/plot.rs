//! SVG plots drawn with plotters' SVG backend into a string, then written atomically.
//!
//! No system fonts are needed: plotters' SVG backend writes `<text>` elements and leaves the
//! rendering to the viewer. Every chart has a title, axis descriptions with their units and,
//! when it shows more than one series, a legend. Values that are not finite, and `None`
//! values, are left out of a chart rather than drawn.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::predict::PAliveMatrix;

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (900, 560);

/// Series colours: black for the actual data, then one per model.
const COLOURS: [RGBColor; 7] = [
    RGBColor(0, 0, 0),
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

fn colour(i: usize) -> RGBColor {
    COLOURS[i % COLOURS.len()]
}

/// One named series of values; `None` marks a missing value (e.g. an empty class).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// One value per category or time point.
    pub values: Vec<Option<f64>>,
}

impl Series {
    /// A series with every value present.
    pub fn new(name: impl Into<String>, values: &[f64]) -> Self {
        Series {
            name: name.into(),
            values: values.iter().map(|&v| Some(v)).collect(),
        }
    }

    /// A series with missing values.
    pub fn partial(name: impl Into<String>, values: Vec<Option<f64>>) -> Self {
        Series {
            name: name.into(),
            values,
        }
    }

    fn finite(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.filter(|v| v.is_finite()).map(|v| (i, v)))
    }
}

/// Title and axis descriptions of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labels<'a> {
    /// Chart title.
    pub title: &'a str,
    /// Horizontal axis description, with its unit.
    pub x: &'a str,
    /// Vertical axis description, with its unit.
    pub y: &'a str,
}

/// A drawing error, naming the chart.
fn draw_error(title: &str, e: impl std::fmt::Display) -> Error {
    Error::Plot {
        chart: title.to_string(),
        reason: e.to_string(),
    }
}

/// Draws onto an SVG string of [`SIZE`].
fn svg<F>(title: &str, draw: F) -> Result<String>
where
    F: FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> std::result::Result<(), String>,
{
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_error(title, e))?;
        draw(&root).map_err(|e| draw_error(title, e))?;
        root.present().map_err(|e| draw_error(title, e))?;
    }
    Ok(out)
}

/// Largest finite value of the series (at least `floor`), with 10% headroom.
fn top(series: &[Series], floor: f64) -> f64 {
    let max = series
        .iter()
        .flat_map(|s| s.finite().map(|(_, v)| v))
        .fold(floor, f64::max);
    if max > 0.0 {
        max * 1.1
    } else {
        1.0
    }
}

/// A tick formatter that labels whole positions with their category and leaves the rest blank.
fn category_label(categories: &[String], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < categories.len() {
        categories[i as usize].clone()
    } else {
        String::new()
    }
}

/// Grouped bars: one group per category, one bar per series (e.g. the calibration histogram,
/// actual against each model's expectation).
///
/// # Errors
/// [`Error::Plot`] when a series does not have one value per category.
pub fn grouped_bars_svg(
    labels: Labels<'_>,
    categories: &[String],
    series: &[Series],
) -> Result<String> {
    check_lengths(labels.title, categories.len(), series)?;
    let n = categories.len() as f64;
    let y_max = top(series, 0.0);
    let width = 0.8 / series.len().max(1) as f64;
    svg(labels.title, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(labels.title, ("sans-serif", 22))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..n - 0.5, 0.0..y_max)
            .map_err(|e| e.to_string())?;
        let fmt = |v: &f64| category_label(categories, *v);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(categories.len() + 1)
            .x_label_formatter(&fmt)
            .x_desc(labels.x)
            .y_desc(labels.y)
            .draw()
            .map_err(|e| e.to_string())?;
        for (s, ser) in series.iter().enumerate() {
            let c = colour(s);
            let left = -0.4 + s as f64 * width;
            chart
                .draw_series(ser.finite().map(|(i, v)| {
                    let x0 = i as f64 + left;
                    Rectangle::new([(x0, 0.0), (x0 + width * 0.95, v)], c.filled())
                }))
                .map_err(|e| e.to_string())?
                .label(ser.name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
        }
        legend(SeriesLabelPosition::UpperRight, &mut chart)
    })
}

/// Lines with points over categories (e.g. mean holdout purchases by calibration frequency).
///
/// # Errors
/// [`Error::Plot`] when a series does not have one value per category.
pub fn category_lines_svg(
    labels: Labels<'_>,
    categories: &[String],
    series: &[Series],
) -> Result<String> {
    category_lines_with_bars_svg(labels, categories, series, &[])
}

/// [`category_lines_svg`] with vertical error bars: `bars[s][i]` is the (lower, upper) interval
/// of series s at category i (`btyd compare --interval`); series without bars have none.
///
/// # Errors
/// [`Error::Plot`] when a series does not have one value per category.
pub fn category_lines_with_bars_svg(
    labels: Labels<'_>,
    categories: &[String],
    series: &[Series],
    bars: &[Bars],
) -> Result<String> {
    check_lengths(labels.title, categories.len(), series)?;
    let x: Vec<f64> = (0..categories.len()).map(|i| i as f64).collect();
    let fmt = |v: &f64| category_label(categories, *v);
    lines(labels, &x, series, None, Some(&fmt), (true, bars))
}

/// Lines over time (e.g. cumulative repeat transactions), with an optional dashed vertical
/// marker at `(time, legend text)` such as the end of the calibration period.
///
/// # Errors
/// [`Error::Plot`] when a series does not have one value per time point.
pub fn time_lines_svg(
    labels: Labels<'_>,
    times: &[f64],
    series: &[Series],
    marker: Option<(f64, &str)>,
) -> Result<String> {
    check_lengths(labels.title, times.len(), series)?;
    lines(labels, times, series, marker, None, (false, &[]))
}

type Formatter<'a> = &'a dyn Fn(&f64) -> String;

/// The (lower, upper) error bar of each point of a series, `None` for no bar.
pub type Bars = Vec<Option<(f64, f64)>>;

fn lines(
    labels: Labels<'_>,
    x: &[f64],
    series: &[Series],
    marker: Option<(f64, &str)>,
    x_fmt: Option<Formatter<'_>>,
    (points, bars): (bool, &[Bars]),
) -> Result<String> {
    let (x0, x1) = match (x.first(), x.last()) {
        (Some(&a), Some(&b)) if b > a => (a, b),
        (Some(&a), _) => (a - 0.5, a + 0.5),
        _ => (0.0, 1.0),
    };
    let (x0, x1) = if x_fmt.is_some() {
        (x0 - 0.5, x1 + 0.5)
    } else {
        (x0.min(0.0), x1)
    };
    let bar_top = bars
        .iter()
        .flatten()
        .flatten()
        .map(|b| b.1)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let y_max = top(series, 0.0).max(bar_top * 1.05);
    svg(labels.title, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(labels.title, ("sans-serif", 22))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0.0..y_max)
            .map_err(|e| e.to_string())?;
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(labels.x).y_desc(labels.y);
        if let Some(f) = x_fmt {
            mesh.x_labels(x.len() + 1).x_label_formatter(f);
        }
        mesh.draw().map_err(|e| e.to_string())?;
        for (s, ser) in series.iter().enumerate() {
            let c = colour(s);
            let pts: Vec<(f64, f64)> = ser.finite().map(|(i, v)| (x[i], v)).collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(ser.name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2))
                });
            if points {
                chart
                    .draw_series(pts.into_iter().map(|p| Circle::new(p, 4, c.filled())))
                    .map_err(|e| e.to_string())?;
            }
            if let Some(b) = bars.get(s) {
                // A vertical segment with caps (plotters' ErrorBar needs a feature we do not
                // build with).
                let errs = ser.finite().filter_map(|(i, _)| {
                    let (lo, hi) = b.get(i).copied().flatten()?;
                    let (x, w) = (x[i], 0.08);
                    (lo.is_finite() && hi.is_finite()).then(|| {
                        [
                            vec![(x, lo), (x, hi)],
                            vec![(x - w, lo), (x + w, lo)],
                            vec![(x - w, hi), (x + w, hi)],
                        ]
                    })
                });
                chart
                    .draw_series(
                        errs.flatten()
                            .map(|p| PathElement::new(p, c.stroke_width(1))),
                    )
                    .map_err(|e| e.to_string())?;
            }
        }
        if let Some((t, text)) = marker {
            let grey = RGBColor(120, 120, 120);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(t, 0.0), (t, y_max)],
                    6,
                    4,
                    grey.stroke_width(1),
                ))
                .map_err(|e| e.to_string())?
                .label(text)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], grey));
        }
        legend(SeriesLabelPosition::UpperLeft, &mut chart)
    })
}

fn legend<'a, DB: DrawingBackend + 'a>(
    position: SeriesLabelPosition,
    chart: &mut ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
) -> std::result::Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()
        .map_err(|e| e.to_string())
}

fn check_lengths(title: &str, n: usize, series: &[Series]) -> Result<()> {
    match series.iter().find(|s| s.values.len() != n) {
        Some(s) => Err(draw_error(
            title,
            format!(
                "series '{}' has {} values for {n} positions",
                s.name,
                s.values.len()
            ),
        )),
        None => Ok(()),
    }
}

/// A histogram of `values` in `bins` equal bins over [min, max] of the values up to the `clip`
/// quantile (e.g. 0.99, so a long tail does not squash the chart); the number of values above
/// the clip is stated under the chart's title.
///
/// # Errors
/// [`Error::Plot`] when there is no finite value, `bins` is 0 or `clip` is not in
/// (0, 1].
pub fn histogram_svg(labels: Labels<'_>, values: &[f64], bins: usize, clip: f64) -> Result<String> {
    let mut v: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if v.is_empty() || bins == 0 || !(clip > 0.0 && clip <= 1.0) {
        return Err(draw_error(
            labels.title,
            format!("{} finite values, {bins} bins, clip {clip}", v.len()),
        ));
    }
    v.sort_by(f64::total_cmp);
    let lo = v[0].min(0.0);
    let hi_index = ((v.len() as f64 * clip).ceil() as usize).clamp(1, v.len()) - 1;
    let mut hi = v[hi_index];
    if hi <= lo {
        hi = lo + 1.0;
    }
    let above = v.iter().filter(|&&x| x > hi).count();
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0usize; bins];
    for &x in v.iter().filter(|&&x| x <= hi) {
        counts[(((x - lo) / width) as usize).min(bins - 1)] += 1;
    }
    let y_max = counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.1;
    let note = if above > 0 {
        format!(
            "{} of {} values shown; {above} above {hi:.2} not shown",
            v.len() - above,
            v.len()
        )
    } else {
        format!("all {} values", v.len())
    };
    svg(labels.title, |root| {
        let (top_area, rest) = root.split_vertically(40);
        top_area
            .titled(labels.title, ("sans-serif", 22))
            .map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&rest)
            .caption(&note, ("sans-serif", 14))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(lo..hi, 0.0..y_max)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(labels.x)
            .y_desc(labels.y)
            .draw()
            .map_err(|e| e.to_string())?;
        let c = colour(1);
        chart
            .draw_series(counts.iter().enumerate().map(|(i, &n)| {
                let x0 = lo + i as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width, n as f64)], c.filled())
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// Colour of a value in [0, 1]: dark blue through teal to yellow (a viridis-like ramp).
fn ramp(v: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 4] = [
        (68.0, 1.0, 84.0),
        (49.0, 104.0, 142.0),
        (53.0, 183.0, 121.0),
        (253.0, 231.0, 37.0),
    ];
    let v = v.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (v.floor() as usize).min(STOPS.len() - 2);
    let f = v - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + f * (q - p)).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A P(alive | x, t_x, T) matrix ([`crate::predict::p_alive_matrix`]) as a heat map,
/// frequency against recency at its fixed age T, as lifetimes' `plot_probability_alive_matrix`.
/// `unit` names the time unit (plural) in the axis description.
///
/// # Errors
/// [`Error::Plot`] when the chart cannot be drawn.
pub fn p_alive_matrix_svg(matrix: &PAliveMatrix, unit: &str) -> Result<String> {
    let PAliveMatrix {
        model,
        age,
        max_frequency,
        ref cells,
    } = *matrix;
    let title = format!("{model}: P(alive) by frequency and recency (T = {age:.1} {unit})");
    let x_desc = format!("recency t_x: time of the last purchase after the first ({unit})");
    svg(&title, |root| {
        let (main, bar) = root.split_horizontally(SIZE.0 - 110);
        let mut chart = ChartBuilder::on(&main)
            .caption(&title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..age, -0.5..f64::from(max_frequency) + 0.5)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(x_desc.as_str())
            .y_desc("frequency x (repeat purchases)")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(cells.iter().map(|&(x, r0, r1, p)| {
                let y = f64::from(x);
                Rectangle::new([(r0, y - 0.5), (r1, y + 0.5)], ramp(p).filled())
            }))
            .map_err(|e| e.to_string())?;
        let mut scale = ChartBuilder::on(&bar)
            .margin_top(60)
            .margin_bottom(60)
            .margin_right(10)
            .y_label_area_size(55)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)
            .map_err(|e| e.to_string())?;
        scale
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_labels(6)
            .y_label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .y_desc("P(alive)")
            .draw()
            .map_err(|e| e.to_string())?;
        scale
            .draw_series((0..50).map(|i| {
                let (a, b) = (i as f64 / 50.0, (i + 1) as f64 / 50.0);
                Rectangle::new([(0.0, a), (1.0, b)], ramp(0.5 * (a + b)).filled())
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// Writes an SVG string to `path` atomically.
///
/// # Errors
/// [`Error::Io`] naming `path`.
pub fn write_svg(path: &Path, svg: &str) -> Result<()> {
    super::atomic_write(path, |w| {
        w.write_all(svg.as_bytes()).map_err(super::write_error)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_have_titles_axes_and_legends() {
        let cats: Vec<String> = ["0", "1", "2+"].iter().map(|s| s.to_string()).collect();
        let labels = Labels {
            title: "Calibration histogram",
            x: "repeat purchases",
            y: "customers",
        };
        let s = grouped_bars_svg(
            labels,
            &cats,
            &[
                Series::new("actual", &[5.0, 2.0, 1.0]),
                Series::new("model", &[4.5, 2.5, 1.0]),
            ],
        )
        .unwrap();
        for needle in [
            "<svg",
            "Calibration histogram",
            "repeat purchases",
            "customers",
            "actual",
            "model",
            "2+",
        ] {
            assert!(s.contains(needle), "{needle} missing");
        }
        let err = grouped_bars_svg(labels, &cats, &[Series::new("short", &[1.0])]).unwrap_err();
        assert!(
            err.to_string()
                .contains("series 'short' has 1 values for 3"),
            "{err}"
        );
        let h = histogram_svg(labels, &[1.0, 2.0, 3.0, 100.0], 5, 0.75).unwrap();
        assert!(h.contains("1 above 3.00 not shown"), "{h}");
        assert!(histogram_svg(labels, &[f64::NAN], 5, 0.9).is_err());
    }
}
