//! Results of one run: latency histograms summarised, metrics with units, a
//! JSON file and a Markdown table (also printed), so runs can be compared and
//! docs/benchmarks.md assembled from them.

use anyhow::{Context, Result};
use hdrhistogram::Histogram;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// A latency histogram in microseconds, 1 µs .. 120 s, 3 significant figures.
pub fn histogram() -> Histogram<u64> {
    #[allow(clippy::expect_used)] // constant, valid bounds: this cannot fail
    Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid histogram bounds")
}

/// Records a latency in nanoseconds into a µs histogram (values clamp into range).
pub fn record_ns(h: &mut Histogram<u64>, ns: u64) {
    let us = (ns / 1_000).clamp(1, 120_000_000);
    h.saturating_record(us);
}

/// Percentiles of a latency histogram, in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    /// Samples recorded.
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    /// Largest sample.
    pub max_ms: f64,
    /// Arithmetic mean.
    pub mean_ms: f64,
}

impl Latency {
    /// Summarises a µs histogram.
    pub fn of(h: &Histogram<u64>) -> Latency {
        let ms = |us: u64| us as f64 / 1000.0;
        Latency {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
            mean_ms: h.mean() / 1000.0,
        }
    }
}

/// One named result with its unit, e.g. `deliveries/s`.
#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    /// What is measured, e.g. `deliveries/s`.
    pub name: String,
    /// A number (or a short text).
    pub value: Value,
    /// Unit of `value`.
    pub unit: String,
}

/// The whole result of one scenario run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The subcommand that ran.
    pub scenario: String,
    /// Names the result files; the scenario unless `--label` was given.
    pub label: String,
    /// `arena` or `reference`.
    pub target: String,
    /// `json` or `msgpack`.
    pub encoding: String,
    /// The command line that produced it.
    pub command: String,
    /// Scenario parameters as given.
    pub params: Value,
    /// Results in the order they were added.
    pub metrics: Vec<Metric>,
    /// Named latency distributions (e.g. `delivery`, `ack`).
    pub latencies: Vec<(String, Latency)>,
    /// Pass/fail notes (targets, loss, errors).
    pub notes: Vec<String>,
    /// When the run started (Unix ms).
    pub started_unix_ms: u64,
    /// Wall time of the whole run, seconds.
    pub duration_s: f64,
}

impl Report {
    /// An empty report for `scenario`.
    pub fn new(scenario: &str, target: &str, encoding: &str, params: Value) -> Report {
        Report {
            scenario: scenario.into(),
            label: scenario.into(),
            target: target.into(),
            encoding: encoding.into(),
            command: std::iter::once("arena-loadtest".to_owned())
                .chain(std::env::args().skip(1))
                .collect::<Vec<_>>()
                .join(" "),
            params,
            metrics: Vec::new(),
            latencies: Vec::new(),
            notes: Vec::new(),
            started_unix_ms: crate::sys::unix_nanos() / 1_000_000,
            duration_s: 0.0,
        }
    }

    /// Adds a metric.
    pub fn metric(&mut self, name: &str, value: impl Into<Value>, unit: &str) {
        self.metrics.push(Metric {
            name: name.into(),
            value: value.into(),
            unit: unit.into(),
        });
    }

    /// Adds a latency summary.
    pub fn latency(&mut self, name: &str, h: &Histogram<u64>) {
        self.latencies.push((name.into(), Latency::of(h)));
    }

    /// Adds a note line.
    pub fn note(&mut self, s: impl Into<String>) {
        self.notes.push(s.into());
    }

    /// A metric's numeric value, if present.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .and_then(|m| m.value.as_f64())
    }

    /// The report as a Markdown section.
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "#### {} ({}) · target {} · {}\n\n`{}`\n\n| metric | value | unit |\n|---|---:|---|\n",
            self.label, self.scenario, self.target, self.encoding, self.command
        );
        for m in &self.metrics {
            let v = match &m.value {
                Value::Number(n) => n.as_f64().map(fmt_num).unwrap_or_else(|| n.to_string()),
                Value::String(t) => t.clone(),
                other => other.to_string(),
            };
            s.push_str(&format!("| {} | {} | {} |\n", m.name, v, m.unit));
        }
        if !self.latencies.is_empty() {
            s.push_str("\n| latency | count | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |\n|---|---:|---:|---:|---:|---:|---:|\n");
            for (name, l) in &self.latencies {
                s.push_str(&format!(
                    "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |\n",
                    name, l.count, l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms
                ));
            }
        }
        for n in &self.notes {
            s.push_str(&format!("\n- {n}"));
        }
        s.push('\n');
        s
    }

    /// Writes `<dir>/<scenario>-<target>-<encoding>.json` and `.md`; prints the Markdown.
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        let base = format!("{}-{}-{}", self.label, self.target, self.encoding);
        let json = serde_json::to_vec_pretty(self)?;
        std::fs::write(dir.join(format!("{base}.json")), json)?;
        let md = self.markdown();
        std::fs::write(dir.join(format!("{base}.md")), &md)?;
        println!("\n{md}");
        Ok(())
    }
}

/// Human formatting: integers without decimals, others with two.
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
}
