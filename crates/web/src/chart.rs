//! Charts drawn by the server as inline SVG (no JavaScript): a line chart for money per
//! day and a bar chart for counts. Every text that goes into the SVG is escaped.

use std::fmt::Write;

/// One line or set of bars.
#[derive(Debug, Clone)]
pub struct Series {
    /// The legend's name.
    pub name: String,
    /// A CSS colour.
    pub color: &'static str,
    /// One value per label.
    pub values: Vec<i64>,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// Escapes text for SVG/HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

struct Frame {
    min: i64,
    max: i64,
    n: usize,
}

impl Frame {
    fn new(series: &[Series], n: usize) -> Self {
        let all = series.iter().flat_map(|s| s.values.iter().copied());
        let (mut min, mut max) = all.fold((0i64, 0i64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if max == min {
            max = min + 1;
        }
        // Leave a little headroom above the tallest value.
        max += (max - min) / 10;
        if min < 0 {
            min -= (max - min) / 20;
        }
        Self { min, max, n: n.max(1) }
    }

    fn y(&self, v: i64) -> f64 {
        let span = (self.max - self.min) as f64;
        TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - (v - self.min) as f64 / span)
    }

    fn x_center(&self, i: usize) -> f64 {
        let step = (WIDTH - LEFT - RIGHT) / self.n as f64;
        LEFT + step * (i as f64 + 0.5)
    }

    fn step(&self) -> f64 {
        (WIDTH - LEFT - RIGHT) / self.n as f64
    }
}

fn open(out: &mut String, id: &str, title: &str) {
    let _ = write!(
        out,
        r#"<svg class="chart" id="{id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{title}" xmlns="http://www.w3.org/2000/svg"><title>{title}</title>"#,
        id = escape(id),
        title = escape(title)
    );
}

fn axes(out: &mut String, frame: &Frame, labels: &[String], format: &dyn Fn(i64) -> String) {
    for k in 0..=4 {
        let v = frame.min + (frame.max - frame.min) * k / 4;
        let y = frame.y(v);
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="#eee"/><text x="{tx}" y="{ty:.1}" text-anchor="end">{label}</text>"##,
            x2 = WIDTH - RIGHT,
            tx = LEFT - 6.0,
            ty = y + 4.0,
            label = escape(&format(v)),
        );
    }
    let zero = frame.y(0);
    let _ = write!(
        out,
        r##"<line x1="{LEFT}" x2="{x2}" y1="{zero:.1}" y2="{zero:.1}" stroke="#999"/>"##,
        x2 = WIDTH - RIGHT
    );
    // At most ~8 date labels, so they never overlap.
    let every = labels.len().div_ceil(8).max(1);
    for (i, label) in labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{y}" text-anchor="middle">{label}</text>"#,
            x = frame.x_center(i),
            y = HEIGHT - 8.0,
            label = escape(label),
        );
    }
}

/// A line chart of `series` over `labels` (one point per label).
pub fn line_chart(
    id: &str,
    title: &str,
    labels: &[String],
    series: &[Series],
    format: &dyn Fn(i64) -> String,
) -> String {
    let frame = Frame::new(series, labels.len());
    let mut out = String::new();
    open(&mut out, id, title);
    axes(&mut out, &frame, labels, format);
    for s in series {
        let points: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", frame.x_center(i), frame.y(*v)))
            .collect();
        let _ = write!(
            out,
            r#"<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"><title>{name}</title></polyline>"#,
            color = s.color,
            points = points.join(" "),
            name = escape(&s.name)
        );
        for (i, v) in s.values.iter().enumerate() {
            let _ = write!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="2.5" fill="{color}"><title>{label}: {value}</title></circle>"#,
                x = frame.x_center(i),
                y = frame.y(*v),
                color = s.color,
                label = escape(labels.get(i).map_or("", String::as_str)),
                value = escape(&format(*v)),
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// A bar chart of `series` over `labels` (bars side by side per label).
pub fn bar_chart(
    id: &str,
    title: &str,
    labels: &[String],
    series: &[Series],
    format: &dyn Fn(i64) -> String,
) -> String {
    let frame = Frame::new(series, labels.len());
    let mut out = String::new();
    open(&mut out, id, title);
    axes(&mut out, &frame, labels, format);
    let group = frame.step() * 0.8;
    let width = group / series.len().max(1) as f64;
    for (k, s) in series.iter().enumerate() {
        for (i, v) in s.values.iter().enumerate() {
            let x = frame.x_center(i) - group / 2.0 + width * k as f64;
            let (y0, y1) = (frame.y(0), frame.y(*v));
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{color}"><title>{label}: {value}</title></rect>"#,
                y = y0.min(y1),
                w = width.max(1.0),
                h = (y0 - y1).abs(),
                color = s.color,
                label = escape(labels.get(i).map_or("", String::as_str)),
                value = escape(&format(*v)),
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_their_text_and_draw_every_point() {
        let labels = vec!["11-01".to_owned(), "<b>".to_owned()];
        let series = [Series {
            name: "Revenue & <margin>".into(),
            color: "#b4232a",
            values: vec![100, -50],
        }];
        let svg = line_chart("c", "T<1>", &labels, &series, &|v| v.to_string());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(
            svg.contains("T&lt;1&gt;") && svg.contains("&lt;b&gt;") && svg.contains("Revenue &amp; &lt;margin&gt;")
        );
        assert!(!svg.contains("<b>"));
        assert_eq!(svg.matches("<circle").count(), 2);
        let bars = bar_chart("b", "Orders", &labels, &series, &|v| v.to_string());
        assert_eq!(bars.matches("<rect").count(), 2);
    }
}
