//! Charts drawn by the server as inline SVG (no JavaScript): a line chart for money per
//! day and a bar chart for counts. Every text that goes into the SVG is escaped.
//!
//! The value axis has round ticks (a step of 1, 2 or 5 × 10ⁿ, zero always on the axis);
//! its margin is as wide as its longest label, and the date labels are thinned out until
//! they no longer overlap, so no label is cut off or drawn over another.

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
const RIGHT: f64 = 16.0;
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

/// At most this many intervals on the value axis.
const TICKS: i64 = 5;
/// The labels' font size in the SVG's units (app.css sets `.chart text` to it).
const FONT: f64 = 11.0;

/// The width `text` takes at the labels' font size: CJK characters are square, Latin
/// digits and letters about 0.6 of the size (a slight overestimate, so labels never touch).
fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { FONT * 0.62 } else { FONT * 1.05 })
        .sum()
}

/// A round step (1, 2 or 5 × 10ⁿ, at least 1) that covers `lo..=hi` in at most
/// `TICKS` intervals, and the first and last tick: multiples of the step around the range.
fn round_ticks(lo: i64, hi: i64) -> (i64, i64, i64) {
    let mut power: i64 = 1;
    loop {
        for m in [1, 2, 5] {
            let step = power.saturating_mul(m);
            let (first, last) = (lo.div_euclid(step) * step, -((-hi).div_euclid(step)) * step);
            if (last - first) / step <= TICKS || step == i64::MAX {
                return (first, last.max(first + step), step);
            }
        }
        power = power.saturating_mul(10);
    }
}

/// Drops a decimal part that is zero on every label (`¥1200.00` → `¥1200`): round ticks
/// read better without it.
fn trim_zero_decimals(labels: Vec<String>) -> Vec<String> {
    let zero_decimals = |l: &String| {
        l.rsplit_once('.')
            .is_some_and(|(_, d)| !d.is_empty() && d.bytes().all(|b| b == b'0'))
    };
    if labels.iter().all(zero_decimals) {
        labels
            .into_iter()
            .map(|l| l.rsplit_once('.').map_or(l.clone(), |(w, _)| w.to_owned()))
            .collect()
    } else {
        labels
    }
}

struct Frame {
    min: i64,
    max: i64,
    n: usize,
    /// The value axis's margin: its longest label and a gap.
    left: f64,
    /// The value axis's ticks and their labels.
    ticks: Vec<(i64, String)>,
}

