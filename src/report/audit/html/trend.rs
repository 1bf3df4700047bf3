//! The trend section of `report.html`: the overall value over the scored
//! scans as a small inline SVG line chart (from two points on) and a table
//! of every scored scan's overall and category levels.

use std::fmt::{self, Write};

use super::{number, table_end, Esc, ROW_LIMIT};
use super::super::TrendPoint;

/// The chart's width and height.
const SIZE: (f64, f64) = (720.0, 240.0);

/// Plot margins: left, right, top, bottom.
const MARGIN: (f64, f64, f64, f64) = (40.0, 20.0, 12.0, 34.0);

/// Scan labels under the x axis at most.
const X_LABELS: usize = 12;

/// The trend section.
pub(crate) fn section(out: &mut String, trend: &[TrendPoint]) -> fmt::Result {
    out.write_str("<section id=\"trend-section\">\n<h2>Trend</h2>\n")?;
    if trend.is_empty() {
        out.write_str("<p class=\"muted\">No scored scan yet.</p>\n")?;
        return out.write_str("</section>\n");
    }
    chart(out, trend)?;
    table(out, trend)?;
    out.write_str("</section>\n")
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

/// The line chart of the overall value; a note below two points.
fn chart(out: &mut String, trend: &[TrendPoint]) -> fmt::Result {
    let points = valued(trend);
    if points.len() < 2 {
        return out.write_str(
            "<p class=\"muted\">The chart needs two scored scans with an overall value.</p>\n",
        );
    }
    let (width, height) = SIZE;
    writeln!(
        out,
        "<figure><svg id=\"trend\" role=\"img\" aria-label=\"Overall value, 0 to 5, over {n} \
         scored scans\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\
         <title>Overall value, 0 to 5, over {n} scored scans</title>",
        n = points.len()
    )?;
    grid(out)?;
    x_labels(out, trend)?;
    line(out, trend, &points)?;
    out.write_str("</svg><figcaption>Overall value per scored scan.</figcaption></figure>\n")
}

/// The line through the valued points, each marked with its scan.
fn line(out: &mut String, trend: &[TrendPoint], points: &[(usize, f64)]) -> fmt::Result {
    let line: Vec<String> = points
        .iter()
        .map(|(i, v)| {
            let (x, y) = position(*i, trend.len(), *v);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    writeln!(
        out,
        "<polyline class=\"trend-line\" points=\"{}\"/>",
        line.join(" ")
    )?;
    for (i, v) in points {
        let (x, y) = position(*i, trend.len(), *v);
        let p = &trend[*i];
        writeln!(
            out,
            "<circle class=\"trend-dot\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\">\
             <title>scan {} ({}): {v:.2}</title></circle>",
            p.scan,
            p.at.date()
        )?;
    }
    Ok(())
}

/// Horizontal lines at levels 0–5 with their numbers.
fn grid(out: &mut String) -> fmt::Result {
    let (left, right, ..) = MARGIN;
    for level in 0..=5 {
        let (_, y) = position(0, 2, f64::from(level));
        writeln!(
            out,
            "<line class=\"trend-grid\" x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>\
             <text class=\"trend-label\" x=\"{:.1}\" y=\"{y:.1}\" dy=\"0.35em\" \
             text-anchor=\"end\">{level}</text>",
            SIZE.0 - right,
            left - 6.0
        )?;
    }
    Ok(())
}

/// Scan ids under the x axis, thinned to at most [`X_LABELS`].
fn x_labels(out: &mut String, trend: &[TrendPoint]) -> fmt::Result {
    let every = trend.len().div_ceil(X_LABELS).max(1);
    let y = SIZE.1 - MARGIN.3 + 18.0;
    for (i, p) in trend.iter().enumerate() {
        if i % every != 0 && i + 1 != trend.len() {
            continue;
        }
        let (x, _) = position(i, trend.len(), 0.0);
        writeln!(
            out,
            "<text class=\"trend-label\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\">#{}</text>",
            p.scan
        )?;
    }
    Ok(())
}

/// One row per scored scan (the latest [`ROW_LIMIT`]), a column per
/// category.
fn table(out: &mut String, trend: &[TrendPoint]) -> fmt::Result {
    let categories: Vec<&str> = trend
        .last()
        .map(|p| p.levels.iter().map(|(id, _)| id.as_str()).collect())
        .unwrap_or_default();
    out.write_str("<div class=\"scroll\"><table class=\"trend\">\n<thead><tr>")?;
    out.write_str("<th>Scan</th><th>Date</th><th>Overall</th>")?;
    for id in &categories {
        write!(out, "<th class=\"cat\">{}</th>", Esc(id))?;
    }
    out.write_str("</tr></thead>\n<tbody>\n")?;
    let skip = trend.len().saturating_sub(ROW_LIMIT);
    for point in &trend[skip..] {
        row(out, point, &categories)?;
    }
    table_end(out, trend.len() - skip, trend.len(), "report.json")
}

fn row(out: &mut String, p: &TrendPoint, categories: &[&str]) -> fmt::Result {
    let overall = match (p.overall_value, p.overall_level) {
        (Some(value), Some(level)) => format!("{level} ({value:.2})"),
        (Some(value), None) => number(value),
        _ => "not assessed".to_string(),
    };
    write!(
        out,
        "<tr><td>#{}</td><td>{}</td><td class=\"num\">{overall}</td>",
        p.scan,
        p.at.date()
    )?;
    for id in categories {
        let level = p
            .levels
            .iter()
            .find(|(c, _)| c == id)
            .and_then(|(_, level)| *level);
        let text = level.map_or_else(|| "–".to_string(), |l| l.to_string());
        write!(out, "<td class=\"num\">{text}</td>")?;
    }
    out.write_str("</tr>\n")
}
