//! The radar chart of `report.html`: one axis per PKIMM category (all
//! sixteen; a category not assessed or not applicable is drawn as such: a
//! dashed spoke, its point at the centre, labelled so), levels 0–5 on
//! concentric rings, coverage per axis, the card's outline and,
//! when there is a previous scored scan, its outline dashed on the same
//! axes. The geometry ([`Geometry`]) is separate from the SVG text so it
//! can be tested on its own. One or two axes still render (as a spoke or a
//! line with their points marked).

use maud::{html, Markup};
use std::f64::consts::{FRAC_PI_2, TAU};

use super::super::AuditReport;
use super::number;
use crate::scoring::ScoreCard;

/// The chart's width and height in pixels.
pub(crate) const SIZE: (f64, f64) = (800.0, 560.0);

/// The highest level, at the outer ring.
const MAX_LEVEL: f64 = 5.0;

/// Where the axes of a radar lie: the first points up, the others follow
/// clockwise at equal angles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Geometry {
    /// Centre `(x, y)`.
    pub centre: (f64, f64),
    /// Radius of the outer ring (level 5).
    pub radius: f64,
    /// Number of axes.
    pub axes: usize,
}

impl Geometry {
    /// The chart's geometry for `axes` axes.
    pub(crate) fn new(axes: usize) -> Geometry {
        Geometry {
            centre: (SIZE.0 / 2.0, SIZE.1 / 2.0),
            radius: 190.0,
            axes,
        }
    }

    /// The angle of axis `axis`, in radians from the positive x axis
    /// (y grows downwards, as in SVG).
    fn angle(&self, axis: usize) -> f64 {
        -FRAC_PI_2 + TAU * axis as f64 / self.axes.max(1) as f64
    }

    /// The point at `level` (clamped to 0–5) on axis `axis`.
    pub(crate) fn point(&self, axis: usize, level: f64) -> (f64, f64) {
        let r = self.radius * level.clamp(0.0, MAX_LEVEL) / MAX_LEVEL;
        let angle = self.angle(axis);
        (
            self.centre.0 + r * angle.cos(),
            self.centre.1 + r * angle.sin(),
        )
    }

