//! `UserSession` against a scripted local HTTP server (no Atelier node needed): a 401
//! `token_expired` refreshes once at `POST /v1/auth/refresh` and retries with the new token,
//! and a 429 with `Retry-After` is retried with the same idempotency key.

use std::sync::{Arc, Mutex};

use atelier_sdk::{types, RetryPolicy, TokenPair, UserSession};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    authorization: Option<String>,
    idempotency_key: Option<String>,
    body: String,
}

/// Serves each request with `respond` (status, extra headers, JSON body), one per connection.
async fn serve(
    respond: impl Fn(&Seen, usize) -> (u16, Vec<(&'static str, String)>, String) + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let mut reader = BufReader::new(socket);
            let mut line = String::new();
            reader.read_line(&mut line).await.unwrap();
            let mut parts = line.split_whitespace();
            let (method, path) = (
                parts.next().unwrap().to_owned(),
                parts.next().unwrap().to_owned(),
            );
            let (mut length, mut authorization, mut idempotency_key) = (0, None, None);
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).await.unwrap();
                let header = header.trim_end();
                if header.is_empty() {
                    break;
                }
                let (name, value) = header.split_once(':').unwrap();
                let value = value.trim().to_owned();
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.parse().unwrap(),
                    "authorization" => authorization = Some(value),
                    "idempotency-key" => idempotency_key = Some(value),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).await.unwrap();
            let request = Seen {
                method,
                path,
                authorization,
                idempotency_key,
                body: String::from_utf8(body).unwrap(),
            };
            let n = {
                let mut log = log.lock().unwrap();
                log.push(request.clone());
                log.len()
            };
            let (status, headers, body) = respond(&request, n);
            let content_type = if status >= 400 {
                "application/problem+json"
            } else {
                "application/json"
            };
            let mut response = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                response.push_str(&format!("{name}: {value}\r\n"));
            }
            response.push_str("\r\n");
            response.push_str(&body);
            let mut socket = reader.into_inner();
            socket.write_all(response.as_bytes()).await.unwrap();
            socket.shutdown().await.ok();
        }
    });
    (base, seen)
}

fn problem(status: u16, code: &str) -> String {
    serde_json::json!({
        "type": format!("urn:atelier:problem:{code}"), "title": "x", "status": status,
        "code": code, "detail": code, "request_id": "req_test"
    })
    .to_string()
}

const BADGE: &str =
    r#"{"channels":[],"mention_count":0,"thread_unread_count":0,"threads":[],"unread_count":3}"#;

#[tokio::test]
async fn token_expired_refreshes_once_and_retries() {
    let (base, seen) = serve(|req, _| match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/v1/auth/refresh") => {
            assert_eq!(req.body, r#"{"refresh_token":"r1"}"#);
            assert_eq!(req.authorization, None);
            let tokens = serde_json::json!({"access_token": "a2", "refresh_token": "r2",
                "expires_in": 900, "refresh_expires_in": 86400, "token_type": "Bearer"});
            (200, vec![], tokens.to_string())
        }
        (_, "/v1/me/unread") if req.authorization.as_deref() == Some("Bearer a1") => {
            (401, vec![], problem(401, "token_expired"))
        }
        (_, "/v1/me/unread") => (200, vec![], BADGE.to_owned()),
        _ => (404, vec![], problem(404, "not_found")),
    })
    .await;
    let persisted = Arc::new(Mutex::new(Vec::new()));
    let sink = persisted.clone();
    let session = UserSession::new(
        &base,
        TokenPair {
            access_token: "a1".into(),
            refresh_token: "r1".into(),
        },
    )
    .unwrap()
    .on_refresh(move |pair| sink.lock().unwrap().push(pair.refresh_token.clone()));

    let badge: types::UnreadTotals = session
        .call(|c, _| async move { c.chat_unread_get().send().await })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(badge.unread_count, 3);
    assert_eq!(session.tokens().access_token, "a2");
    assert_eq!(*persisted.lock().unwrap(), vec!["r2".to_owned()]);
    let paths: Vec<_> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|r| (r.path.clone(), r.authorization.clone()))
        .collect();
    assert_eq!(
        paths,
        vec![
            ("/v1/me/unread".to_owned(), Some("Bearer a1".to_owned())),
            ("/v1/auth/refresh".to_owned(), None),
            ("/v1/me/unread".to_owned(), Some("Bearer a2".to_owned())),
        ]
    );
}

#[tokio::test]
async fn a_second_token_expired_is_returned_not_looped() {
    let (base, seen) = serve(|req, _| match req.path.as_str() {
        "/v1/auth/refresh" => {
            let tokens = serde_json::json!({"access_token": "a2", "refresh_token": "r2",
                "expires_in": 900, "refresh_expires_in": 86400, "token_type": "Bearer"});
            (200, vec![], tokens.to_string())
        }
        _ => (401, vec![], problem(401, "token_expired")),
    })
    .await;
    let session = UserSession::new(
        &base,
        TokenPair {
            access_token: "a1".into(),
            refresh_token: "r1".into(),
        },
    )
    .unwrap();
    let err = session
        .call(|c, _| async move { c.chat_unread_get().send().await })
        .await
        .unwrap_err();
    assert!(err.is_token_expired(), "{err:?}");
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn rate_limited_send_is_retried_with_the_same_idempotency_key() {
    let (base, seen) =
        serve(|_, n| {
            if n == 1 {
                (
                    429,
                    vec![("retry-after", "0".to_owned())],
                    problem(429, "rate_limited"),
                )
            } else {
                (201, vec![("idempotency-replayed", "false".to_owned())], serde_json::json!({
                "id": "msg_1", "attachments": [], "author_id": "usr_1", "change_seq": 1,
                "channel_id": "chn_1", "created_at": "2026-01-01T00:00:00Z", "deleted": false,
                "edit_count": 0, "mention_channel": false, "mention_ids": [], "pinned": false,
                "reactions": [], "seq": 1, "text": "hi", "workspace_id": "wsp_1"
            }).to_string())
            }
        })
        .await;
    let session = UserSession::new(
        &base,
        TokenPair {
            access_token: "a1".into(),
            refresh_token: "r1".into(),
        },
    )
    .unwrap()
    .with_retry_policy(RetryPolicy::default());
    let sent = session
        .call(|c, key| async move {
            c.chat_messages_send()
                .channel_id("chn_01ARZ3NDEKTSV4RRFFQ69G5FAV")
                .idempotency_key(key.as_str())
                .body(types::SendMessage::builder().text("hi"))
                .send()
                .await
        })
        .await
        .unwrap();
    assert_eq!(sent.id, "msg_1");
    let keys: Vec<_> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.idempotency_key.clone().unwrap())
        .collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);
}
