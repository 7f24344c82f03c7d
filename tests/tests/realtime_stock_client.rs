//! A stock client: Node's built-in WebSocket (the browser API: no custom headers, so the token
//! goes in `access_token`), against the gateway. Skipped, with a message, where `node` (20+)
//! is not installed.

use atelier_tests::{TestApp, realtime::user_token, test_config};

const SCRIPT: &str = r#"
const [url, channel] = process.argv.slice(1);
const ws = new WebSocket(url);
const log = (entry) => console.log(JSON.stringify(entry));
ws.onmessage = ({ data }) => {
  const frame = JSON.parse(data);
  log({ frame });
  if (frame.type === "hello") ws.send(JSON.stringify({ v: 1, type: "subscribe", id: "s1", channel_id: channel }));
  if (frame.type === "error") ws.send("{not json");
};
ws.onclose = ({ code, reason }) => { log({ close: code, reason }); process.exit(0); };
setTimeout(() => { log({ timeout: true }); process.exit(1); }, 10000);
"#;

#[tokio::test]
async fn realtime_stock_browser_websocket_client() {
    let node = std::process::Command::new("node")
        .arg("--experimental-websocket")
        .arg("-e")
        .arg("if (typeof WebSocket !== 'function') process.exit(3)")
        .status();
    if !node.is_ok_and(|status| status.success()) {
        eprintln!("skipped: no `node` with a built-in WebSocket on this machine");
        return;
    }
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let token = user_token(&app, &tenant, alice).await;
    let url = format!(
        "{}?access_token={token}",
        atelier_tests::realtime::realtime_url(&app)
    );
    let channel = atelier_chat::ChannelId::generate().to_string();
    let output = tokio::process::Command::new("node")
        .arg("--experimental-websocket")
        .arg("--no-warnings")
        .arg("-e")
        .arg(SCRIPT)
        .arg(&url)
        .arg(&channel)
        .output()
        .await
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    assert_eq!(lines[0]["frame"]["type"], "hello", "{stdout}");
    // The default channel access is the chat domain: an unknown channel is not readable.
    assert_eq!(lines[1]["frame"]["code"], "not_found", "{stdout}");
    assert_eq!(lines[2]["close"], 1007, "{stdout}");
    app.stop_and_clean().await;
}