    /// The SVG `points` of an outline through `levels`, one per axis.
    pub(crate) fn points(&self, levels: &[f64]) -> String {
        levels
            .iter()
            .enumerate()
            .map(|(axis, level)| {
                let (x, y) = self.point(axis, *level);
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Where an axis label goes and how it is anchored: `(x, y, anchor,
    /// dy)`.
    fn label(&self, axis: usize) -> (f64, f64, &'static str, &'static str) {
        let (x, y) = self.point(axis, MAX_LEVEL);
        let angle = self.angle(axis);
        let (x, y) = (x + 12.0 * angle.cos(), y + 12.0 * angle.sin());
        let anchor = match angle.cos() {
            c if c > 0.2 => "start",
            c if c < -0.2 => "end",
            _ => "middle",
        };
        let dy = match angle.sin() {
            s if s > 0.5 => "0.9em",
            s if s < -0.5 => "-0.3em",
            _ => "0.35em",
        };
        (x, y, anchor, dy)
    }
}

/// One axis: a category id, its level now and in the previous scan.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Axis {
    /// Category id.
    pub id: String,
    /// Level in the scored card (0 when it is not assessed).
    pub current: u8,
    /// Not assessed (or not applicable): how the label says so.
    pub missing: Option<&'static str>,
    /// Level in the previous card (0 when it was not assessed then).
    pub previous: Option<u8>,
    /// The category's coverage (0–1), shown beside its level.
    pub coverage: Option<f64>,
}

/// The axes of `card`: every category, in model order.
pub(crate) fn axes(card: &ScoreCard, previous: Option<&ScoreCard>) -> Vec<Axis> {
    card.categories
        .iter()
        .map(|c| {
            let previous = previous.map(|p| p.category(&c.category).and_then(|pc| pc.level));
            let missing = match (c.level, c.basis) {
                (Some(_), _) => None,
                (None, crate::scoring::Basis::NotApplicable) => Some("not applicable"),
                (None, _) => Some("not assessed"),
            };
            Axis {
                id: c.category.clone(),
                current: c.level.unwrap_or(0),
                missing,
                previous: previous.map(|level| level.unwrap_or(0)),
                coverage: c.coverage,
            }
        })
        .collect()
}

/// The radar chart with its caption.
pub(super) fn figure(report: &AuditReport) -> Markup {
    let previous = report.previous.as_ref();
    let axes = axes(&report.score, previous.map(|p| &p.card));
    let title = match previous {
        Some(p) => format!(
            "Category levels 0 to 5: scan {} (solid) and previous scan {} (dashed)",
            report.scan.id, p.scan
        ),
        None => format!("Category levels 0 to 5: scan {}", report.scan.id),
    };
    html! {
        figure.radar {
            (svg(&axes, &title))
            figcaption {
                span.swatch {}
                "scan " (report.scan.id)
                @if let Some(p) = previous {
                    span.swatch.previous {}
                    "previous scan " (p.scan) " (" (p.at.date()) ")"
                }
                ". One axis per PKIMM category, labelled with its level and its coverage (the \
                 share of its requirement weight rated scan evidence speaks to, partial \
                 evidence counting half); a category not assessed (or not applicable) keeps \
                 its axis, dashed, its point at the centre."
                @if let Some(reason) = &report.score.not_assessed {
                    " Nothing is assessed: " (reason) "."
                }
            }
        }
    }
}

/// A coordinate with one decimal.
fn at(value: f64) -> String {
    format!("{value:.1}")
}

/// The `<svg id="radar">` element for `axes`.
pub(super) fn svg(axes: &[Axis], title: &str) -> Markup {
    let geometry = Geometry::new(axes.len());
    let (width, height) = SIZE;
    let (cx, cy) = geometry.centre;
    html! {
        svg id="radar" role="img" aria-label=(title) width=(width) height=(height)
            viewBox={ "0 0 " (width) " " (height) } {
            title { (title) }
            @if axes.iter().all(|a| a.missing.is_some()) {
                text.radar-empty x=(cx) y=(cy) text-anchor="middle" {
                    "No category is assessed in this scan."
                }
            }
            @if !axes.is_empty() {
                (rings(&geometry))
                (spokes(&geometry, axes))
                (outlines(&geometry, axes))
            }
        }
    }
}

/// The rings at levels 1–5 (polygons from three axes, circles below) and
/// their level numbers along the first axis.
fn rings(geometry: &Geometry) -> Markup {
    let (cx, cy) = geometry.centre;
    html! {
        @for level in 1..=5 {
            @let level = f64::from(level);
            @if geometry.axes >= 3 {
                polygon.radar-ring points=(geometry.points(&vec![level; geometry.axes])) {}
            } @else {
                circle.radar-ring cx=(cx) cy=(cy) r=(at(geometry.radius * level / MAX_LEVEL)) {}
            }
            @let (x, y) = geometry.point(0, level);
            text.radar-ring-label x=(at(x + 4.0)) y=(at(y + 12.0)) { (number(level)) }
        }
    }
}

/// One line from the centre per axis, labelled with the category id and
/// its level.
fn spokes(geometry: &Geometry, axes: &[Axis]) -> Markup {
    let (cx, cy) = geometry.centre;
    html! {
        @for (index, axis) in axes.iter().enumerate() {
            @let (x, y) = geometry.point(index, MAX_LEVEL);
            @let class = if axis.missing.is_some() { "radar-axis radar-na" } else { "radar-axis" };
            line class=(class) x1=(cx) y1=(cy) x2=(at(x)) y2=(at(y)) {}
            @let (lx, ly, anchor, dy) = geometry.label(index);
            text.radar-label x=(at(lx)) y=(at(ly)) dy=(dy) text-anchor=(anchor) {
                (axis.id)
                tspan.radar-label-level {
                    " "
                    @match axis.missing {
                        Some(word) => { (word) },
                        None => { (axis.current) },
                    }
                }
                tspan.radar-label-coverage { " · " (coverage_text(axis.coverage)) }
            }
        }
    }
}

/// A coverage as `76% covered`, or `coverage n/a`.
fn coverage_text(coverage: Option<f64>) -> String {
    coverage.map_or_else(
        || "coverage n/a".to_string(),
        |c| format!("{}% covered", (c * 100.0).floor()),
    )
}

/// The previous outline (dashed, under) and the current one with a marked
/// point per axis.
fn outlines(geometry: &Geometry, axes: &[Axis]) -> Markup {
    let previous: Option<Vec<f64>> = axes.iter().map(|a| a.previous.map(f64::from)).collect();
    let current: Vec<f64> = axes.iter().map(|a| f64::from(a.current)).collect();
    html! {
        @if let Some(levels) = previous {
            polygon.radar-previous points=(outline(geometry, &levels)) {}
        }
        polygon.radar-current points=(outline(geometry, &current)) {}
        @for (index, axis) in axes.iter().enumerate().filter(|(_, a)| a.missing.is_none()) {
            @let (x, y) = geometry.point(index, current[index]);
            circle.radar-dot cx=(at(x)) cy=(at(y)) r="3.5" {
                title {
                    (axis.id) ": level " (axis.current)
                    @if let Some(p) = axis.previous {
                        " (previous scan: " (p) ")"
                    }
                }
            }
        }
    }
}

/// The outline's points; a single axis is drawn from the centre so that it
/// shows as a line.
fn outline(geometry: &Geometry, levels: &[f64]) -> String {
    let points = geometry.points(levels);
    if levels.len() == 1 {
        let (cx, cy) = geometry.centre;
        format!("{cx:.1},{cy:.1} {points}")
    } else {
        points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(id: &str, current: u8, previous: Option<u8>) -> Axis {
        Axis {
            id: id.to_string(),
            current,
            missing: None,
            previous,
            coverage: Some(0.5),
        }
    }

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9
    }

    #[test]
    fn points_lie_on_their_axis_at_their_level() {
        let g = Geometry::new(4);
        let (cx, cy) = g.centre;
        // Axis 0 points up, axis 1 right, axis 2 down, axis 3 left.
        assert!(close(g.point(0, 5.0), (cx, cy - g.radius)));
        assert!(close(g.point(1, 2.5), (cx + g.radius / 2.0, cy)));
        assert!(close(g.point(2, 1.0), (cx, cy + g.radius / 5.0)));
        assert!(close(g.point(3, 5.0), (cx - g.radius, cy)));
        assert!(close(g.point(1, 0.0), (cx, cy)));
        // Levels beyond the scale are clamped.
        assert!(close(g.point(0, 9.0), g.point(0, 5.0)));
    }

    #[test]
    fn outline_has_one_point_per_axis() {
        for n in 1..=16 {
            let g = Geometry::new(n);
            let points = g.points(&vec![3.0; n]);
            assert_eq!(points.split(' ').count(), n, "{n} axes");
        }
        let g = Geometry::new(4);
        let (cx, cy) = g.centre;
        assert_eq!(
            g.points(&[5.0, 0.0, 0.0, 0.0]),
            format!(
                "{cx:.1},{:.1} {cx:.1},{cy:.1} {cx:.1},{cy:.1} {cx:.1},{cy:.1}",
                cy - g.radius
            )
        );
    }

    #[test]
    fn one_and_two_axes_still_render() {
        for axes in [
            vec![axis("G.cryptography", 2, None)],
            vec![axis("a", 1, Some(2)), axis("b", 4, Some(3))],
        ] {
            let out = svg(&axes, "t").into_string();
            assert_eq!(out.matches("class=\"radar-axis\"").count(), axes.len());
            assert_eq!(out.matches("class=\"radar-ring\"").count(), 5);
            assert!(out.contains("<circle class=\"radar-ring\""));
            assert_eq!(out.matches("class=\"radar-dot\"").count(), axes.len());
            // Two points either way: a spoke from the centre, or a line.
            let current = out
                .split("class=\"radar-current\" points=\"")
                .nth(1)
                .unwrap();
            let current = &current[..current.find('"').unwrap()];
            assert_eq!(current.split(' ').count(), 2, "{current}");
        }
    }

    #[test]
    fn previous_outline_only_with_previous_levels_and_labels_escaped() {
        let out = svg(
            &[axis("<x>", 3, None), axis("b", 2, None), axis("c", 1, None)],
            "a \"t\"",
        )
        .into_string();
        assert!(!out.contains("radar-previous"));
        assert!(out.contains("&lt;x&gt;") && !out.contains("<x>"));
        assert!(out.contains("aria-label=\"a &quot;t&quot;\""));
        assert!(out.contains("<polygon class=\"radar-ring\""));
        let out = svg(
            &[
                axis("a", 3, Some(0)),
                axis("b", 2, Some(4)),
                axis("c", 1, Some(1)),
            ],
            "t",
        )
        .into_string();
        assert_eq!(out.matches("class=\"radar-previous\"").count(), 1);
    }

    #[test]
    fn no_axes_render_a_note() {
        let out = svg(&[], "t").into_string();
        assert!(out.starts_with("<svg id=\"radar\""));
        assert!(out.contains("No category is assessed"));
        assert!(!out.contains("radar-axis"));
    }

    #[test]
    fn sixteen_axes_with_not_assessed_ones_drawn_as_such() {
        let mut axes: Vec<Axis> = (0..16).map(|i| axis(&format!("c{i}"), 2, None)).collect();
        for a in axes.iter_mut().take(5) {
            a.current = 0;
            a.missing = Some("not assessed");
            a.coverage = None;
        }
        let out = svg(&axes, "t").into_string();
        assert_eq!(out.matches("<line class=\"radar-axis").count(), 16);
        assert_eq!(out.matches("class=\"radar-axis radar-na\"").count(), 5);
        assert_eq!(out.matches("> not assessed</tspan>").count(), 5);
        assert_eq!(out.matches("coverage n/a").count(), 5);
        // Only assessed axes get a dot; the outline has all 16 points.
        assert_eq!(out.matches("class=\"radar-dot\"").count(), 11);
        let current = out
            .split("class=\"radar-current\" points=\"")
            .nth(1)
            .unwrap();
        assert_eq!(current[..current.find('"').unwrap()].split(' ').count(), 16);
    }
}
