//! What the harness prints: one line per measurement, in a fixed shape that BENCHMARKS.md
//! quotes.

use std::time::Duration;

use crate::Settings;
use crate::load::Measured;
use crate::server::Rss;

/// The machine and the run's settings, first.
pub fn machine(s: &Settings) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "# {cores} cores ({cpu}); engine {:?}; {} products; {} connections; {} s per measurement",
        s.engine,
        s.products,
        s.connections,
        s.duration.as_secs()
    );
}

/// A section heading.
pub fn section(title: &str) {
    println!("\n== {title}");
}

/// A fact worth a line of its own.
pub fn fact(what: &str, value: impl std::fmt::Display) {
    println!("   {what:<34} {value}");
}

/// One measurement: rate, its share of `ceiling` when given, latencies, errors, memory.
pub fn line(what: &str, unit: &str, m: &Measured, ceiling: Option<f64>, rss: Option<Rss>) {
    let share = ceiling.map_or(String::new(), |c| {
        format!(" ({:.1} % of ceiling)", 100.0 * m.rate() / c)
    });
    let errors = match m.tally.failures() {
        0 => "errors 0".to_owned(),
        n => format!(
            "errors {n} [{}]",
            m.tally
                .errors()
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let memory = rss.map_or(String::new(), |r| format!("  server RSS peak {:.0} MB", r.peak_mb));
    println!(
        "   {what:<34} {:>9.0} {unit}/s{share}  p50 {}  p99 {}  max {}  {errors}{memory}",
        m.rate(),
        ms(m.tally.quantile(0.5)),
        ms(m.tally.quantile(0.99)),
        ms(m.tally.max()),
    );
}

/// A duration in milliseconds, with sensible precision.
pub fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.1} ms")
    }
}
