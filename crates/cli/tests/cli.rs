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
    // Not assert_eq!: a drift would print two whole specs.
    assert!(
        String::from_utf8(output.stdout).unwrap() == committed,
        "`atelier openapi` differs from openapi/v1.json; regenerate with: cargo run -q -p atelier -- openapi --out openapi/v1.json"
    );
}

#[test]
fn serve_help_documents_every_setting() {
    let output = atelier().args(["serve", "--help"]).output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    // The platform's settings and every module's section.
    for (path, _) in atelier_server::config::all_settings() {
        let variable = atelier_server::config::env_var(&path);
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

#[test]
fn admin_create_tenant_prints_a_working_key_once() {
    let Ok(uri) = std::env::var("ATELIER_TEST_MONGODB_URI") else {
        panic!("ATELIER_TEST_MONGODB_URI is not set: run ./scripts/test");
    };
    let database = format!("t_{}", ulid::Ulid::new().to_string().to_lowercase());
    let serialize =
        std::env::var("ATELIER_TEST_MONGODB_SERIALIZE_TRANSACTIONS").unwrap_or_default();
    let output = atelier()
        .args(["admin", "create-tenant", "--name", "Acme Design", "--json"])
        .env("ATELIER_MONGODB_URI", &uri)
        .env("ATELIER_MONGODB_DATABASE", &database)
        .env(
            "ATELIER_MONGODB_SERIALIZE_TRANSACTIONS",
            if serialize == "true" { "true" } else { "false" },
        )
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stdout)));
    assert!(created["tenant_id"].as_str().unwrap().starts_with("ten_"));
    let key = created["api_key"].as_str().unwrap();
    assert!(key.starts_with("atk_"));

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = atelier_store::Store::connect(&atelier_store::MongoConfig {
            uri,
            database,
            ..Default::default()
        })
        .await
        .unwrap();
        let identity = atelier_identity::Identity::new(&store, Default::default());
        let principal = identity.authenticate(key).await.unwrap();
        assert_eq!(
            principal.tenant().to_string(),
            created["tenant_id"].as_str().unwrap()
        );
        store.drop_database().await.unwrap();
    });
}

#[test]
fn admin_demo_is_idempotent_and_prints_fresh_credentials() {
    let Ok(uri) = std::env::var("ATELIER_TEST_MONGODB_URI") else {
        panic!("ATELIER_TEST_MONGODB_URI is not set: run ./scripts/test");
    };
    let database = format!("t_{}", ulid::Ulid::new().to_string().to_lowercase());
    let serialize =
        std::env::var("ATELIER_TEST_MONGODB_SERIALIZE_TRANSACTIONS").unwrap_or_default();
    let run = || {
        let output = atelier()
            .args(["admin", "demo"])
            .env("ATELIER_MONGODB_URI", &uri)
            .env("ATELIER_MONGODB_DATABASE", &database)
            .env(
                "ATELIER_MONGODB_SERIALIZE_TRANSACTIONS",
                if serialize == "true" { "true" } else { "false" },
            )
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let first = run();
    let second = run();
    let tenant_line = |text: &str| text.lines().next().unwrap().to_owned();
    assert_eq!(
        tenant_line(&first),
        tenant_line(&second),
        "the demo organisation is created once"
    );
    for text in [&first, &second] {
        assert!(text.contains("API key    atk_"), "{text}");
        assert_eq!(text.matches("access token").count(), 2, "{text}");
        assert!(text.contains("Ada Lovelace") && text.contains("Grace Hopper"));
    }
    let key = |text: &str| {
        text.lines()
            .find(|l| l.contains("API key"))
            .unwrap()
            .to_owned()
    };
    assert_ne!(key(&first), key(&second), "a new key each run");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = atelier_store::Store::connect(&atelier_store::MongoConfig {
            uri,
            database,
            ..Default::default()
        })
        .await
        .unwrap();
        store.drop_database().await.unwrap();
    });
}

/// A fresh empty directory to run the binary in (no `.run/dev.env` unless a test writes one).
fn scratch_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "atelier-cli-{}",
        ulid::Ulid::new().to_string().to_lowercase()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_command_that_cannot_reach_mongodb_says_so() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = scratch_dir();
    let output = atelier()
        .args(["keys", "list"])
        .current_dir(&dir)
        .env(
            "ATELIER_MONGODB_URI",
            format!("mongodb://127.0.0.1:{port}/?directConnection=true"),
        )
        .env("ATELIER_MONGODB_SERVER_SELECTION_TIMEOUT", "1s")
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("could not connect to MongoDB"), "{error}");
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
    assert!(!error.to_lowercase().contains("migrat"), "{error}");
}

/// `./scripts/dev` leaves its connection settings in `.run/dev.env`; the other commands read
/// them from there (the environment still wins).
#[test]
fn commands_read_the_dev_servers_settings() {
    let Ok(uri) = std::env::var("ATELIER_TEST_MONGODB_URI") else {
        panic!("ATELIER_TEST_MONGODB_URI is not set: run ./scripts/test");
    };
    let database = format!("t_{}", ulid::Ulid::new().to_string().to_lowercase());
    let dir = scratch_dir();
    std::fs::create_dir_all(dir.join(".run")).unwrap();
    std::fs::write(
        dir.join(".run/dev.env"),
        format!(
            "# written by ./scripts/dev\nATELIER_MONGODB_URI={uri}\nATELIER_MONGODB_DATABASE={database}\n"
        ),
    )
    .unwrap();
    let output = atelier()
        .args(["keys", "list"])
        .current_dir(&dir)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(".run/dev.env"),
        "says where the settings came from: {stderr}"
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = atelier_store::Store::connect(&atelier_store::MongoConfig {
            uri,
            database,
            ..Default::default()
        })
        .await
        .unwrap();
        store.drop_database().await.unwrap();
    });
}
