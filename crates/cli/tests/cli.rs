//! The binary's commands, run as an operator would.

use std::process::Command;

fn atelier() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_atelier"));
    // Only what a test sets: no settings leak in from the developer's shell.
    for (key, _) in std::env::vars() {
        if key.starts_with("ATELIER_") {
            command.env_remove(key);
        }
    }
    command
}

#[test]
fn openapi_writes_the_committed_spec() {
    let output = atelier().arg("openapi").output().unwrap();
    assert!(output.status.success());
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/v1.json"
    ))
    .unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), committed);
}

#[test]
fn serve_help_documents_every_setting() {
    let output = atelier().args(["serve", "--help"]).output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for (path, _) in atelier_server::config::SETTINGS {
        let variable = atelier_server::config::env_var(path);
        assert!(help.contains(&variable), "serve --help lacks {variable}");
    }
}

#[test]
fn bad_settings_fail_fast_naming_the_setting() {
    let output = atelier()
        .arg("config")
        .env("ATELIER_AMQP_URL", "http://not-amqp")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let error = String::from_utf8(output.stderr).unwrap();
    assert!(error.contains("ATELIER_AMQP_URL"), "{error}");
}

#[test]
fn config_prints_redacted_settings() {
    let output = atelier()
        .arg("config")
        .env("ATELIER_ADMIN_TOKEN", "a-very-secret-operator-token")
        .env("ATELIER_AMQP_URL", "amqp://user:hunter2@127.0.0.1:5672/%2f")
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains("a-very-secret-operator-token"));
    assert!(!text.contains("hunter2"));
    assert!(text.contains("\"prefetch\""));
}

#[test]
fn dlq_commands_talk_to_rabbitmq() {
    let amqp = std::env::var("ATELIER_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned());
    let prefix = format!("tcli{}", ulid::Ulid::new().to_string().to_lowercase());
    let output = atelier()
        .args(["dlq", "peek", "nobody"])
        .env("ATELIER_AMQP_URL", &amqp)
        .env("ATELIER_AMQP_PREFIX", &prefix)
        .output()
        .unwrap();
    assert!(!output.status.success(), "an unknown consumer is an error");
    let error = String::from_utf8(output.stderr).unwrap();
    assert!(error.contains("unknown consumer `nobody`"), "{error}");
    let output = atelier()
        .args(["dlq", "list"])
        .env("ATELIER_AMQP_URL", &amqp)
        .env("ATELIER_AMQP_PREFIX", &prefix)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