impl Frame {
    fn new(series: &[Series], n: usize, format: &dyn Fn(i64) -> String) -> Self {
        let all = series.iter().flat_map(|s| s.values.iter().copied());
        let (lo, hi) = all.fold((0i64, 0i64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let (min, max, step) = round_ticks(lo, hi);
        let values: Vec<i64> = (0..).map(|k| min + k * step).take_while(|v| *v <= max).collect();
        let labels = trim_zero_decimals(values.iter().map(|v| format(*v)).collect());
        let widest = labels.iter().map(|l| text_width(l)).fold(0.0, f64::max);
        Self {
            min,
            max,
            n: n.max(1),
            left: (widest + 10.0).max(32.0),
            ticks: values.into_iter().zip(labels).collect(),
        }
    }

    fn y(&self, v: i64) -> f64 {
        let span = (self.max - self.min) as f64;
        TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - (v - self.min) as f64 / span)
    }

    fn x_center(&self, i: usize) -> f64 {
        self.left + self.step() * (i as f64 + 0.5)
    }

    fn step(&self) -> f64 {
        (WIDTH - self.left - RIGHT) / self.n as f64
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

fn axes(out: &mut String, frame: &Frame, labels: &[String]) {
    let x2 = WIDTH - RIGHT;
    for (v, label) in &frame.ticks {
        let y = frame.y(*v);
        let _ = write!(
            out,
            r##"<line x1="{left:.1}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="{stroke}"/><text x="{tx:.1}" y="{ty:.1}" text-anchor="end">{label}</text>"##,
            left = frame.left,
            stroke = if *v == 0 { "#999" } else { "#eee" },
            tx = frame.left - 6.0,
            ty = y + 4.0,
            label = escape(label),
        );
    }
    // Every `every`-th date, so that each label has its width and a gap to itself.
    let widest = labels.iter().map(|l| text_width(l)).fold(0.0, f64::max);
    let every = ((widest + 8.0) / frame.step()).ceil().max(1.0) as usize;
    for (i, label) in labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        // Kept inside the picture: the last date of a long range sits at the edge.
        let half = text_width(label) / 2.0;
        let x = frame.x_center(i).clamp(half + 1.0, WIDTH - half - 1.0);
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{y}" text-anchor="middle">{label}</text>"#,
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
    let frame = Frame::new(series, labels.len(), format);
    let mut out = String::new();
    open(&mut out, id, title);
    axes(&mut out, &frame, labels);
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
    let frame = Frame::new(series, labels.len(), format);
    let mut out = String::new();
    open(&mut out, id, title);
    axes(&mut out, &frame, labels);
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

    #[test]
    fn ticks_are_round_and_cover_the_values() {
        assert_eq!(round_ticks(0, 0), (0, 1, 1));
        assert_eq!(round_ticks(0, 3), (0, 3, 1));
        assert_eq!(round_ticks(0, 7), (0, 8, 2));
        assert_eq!(round_ticks(0, 23), (0, 25, 5));
        assert_eq!(round_ticks(0, 159_729_100), (0, 200_000_000, 50_000_000));
        assert_eq!(round_ticks(-120, 430), (-200, 600, 200));
        for (lo, hi) in [(0, 1), (0, 99), (-5, 17), (0, 1_234_567), (-999, 0), (0, i64::MAX / 4)] {
            let (first, last, step) = round_ticks(lo, hi);
            let mantissa = (0..19)
                .map(|p| 10i64.pow(p))
                .find_map(|p| [1, 2, 5].into_iter().find(|m| m * p == step));
            assert!(mantissa.is_some(), "{step} is not 1, 2 or 5 × 10^n");
            assert!(
                first <= lo && last >= hi && (last - first) / step <= TICKS,
                "{lo}..{hi}"
            );
        }
    }

    #[test]
    fn labels_fit_in_their_margin_and_never_overlap() {
        let labels: Vec<String> = (0..366)
            .map(|d| format!("{:02}-{:02}", d / 31 + 1, d % 31 + 1))
            .collect();
        let series = [Series {
            name: "Revenue".into(),
            color: "#000",
            values: (0..366).map(|d| d * 4_321_000).collect(),
        }];
        let money = |v: i64| format!("¥{}.{:02}", v / 100, v % 100);
        let svg = line_chart("c", "T", &labels, &series, &money);
        // Round ticks without their zero decimals.
        assert!(svg.contains(">¥0<") && svg.contains(">¥5000000<"), "{svg}");
        let xs: Vec<f64> = svg
            .split("<text x=\"")
            .skip(1)
            .filter(|t| t.split('>').next().unwrap().contains(r#"text-anchor="middle""#))
            .map(|t| t.split('"').next().unwrap().parse().unwrap())
            .collect();
        assert!(xs.len() >= 8, "{} date labels", xs.len());
        let width = text_width("12-31");
        assert!(xs.windows(2).all(|w| w[1] - w[0] > width), "overlap: {xs:?}");
        assert!(
            xs.iter().all(|x| x - width / 2.0 >= 0.0 && x + width / 2.0 <= WIDTH),
            "cut off: {xs:?}"
        );
        let frame = Frame::new(&series, labels.len(), &money);
        let widest = frame.ticks.iter().map(|(_, l)| text_width(l)).fold(0.0, f64::max);
        assert!(frame.left >= widest + 6.0);
    }
}
