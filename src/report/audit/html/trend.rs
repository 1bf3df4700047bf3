//! The trend section of `report.html`: the overall value over the scored
//! scans as a small inline SVG line chart (from two points on) and a table
//! of every scored scan's overall and category levels.

use maud::{html, Markup};

use super::super::TrendPoint;
use super::{more, number, Rows, ROW_LIMIT};

/// The chart's width and height.
const SIZE: (f64, f64) = (720.0, 240.0);

/// Plot margins: left, right, top, bottom.
const MARGIN: (f64, f64, f64, f64) = (40.0, 20.0, 12.0, 34.0);

/// Scan labels under the x axis at most.
const X_LABELS: usize = 12;

/// The trend section.
pub(super) fn section(trend: &[TrendPoint]) -> Markup {
    html! {
        section id="trend-section" {
            h2 { "Trend" }
            @if trend.is_empty() {
                p.muted { "No scored scan yet." }
            } @else {
                (chart(trend))
                (table(trend))
            }
        }
    }
}

/// The points with an overall value, as `(index in trend, value)`.
fn valued(trend: &[TrendPoint]) -> Vec<(usize, f64)> {
    trend
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.overall_value.map(|v| (i, v)))
        .collect()
}

/// The position of trend point `index` of `count` with `value` (0–5).
fn position(index: usize, count: usize, value: f64) -> (f64, f64) {
    let (left, right, top, bottom) = MARGIN;
    let width = SIZE.0 - left - right;
    let height = SIZE.1 - top - bottom;
    let step = width / (count.max(2) - 1) as f64;
    let x = left + step * index as f64;
    let y = top + height * (5.0 - value.clamp(0.0, 5.0)) / 5.0;
    (x, y)
}

/// A coordinate with one decimal.
fn at(value: f64) -> String {
    format!("{value:.1}")
}

/// The line chart of the overall value; a note below two points.
fn chart(trend: &[TrendPoint]) -> Markup {
    let points = valued(trend);
    if points.len() < 2 {
        return html! {
            p.muted { "The chart needs two scored scans with an overall value." }
        };
    }
    let (width, height) = SIZE;
    let title = format!("Overall value, 0 to 5, over {} scored scans", points.len());
    html! {
        figure {
            svg id="trend" role="img" aria-label=(title) width=(width) height=(height)
                viewBox={ "0 0 " (width) " " (height) } {
                title { (title) }
                (grid())
                (x_labels(trend))
                (line(trend, &points))
            }
            figcaption { "Overall value per scored scan." }
        }
    }
}

/// The line through the valued points, each marked with its scan.
fn line(trend: &[TrendPoint], points: &[(usize, f64)]) -> Markup {
    let line: Vec<String> = points
        .iter()
        .map(|(i, v)| {
            let (x, y) = position(*i, trend.len(), *v);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    html! {
        polyline.trend-line points=(line.join(" ")) {}
        @for (i, v) in points {
            @let (x, y) = position(*i, trend.len(), *v);
            @let p = &trend[*i];
            circle.trend-dot cx=(at(x)) cy=(at(y)) r="3" {
                title { "scan " (p.scan) " (" (p.at.date()) "): " (format!("{v:.2}")) }
            }
        }
    }
}

/// Horizontal lines at levels 0–5 with their numbers.
fn grid() -> Markup {
    let (left, right, ..) = MARGIN;
    html! {
        @for level in 0..=5 {
            @let (_, y) = position(0, 2, f64::from(level));
            line.trend-grid x1=(left) y1=(at(y)) x2=(at(SIZE.0 - right)) y2=(at(y)) {}
            text.trend-label x=(at(left - 6.0)) y=(at(y)) dy="0.35em" text-anchor="end" {
                (level)
            }
        }
    }
}

/// Scan ids under the x axis, thinned to at most [`X_LABELS`].
fn x_labels(trend: &[TrendPoint]) -> Markup {
    let every = trend.len().div_ceil(X_LABELS).max(1);
    let y = SIZE.1 - MARGIN.3 + 18.0;
    html! {
        @for (i, p) in trend.iter().enumerate() {
            @if i % every == 0 || i + 1 == trend.len() {
                @let (x, _) = position(i, trend.len(), 0.0);
                text.trend-label x=(at(x)) y=(at(y)) text-anchor="middle" { "#" (p.scan) }
            }
        }
    }
}

/// One row per scored scan (the latest [`ROW_LIMIT`]), a column per
/// category.
fn table(trend: &[TrendPoint]) -> Markup {
    let categories: Vec<&str> = trend
        .last()
        .map(|p| p.levels.iter().map(|(id, _)| id.as_str()).collect())
        .unwrap_or_default();
    let skip = trend.len().saturating_sub(ROW_LIMIT);
    let rows = Rows {
        shown: trend.len() - skip,
        total: trend.len(),
        files: "report.json",
    };
    html! {
        div.scroll {
            table.trend {
                thead {
                    tr {
                        th { "Scan" } th { "Date" } th { "Overall" }
                        @for id in &categories { th.cat { (id) } }
                    }
                }
                tbody {
                    @for point in &trend[skip..] {
                        (row(point, &categories))
                    }
                }
            }
        }
        (more(rows))
    }
}

fn row(p: &TrendPoint, categories: &[&str]) -> Markup {
    let overall = match (p.overall_value, p.overall_level) {
        (Some(value), Some(level)) => format!("{level} ({value:.2})"),
        (Some(value), None) => number(value),
        _ => "not assessed".to_string(),
    };
    html! {
        tr {
            td { "#" (p.scan) }
            td { (p.at.date()) }
            td.num { (overall) }
            @for id in categories {
                @let level = p
                    .levels
                    .iter()
                    .find(|(c, _)| c == id)
                    .and_then(|(_, level)| *level);
                td.num { (level.map_or_else(|| "–".to_string(), |l| l.to_string())) }
            }
        }
    }
}
