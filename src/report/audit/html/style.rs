//! The inline stylesheet of `report.html`: calm, printable colours, system
//! fonts only (no web fonts, no `url()`, no `@import`), the radar and
//! trend chart styles, and a print stylesheet.

/// The page's `<style>` content.
pub(crate) const CSS: &str = r#":root {
  --ink: #1f2933; --muted: #5f6b76; --line: #d8dee4; --panel: #f5f7f9;
  --current: #2f6f9f; --previous: #b07d2b;
  --l1: #b85450; --l2: #d08c3a; --l3: #b9a032; --l4: #6a9f58; --l5: #3f7f6f; --na: #9aa5b1;
}
* { box-sizing: border-box; }
body {
  margin: 0 auto; max-width: 1200px; padding: 1.5rem 2rem 3rem;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: #fff;
}
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.9em; }
h1 { font-size: 1.8rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.35rem; margin: 2.2rem 0 0.8rem; padding-bottom: 0.3rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.1rem; margin: 1.4rem 0 0.5rem; }
h4 { font-size: 0.95rem; margin: 0.9rem 0 0.3rem; }
.label {
  margin: 0.6rem 0 1rem; padding: 0.7rem 1rem; font-size: 1.05rem;
  background: #fdf6e3; border: 1px solid #e6d3a3; border-left: 6px solid var(--previous); border-radius: 4px;
}
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1.2rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
nav.contents { margin: 1.2rem 0; padding: 0.5rem 0.8rem; background: var(--panel); border-radius: 4px; }
nav.contents a { margin-right: 1rem; color: var(--current); }
.note, .desc, .muted { color: var(--muted); }
.desc { font-size: 0.85em; }
.badges { display: flex; flex-wrap: wrap; gap: 0.8rem; margin: 0.8rem 0 1.2rem; }
.badge {
  min-width: 10rem; padding: 0.6rem 0.9rem; border: 1px solid var(--line);
  border-left: 8px solid var(--na); border-radius: 4px; background: #fff;
}
.badge.overall { min-width: 14rem; }
.badge span { display: block; }
.badge-name { color: var(--muted); font-size: 0.85rem; }
.badge-level { font-size: 1.35rem; font-weight: 600; }
.badge.overall .badge-level { font-size: 1.9rem; }
.badge-value { font-size: 0.9rem; }
.badge.l1, .level.l1 { border-left-color: var(--l1); }
.badge.l2, .level.l2 { border-left-color: var(--l2); }
.badge.l3, .level.l3 { border-left-color: var(--l3); }
.badge.l4, .level.l4 { border-left-color: var(--l4); }
.badge.l5, .level.l5 { border-left-color: var(--l5); }
.level { display: inline-block; padding: 0 0.5rem; border-left: 5px solid var(--na); background: var(--panel); border-radius: 3px; font-weight: 600; }
figure { margin: 0.5rem 0 1rem; }
figcaption { color: var(--muted); font-size: 0.9rem; }
svg { max-width: 100%; height: auto; font-family: inherit; }
.swatch { display: inline-block; width: 1.6rem; height: 0; margin: 0 0.3rem 0.2rem 0.8rem; vertical-align: middle; border-top: 3px solid var(--current); }
.swatch.previous { border-top: 3px dashed var(--previous); }
.radar-ring { fill: none; stroke: var(--line); stroke-width: 1; }
.radar-axis { stroke: #aab4be; stroke-width: 1; }
.radar-na { stroke-dasharray: 4 4; stroke: #d0d6dc; }
.roadmap li { margin-bottom: 0.4em; }
.requirements td.rating { white-space: nowrap; }
.radar-ring-label { fill: var(--muted); font-size: 10px; }
.radar-label { fill: var(--ink); font-size: 11px; }
.radar-label-level { fill: var(--muted); font-weight: 600; }
.radar-current { fill: rgba(47, 111, 159, 0.18); stroke: var(--current); stroke-width: 2.5; stroke-linejoin: round; }
.radar-previous { fill: none; stroke: var(--previous); stroke-width: 2; stroke-dasharray: 6 4; stroke-linejoin: round; }
.radar-dot { fill: var(--current); }
.radar-empty, .trend-label { fill: var(--muted); font-size: 11px; }
.trend-grid { stroke: var(--line); stroke-width: 1; }
.trend-line { fill: none; stroke: var(--current); stroke-width: 2; }
.trend-dot { fill: var(--current); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 0.4rem 0 0.6rem; font-size: 0.88rem; }
th, td { padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
td { overflow-wrap: break-word; }
.dn, .hash { overflow-wrap: anywhere; word-break: break-all; }
table.finding-counts { width: auto; min-width: 24rem; }
thead th { background: var(--panel); border-bottom: 2px solid var(--line); }
tr.group th { background: #eef2f5; font-weight: 600; }
tr.limiting td { background: #fbf3e4; }
tr.inactive td { color: var(--muted); }
td.num, th.num { text-align: right; white-space: nowrap; }
th.cat { writing-mode: vertical-rl; vertical-align: bottom; white-space: nowrap; font-weight: 500; font-size: 0.8rem; }
.outcome { font-weight: 600; }
.outcome.pass { color: #3f7f4f; }
.outcome.fail { color: #a2403c; }
.outcome.unknown { color: var(--muted); }
.tag { display: inline-block; padding: 0 0.35rem; margin-left: 0.3rem; border: 1px solid var(--line); border-radius: 3px; font-size: 0.75rem; color: var(--muted); }
.sev { font-weight: 600; }
.sev.critical { color: #8e2c2c; }
.sev.high { color: #b85450; }
.sev.medium { color: #a86f1f; }
.sev.low { color: #4f7394; }
.sev.info { color: #7b8794; }
.expired { color: #a2403c; font-weight: 600; }
.soon { color: #a86f1f; font-weight: 600; }
details.category { margin: 0.6rem 0; padding: 0.3rem 0.8rem 0.5rem; border: 1px solid var(--line); border-radius: 4px; }
details.category > summary { cursor: pointer; padding: 0.3rem 0; font-size: 1.02rem; }
.cat-id { font-weight: 600; }
.capped, .contradiction, .claim { margin: 0.3rem 0; padding: 0.3rem 0.6rem; border-radius: 3px; }
.capped { background: #eef2f5; }
.claim { background: #eef4ee; }
.contradiction { background: #f8e6e4; }
ul.lift { margin: 0.2rem 0 0.6rem; padding-left: 1.2rem; }
.more { color: var(--muted); font-style: italic; }
footer { margin-top: 3rem; padding-top: 0.6rem; border-top: 1px solid var(--line); color: var(--muted); font-size: 0.85rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 9pt; }
  nav.contents { display: none; }
  h2 { break-after: avoid; }
  tr, .badge, figure, .label { break-inside: avoid; }
  .scroll { overflow: visible; }
  details.category { border: none; padding: 0; }
  details.category > summary { list-style: none; font-weight: 600; }
  a { color: inherit; text-decoration: none; }
  @page { margin: 14mm; }
}
"#;
