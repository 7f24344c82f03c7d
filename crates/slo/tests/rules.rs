//! Checks on the committed rule file: it is what the generator makes now, every alert has a
//! complete runbook, and every metric it queries is one Atelier exports.

use std::collections::BTreeSet;

use atelier_slo::{OUTPUT_FILE, RuleFile, workspace_root};

fn committed() -> (String, RuleFile) {
    let path = workspace_root().join(OUTPUT_FILE);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "reading {}: {e}; run: cargo run -p atelier-slo",
            path.display()
        )
    });
    let rules = serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("parsing {OUTPUT_FILE}: {e}; run: cargo run -p atelier-slo"));
    (text, rules)
}

#[test]
fn committed_rules_match_the_generator() {
    let expected = atelier_slo::render_from(&workspace_root()).expect("slo/*.yaml generate");
    let (actual, _) = committed();
    assert!(
        actual == expected,
        "{OUTPUT_FILE} is stale or hand-edited; run: cargo run -p atelier-slo"
    );
}

#[test]
fn every_alert_has_a_runbook_with_the_four_sections() {
    let (_, rules) = committed();
    let mut problems = Vec::new();
    let mut alerts = 0;
    for rule in rules.alerts() {
        alerts += 1;
        let name = rule.alert.as_deref().unwrap_or_default();
        for label in ["severity"] {
            if !rule.labels.contains_key(label) {
                problems.push(format!("{name}: no label {label}"));
            }
        }
        if !rule.annotations.contains_key("summary") {
            problems.push(format!("{name}: no summary annotation"));
        }
        let Some(url) = rule.annotations.get("runbook_url") else {
            problems.push(format!("{name}: no runbook_url annotation"));
            continue;
        };
        if !url.starts_with("runbooks/") {
            problems.push(format!("{name}: runbook_url {url} is not under runbooks/"));
            continue;
        }
        let text = match std::fs::read_to_string(workspace_root().join(url)) {
            Ok(text) => text,
            Err(e) => {
                problems.push(format!("{name}: runbook {url}: {e}"));
                continue;
            }
        };
        for section in ["## Meaning", "## Impact", "## Diagnosis", "## Mitigation"] {
            if !text.lines().any(|line| line.trim_end() == section) {
                problems.push(format!("{name}: {url} has no `{section}` section"));
            }
        }
    }
    assert!(alerts > 0, "no alerts in {OUTPUT_FILE}");
    assert!(
        problems.is_empty(),
        "runbook problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_queried_metric_is_exported() {
    let (_, rules) = committed();
    // The platform's series and every registered module's.
    let exported: BTreeSet<String> = atelier_server::modules::metric_series_names()
        .into_iter()
        .collect();
    let mut unknown = Vec::new();
    let mut used = BTreeSet::new();
    for rule in rules.rules() {
        for name in atelier_slo::metric_names(&rule.expr) {
            if !exported.contains(&name) {
                let rule_name = rule
                    .alert
                    .as_deref()
                    .or(rule.record.as_deref())
                    .unwrap_or("?");
                unknown.push(format!("{rule_name}: {name}"));
            }
            used.insert(name);
        }
    }
    assert!(!used.is_empty(), "no atelier_* metric found in any expr");
    assert!(
        unknown.is_empty(),
        "metrics no node exports (atelier_server::modules::metric_series_names()):\n{}",
        unknown.join("\n")
    );
}

#[test]
fn the_expected_alerts_are_declared() {
    let (_, rules) = committed();
    let severities: BTreeSet<(String, String)> = rules
        .alerts()
        .map(|r| {
            (
                r.alert.clone().unwrap_or_default(),
                r.labels["severity"].clone(),
            )
        })
        .collect();
    for (alert, severity) in [
        ("AtelierMongoDBUnreachable", "page"),
        ("AtelierRabbitMQUnreachable", "page"),
        ("AtelierConsumerStalled", "page"),
        ("AtelierDLQNotEmpty", "ticket"),
        ("AtelierOutboxBacklogGrowing", "page"),
        ("AtelierHighErrorRatio", "page"),
        ("AtelierApiAvailabilityBurnRate", "page"),
        ("AtelierApiAvailabilityBurnRate", "ticket"),
        ("AtelierApiLatencyBurnRate", "page"),
        ("AtelierApiLatencyBurnRate", "ticket"),
    ] {
        assert!(
            severities.contains(&(alert.to_string(), severity.to_string())),
            "missing {alert} with severity {severity}"
        );
    }
}
