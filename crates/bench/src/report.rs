//! [`Report`]: the figures of one scenario, printed as a readable table and as one JSON line.
//!
//! The table is for people; the JSON line (`{"scenario": ..., "params": ..., "figures": ...}`)
//! is for the record, so runs can be compared by a script.

use serde_json::{Map, Value, json};

/// The outcome of one scenario.
#[derive(Debug, Clone)]
pub struct Report {
    /// Dotted name, e.g. `http.healthz`.
    pub scenario: &'static str,
    /// What the scenario was run with (concurrency, message count...).
    pub params: Vec<(&'static str, Value)>,
    pub figures: Vec<Figure>,
    /// Caveats a reader must know to interpret the figures.
    pub notes: Vec<String>,
}

/// One measured value.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Machine key in the JSON line, unit included (`p99_ms`).
    pub key: &'static str,
    /// Label in the table.
    pub label: &'static str,
    pub value: f64,
    /// Unit shown in the table.
    pub unit: &'static str,
}

impl Report {
    pub fn new(scenario: &'static str) -> Self {
        Self {
            scenario,
            params: Vec::new(),
            figures: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn param(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.params.push((key, value.into()));
        self
    }

    pub fn figure(
        mut self,
        key: &'static str,
        label: &'static str,
        value: f64,
        unit: &'static str,
    ) -> Self {
        self.figures.push(Figure {
            key,
            label,
            value,
            unit,
        });
        self
    }

    /// p50, p90, p99 and max (`p50_ms`...) of a histogram of microseconds.
    pub fn latency_figures(self, micros: &hdrhistogram::Histogram<u64>) -> Self {
        let millis = |value: u64| value as f64 / 1000.0;
        self.figure(
            "p50_ms",
            "p50",
            millis(micros.value_at_quantile(0.50)),
            "ms",
        )
        .figure(
            "p90_ms",
            "p90",
            millis(micros.value_at_quantile(0.90)),
            "ms",
        )
        .figure(
            "p99_ms",
            "p99",
            millis(micros.value_at_quantile(0.99)),
            "ms",
        )
        .figure("max_ms", "max", millis(micros.max()), "ms")
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The value of a figure, by key.
    pub fn value(&self, key: &str) -> Option<f64> {
        self.figures
            .iter()
            .find(|figure| figure.key == key)
            .map(|figure| figure.value)
    }

    /// The human-readable table.
    pub fn table(&self) -> String {
        let params = self
            .params
            .iter()
            .map(|(key, value)| match value {
                Value::String(text) => format!("{key}={text}"),
                other => format!("{key}={other}"),
            })
            .collect::<Vec<_>>()
            .join(" ");
        let mut out = format!("\n{}  ({params})\n", self.scenario);
        let label_width = self
            .figures
            .iter()
            .map(|figure| figure.label.len())
            .max()
            .unwrap_or(0);
        for figure in &self.figures {
            out.push_str(&format!(
                "  {:<label_width$}  {:>12} {}\n",
                figure.label,
                format_value(figure.value),
                figure.unit,
            ));
        }
        for note in &self.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
        out
    }

    /// The record: one line of JSON.
    pub fn json_line(&self) -> String {
        let params: Map<String, Value> = self
            .params
            .iter()
            .map(|(key, value)| ((*key).to_owned(), value.clone()))
            .collect();
        let figures: Map<String, Value> = self
            .figures
            .iter()
            .map(|figure| (figure.key.to_owned(), json!(round(figure.value))))
            .collect();
        json!({
            "scenario": self.scenario,
            "params": params,
            "figures": figures,
            "notes": self.notes,
        })
        .to_string()
    }
}

/// Counts as integers; otherwise three decimals below 100, one below 10 000, none above.
fn format_value(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 10_000.0 || (value.fract() == 0.0 && magnitude < 1e15) {
        format!("{value:.0}")
    } else if magnitude >= 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}

/// JSON keeps three decimals: more is noise.
fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_line_holds_params_and_rounded_figures() {
        let report = Report::new("demo")
            .param("clients", 4)
            .figure("p50_ms", "p50", 1.23456, "ms");
        let line: Value = serde_json::from_str(&report.json_line()).expect("valid JSON");
        assert_eq!(
            line,
            json!({
                "scenario": "demo",
                "params": {"clients": 4},
                "figures": {"p50_ms": 1.235},
                "notes": [],
            })
        );
        assert!(!report.json_line().contains('\n'));
    }

    #[test]
    fn value_formatting_table() {
        let cases = [
            (0.5, "0.500"),
            (99.9999, "100.000"),
            (123.45, "123.5"),
            (12_345.6, "12346"),
            (20_000.0, "20000"),
            (0.0, "0"),
        ];
        for (value, text) in cases {
            assert_eq!(format_value(value), text, "{value}");
        }
    }
}
