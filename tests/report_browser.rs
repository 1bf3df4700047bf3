//! The demo lab's report rendered by headless Chromium (Debian's
//! `chromium`, which `.ci/run` installs): the page parses with the radar
//! chart in it (all sixteen axes, not-assessed ones drawn as such), the
//! model's level names and the roadmap, the hostile certificate subject is a text node (no script
//! element), and a screenshot shows the radar's filled polygon. Where no
//! Chromium is installed the test says SKIPPED, never passes silently.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const CLOCK: &str = "2026-06-01T12:00:00Z";

/// The radar polygon's fill, rgba(47, 111, 159, 0.18) over white.
const RADAR_FILL: [u8; 3] = [218, 229, 238];

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CERTATLAS_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(PathBuf::from)
}

/// Runs Chromium headless on `page` with `extra` arguments; the flags keep
/// it off the network (this machine has none) and out of the user's
/// profile.
fn headless(browser: &Path, page: &Path, extra: &[&str]) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    let mut args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--hide-scrollbars".into(),
        format!("--user-data-dir={}", profile.path().display()),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    args.push(format!("file://{}", page.display()));
    let out = Command::new(browser)
        .args(&args)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Pixels of `png` within 3 of `colour` in every channel.
fn pixels_like(png: &Path, colour: [u8; 3]) -> usize {
    let decoder = png::Decoder::new(std::fs::File::open(png).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let channels = info.color_type.samples();
    buffer[..info.buffer_size()]
        .chunks(channels)
        .filter(|px| (0..3).all(|i| px[i].abs_diff(colour[i]) <= 3))
        .count()
}

#[test]
fn demo_report_renders_in_headless_chromium_with_radar_and_escaped_subject() {
    let Some(browser) = chromium() else {
        eprintln!("SKIPPED: no chromium on PATH (Debian package `chromium`; .ci/run installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let report = common::demo::demo_database(dir.path(), CLOCK).report;
    let page = report.join("report.html");

    let dom = String::from_utf8(headless(&browser, &page, &["--dump-dom"]).stdout).unwrap();
    assert!(
        dom.contains("<svg id=\"radar\""),
        "the radar chart is in the rendered page"
    );
    assert!(dom.contains("class=\"radar-current\""));
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the hostile subject is text"
    );
    assert!(
        !dom.contains("<script>alert(1)</script>"),
        "no script element was made"
    );
    assert!(!dom.contains("<script"), "the page has no script at all");
    // The model's level names with our one-line descriptions.
    for (n, name) in [
        "Initial",
        "Foundational",
        "Advanced",
        "Managed",
        "Optimized",
    ]
    .iter()
    .enumerate()
    {
        assert!(
            dom.contains(&format!(">{} {name}</span></dt>", n + 1)),
            "level name {name}"
        );
    }
    // All sixteen radar axes; Governance (5) and Resources (3) drawn as
    // not assessed, each with its coverage.
    assert_eq!(dom.matches("<line class=\"radar-axis").count(), 16);
    assert!(dom.matches("class=\"radar-axis radar-na\"").count() >= 8);
    assert!(dom.matches("> not assessed</tspan>").count() >= 8);
    assert_eq!(dom.matches("class=\"radar-label-coverage\"").count(), 16);
    // The roadmap, with at least one step and its target.
    assert!(dom.contains("<section id=\"roadmap-section\">"));
    assert!(dom.contains("<ol class=\"roadmap\">"), "a roadmap step");
    assert!(
        dom.contains("categories assessed"),
        "n of m categories on the badges"
    );

    let shot = dir.path().join("report.png");
    let screenshot = format!("--screenshot={}", shot.display());
    headless(&browser, &page, &[&screenshot, "--window-size=1200,1600"]);
    let filled = pixels_like(&shot, RADAR_FILL);
    eprintln!("radar fill pixels in the screenshot: {filled}");
    assert!(
        filled > 5_000,
        "the radar polygon is painted ({filled} pixels of its fill)"
    );
}
