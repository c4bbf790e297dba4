//! Charts drawn on the server as SVG (no script): a balance over time as a line with its
//! zero, lowest and highest marked, and monthly figures as bars. The text inside is escaped;
//! numbers are formatted by the caller.

use std::fmt::Write as _;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 200.0;
const PAD: f64 = 28.0;
/// Room on the left of a line for the highest and lowest values.
const LEFT: f64 = 84.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A line through `(time, value)` points, oldest first; `label` names it for screen readers
/// and `unit` follows the values printed on the axis. Empty when there is no point.
pub fn line(points: &[(i64, f64)], label: &str, unit: &str) -> String {
    if points.is_empty() {
        return String::new();
    }
    let (t0, t1) = (points[0].0, points[points.len() - 1].0);
    let lo = points.iter().map(|p| p.1).fold(0.0_f64, f64::min);
    let hi = points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
    let span_v = if hi > lo { hi - lo } else { 1.0 };
    let span_t = if t1 > t0 { (t1 - t0) as f64 } else { 1.0 };
    let x = |t: i64| LEFT + (t - t0) as f64 / span_t * (WIDTH - LEFT - PAD);
    let y = |v: f64| HEIGHT - PAD - (v - lo) / span_v * (HEIGHT - 2.0 * PAD);
    let mut path = String::new();
    // A step line: a balance holds until the next movement.
    let mut last: Option<f64> = None;
    for (t, v) in points {
        match last {
            None => {
                let _ = write!(path, "M{:.1},{:.1}", x(*t), y(*v));
            }
            Some(prev) => {
                let _ = write!(
                    path,
                    " L{:.1},{:.1} L{:.1},{:.1}",
                    x(*t),
                    y(prev),
                    x(*t),
                    y(*v)
                );
            }
        }
        last = Some(*v);
    }
    if points.len() == 1 {
        let _ = write!(path, " L{:.1},{:.1}", WIDTH - PAD, y(points[0].1));
    }
    let label = escape(label);
    let unit = escape(unit);
    format!(
        r##"<svg class="chart-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title" data-chart="line" data-points="{n}"><title id="chart-title">{label}</title><line x1="{LEFT}" x2="{x2}" y1="{zy:.1}" y2="{zy:.1}" stroke="currentColor" stroke-opacity="0.3" stroke-dasharray="4 4"/><path class="chart-svg__line" d="{path}"/><text x="4" y="{hy:.1}" font-size="11" fill="currentColor">{hi} {unit}</text><text x="4" y="{ly:.1}" font-size="11" fill="currentColor">{lo} {unit}</text></svg>"##,
        n = points.len(),
        x2 = WIDTH - PAD,
        zy = y(0.0),
        hy = PAD - 8.0,
        ly = HEIGHT - 8.0,
        hi = trim(hi),
        lo = trim(lo),
    )
}

/// Bars, one per `(label, value)`, with the labels under them.
pub fn bars(values: &[(String, f64)], label: &str) -> String {
    if values.is_empty() {
        return String::new();
    }
    let hi = values.iter().map(|v| v.1).fold(0.0_f64, f64::max);
    let hi = if hi > 0.0 { hi } else { 1.0 };
    let slot = (WIDTH - 2.0 * PAD) / values.len() as f64;
    let mut body = String::new();
    for (i, (name, v)) in values.iter().enumerate() {
        let h = v.max(0.0) / hi * (HEIGHT - 2.0 * PAD);
        let x = PAD + i as f64 * slot + slot * 0.15;
        let _ = write!(
            body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" class="fill-1"><title>{name}: {v}</title></rect><text x="{tx:.1}" y="{ty}" font-size="10" text-anchor="middle" fill="currentColor">{short}</text>"#,
            y = HEIGHT - PAD - h,
            w = slot * 0.7,
            name = escape(name),
            v = trim(*v),
            tx = x + slot * 0.35,
            ty = HEIGHT - 10.0,
            short = escape(name.get(5..).unwrap_or(name)),
        );
    }
    format!(
        r#"<svg class="chart-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}" data-chart="bars">{body}</svg>"#,
        label = escape(label),
    )
}

fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_has_a_point_per_value_and_escapes_its_label() {
        let svg = line(&[(0, 1.0), (10, -2.5), (20, 4.0)], "<b>", "H");
        assert!(svg.contains(r#"data-points="3""#));
        assert!(svg.contains("&lt;b&gt;"));
        assert!(svg.contains(">4 H<"));
        assert!(svg.contains(">-2.5 H<"));
        assert!(line(&[], "x", "H").is_empty());
    }

    #[test]
    fn bars_scale_to_the_highest() {
        let svg = bars(
            &[("2026-01".into(), 2.0), ("2026-02".into(), 4.0)],
            "Volume",
        );
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains(r#"height="144.0""#), "{svg}");
    }
}
