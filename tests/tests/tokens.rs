//! User tokens end to end: minting, using, refreshing, forging and rotating keys.
//!
//! Endpoints that need a user token are exercised through `GET /v1/me`.

use std::time::Duration;

use atelier_tests::{TestApp, TestTenant, test_config};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mongodb::bson::{Document, doc};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// `POST /v1/users/:id/tokens` with the tenant's API key.
async fn mint(app: &TestApp, tenant: &TestTenant, user: &str) -> (StatusCode, Value) {
    let response = app
        .http
        .post(app.url(&format!("/v1/users/{user}/tokens")))
        .bearer_auth(&tenant.api_key)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn refresh(app: &TestApp, refresh_token: &str) -> (StatusCode, String) {
    let response = app
        .http
        .post(app.url("/v1/auth/refresh"))
        .json(&json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

/// Every audit record of the tenant, oldest first.
async fn audit_records(app: &TestApp, tenant: &TestTenant) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/v1/audit?limit=100&cursor={cursor}"),
            None => "/v1/audit?limit=100".to_owned(),
        };
        let (status, page) = app
            .call(&tenant.api_key, reqwest::Method::GET, &path, None)
            .await;
        assert_eq!(status, 200, "{page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        if !page["has_more"].as_bool().unwrap() {
            return items;
        }
        cursor = Some(page["next_cursor"].as_str().unwrap().to_owned());
    }
}

/// `GET /v1/me` with a bearer token: the status and the body.
async fn me(app: &TestApp, token: &str) -> (StatusCode, Value) {
    let response = app
        .http
        .get(app.url("/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("<no code>")
}

fn header_of(token: &str) -> Value {
    let header = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// The active signing key's document, read straight from MongoDB.
async fn active_key(app: &TestApp) -> Document {
    app.store()
        .await
        .database()
        .collection::<Document>("signing_keys")
        .find_one(doc! { "status": "active" })
        .await
        .unwrap()
        .expect("an active signing key")
}

fn bytes(document: &Document, field: &str) -> Vec<u8> {
    document.get_binary_generic(field).unwrap().clone()
}

#[tokio::test]
async fn minted_tokens_authenticate_the_user() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;

    let response = app
        .http
        .post(app.url(&format!("/v1/users/{alice}/tokens")))
        .bearer_auth(&tenant.api_key)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    let expires_in = body["expires_in"].as_u64().unwrap();
    assert!((890..=900).contains(&expires_in), "{body}");
    let refresh_expires_in = body["refresh_expires_in"].as_u64().unwrap();
    assert!(refresh_expires_in > 29 * 24 * 3600, "{body}");
    assert!(body["refresh_token"].as_str().unwrap().starts_with("rt_"));

    let access_token = body["access_token"].as_str().unwrap();
    let header = header_of(access_token);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "at+jwt");
    assert!(header["kid"].as_str().unwrap().starts_with("sk_"));

    let (status, principal) = me(&app, access_token).await;
    assert_eq!(status, 200, "{principal}");
    assert_eq!(principal["kind"], "user");
    assert_eq!(principal["user_id"], alice.to_string());
    assert_eq!(principal["tenant_id"], tenant.tenant.to_string());

    // A user token does not administer the tenant.
    let response = app
        .http
        .post(app.url(&format!("/v1/users/{alice}/tokens")))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn minting_needs_a_full_key_and_a_user_of_the_callers_tenant() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let other = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let stranger = app.create_user(&other, "Stranger").await;

    let (status, body) = mint(&app, &tenant, "usr_nope").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_field")
    );
    assert_eq!(body["errors"][0]["field"], "user_id");

    let (status, body) = mint(&app, &tenant, &stranger.to_string()).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "user_not_found"),
        "{body}"
    );
    let (status, body) = mint(
        &app,
        &tenant,
        &atelier_identity::UserId::generate().to_string(),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "user_not_found"),
        "{body}"
    );

    let read_only = app
        .identity()
        .await
        .api_keys
        .bootstrap(
            tenant.tenant,
            "reader",
            atelier_identity::ApiKeyScope::ReadOnly,
        )
        .await
        .unwrap();
    let reader = TestTenant {
        tenant: tenant.tenant,
        api_key: read_only.secret.unwrap(),
    };
    let (status, body) = mint(&app, &reader, &alice.to_string()).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "forbidden"),
        "{body}"
    );

    let response = app
        .http
        .post(app.url(&format!("/v1/users/{alice}/tokens")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn forged_and_invalid_access_tokens_are_refused() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let (status, body) = mint(&app, &tenant, &alice.to_string()).await;
    assert_eq!(status, 201, "{body}");
    let good = body["access_token"].as_str().unwrap().to_owned();

    let key = active_key(&app).await;
    let kid = key.get_str("_id").unwrap().to_owned();
    let private_key = EncodingKey::from_ed_der(&bytes(&key, "private_key"));
    let public_key = bytes(&key, "public_key");
    let identity = &app.config.identity;
    let claims = |changes: Value| {
        let now = now();
        let mut claims = json!({
            "iss": identity.issuer, "aud": identity.audience,
            "sub": alice.to_string(), "tid": tenant.tenant.to_string(),
            "iat": now, "nbf": now, "exp": now + 600, "jti": "forged",
        });
        for (name, value) in changes.as_object().unwrap() {
            claims[name] = value.clone();
        }
        claims
    };
    let header = |alg: Algorithm, typ: &str, kid: &str| {
        let mut header = Header::new(alg);
        header.typ = Some(typ.to_owned());
        header.kid = Some(kid.to_owned());
        header
    };
    let sign = |header: Header, claims: Value| {
        jsonwebtoken::encode(&header, &claims, &private_key).unwrap()
    };

    // The real key signs these, so only the claims or header are at fault.
    let signed = |changes: Value| sign(header(Algorithm::EdDSA, "at+jwt", &kid), claims(changes));
    let now = now();
    let leeway = i64::try_from(identity.leeway.as_secs()).unwrap();
    let alg_none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "at+jwt", "kid": kid}).to_string()),
        URL_SAFE_NO_PAD.encode(claims(json!({})).to_string()),
    );
    let hs256_with_public_key = jsonwebtoken::encode(
        &header(Algorithm::HS256, "at+jwt", &kid),
        &claims(json!({})),
        &EncodingKey::from_secret(&public_key),
    )
    .unwrap();
    let tampered = {
        let parts: Vec<&str> = good.split('.').collect();
        let mut payload: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        payload["sub"] = json!(atelier_identity::UserId::generate().to_string());
        format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(payload.to_string()),
            parts[2]
        )
    };
    let unknown_kid = sign(
        header(Algorithm::EdDSA, "at+jwt", "sk_01j00000000000000000000000"),
        claims(json!({})),
    );

    let cases: Vec<(&str, String, &str)> = vec![
        ("alg none", alg_none, "invalid_token_signature"),
        (
            "HS256 keyed with the public key",
            hs256_with_public_key,
            "invalid_token_signature",
        ),
        ("tampered payload", tampered, "invalid_token_signature"),
        ("unknown kid", unknown_kid, "unknown_signing_key"),
        (
            "expired",
            signed(json!({"iat": now - 1000, "nbf": now - 1000, "exp": now - leeway - 5})),
            "token_expired",
        ),
        (
            "not yet valid",
            signed(json!({"nbf": now + leeway + 60})),
            "token_not_yet_valid",
        ),
        (
            "wrong aud",
            signed(json!({"aud": "someone-else"})),
            "invalid_token_claims",
        ),
        (
            "wrong iss",
            signed(json!({"iss": "https://evil.example"})),
            "invalid_token_claims",
        ),
        (
            "wrong typ",
            sign(header(Algorithm::EdDSA, "JWT", &kid), claims(json!({}))),
            "invalid_token_claims",
        ),
        (
            "garbage",
            "this.is.garbage".to_owned(),
            "malformed_credentials",
        ),
        (
            "not a JWT at all",
            "hello".to_owned(),
            "malformed_credentials",
        ),
    ];
    for (case, token, expected_code) in cases {
        let response = app
            .http
            .get(app.url("/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, 401, "{case}: {text}");
        let problem: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(code(&problem), expected_code, "{case}: {text}");
        assert!(!text.contains(&token), "{case}: the token is echoed");
    }

    // The real token still works: nothing above poisoned the key cache.
    assert_eq!(me(&app, &good).await.0, 200);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let (_, first) = mint(&app, &tenant, &alice.to_string()).await;
    let (_, other_login) = mint(&app, &tenant, &alice.to_string()).await;
    let first_refresh = first["refresh_token"].as_str().unwrap().to_owned();

    let (status, text) = refresh(&app, &first_refresh).await;
    assert_eq!(status, 200, "{text}");
    let second: Value = serde_json::from_str(&text).unwrap();
    let second_refresh = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first_refresh);
    assert_eq!(
        me(&app, second["access_token"].as_str().unwrap()).await.0,
        200
    );

    let (status, text) = refresh(&app, &second_refresh).await;
    assert_eq!(status, 200, "{text}");
    let third: Value = serde_json::from_str(&text).unwrap();
    let newest_refresh = third["refresh_token"].as_str().unwrap().to_owned();

    // The first token again: a thief or a replay. The whole login ends.
    let (status, text) = refresh(&app, &first_refresh).await;
    assert_eq!(status, 401, "{text}");
    let problem: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(code(&problem), "refresh_token_reused");
    assert!(!text.contains(&first_refresh), "the token is echoed");

    let (status, text) = refresh(&app, &newest_refresh).await;
    assert_eq!(status, 401, "{text}");
    assert_eq!(
        code(&serde_json::from_str(&text).unwrap()),
        "invalid_refresh_token"
    );

    // Another login of the same user is untouched.
    let (status, text) = refresh(&app, other_login["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{text}");

    for garbage in ["rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "nope", ""] {
        let (status, text) = refresh(&app, garbage).await;
        assert_eq!(status, 401, "{garbage}: {text}");
        assert_eq!(
            code(&serde_json::from_str(&text).unwrap()),
            "invalid_refresh_token",
            "{garbage}"
        );
    }
    // A missing field is a bad request, not a refusal.
    let response = app
        .http
        .post(app.url("/v1/auth/refresh"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    // Refreshes and the detected reuse are in the tenant's audit chain (issue 11 item 4).
    let records = audit_records(&app, &tenant).await;
    let family_of = |token: &Value| {
        let claims = token["access_token"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .unwrap();
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
        claims["sid"].as_str().unwrap().to_owned()
    };
    let (first_login, second_login) = (family_of(&first), family_of(&other_login));
    let refreshes = |login: &str| {
        records
            .iter()
            .filter(|record| {
                record["action"] == "tokens.refresh"
                    && record["actor"] == format!("user:{alice}")
                    && record["outcome"] == "committed"
                    && record["details"]["login"] == login
            })
            .count()
    };
    assert_eq!(refreshes(&first_login), 2, "{records:#?}");
    assert_eq!(refreshes(&second_login), 1, "{records:#?}");
    let reuses: Vec<&Value> = records
        .iter()
        .filter(|record| record["action"] == "auth.refresh_token_reused")
        .collect();
    assert_eq!(reuses.len(), 1, "{records:#?}");
    assert_eq!(reuses[0]["outcome"], "login_revoked");
    assert_eq!(reuses[0]["details"]["login"], first_login.as_str());
    assert_eq!(reuses[0]["details"]["user"], alice.to_string());
    assert!(
        !records
            .iter()
            .any(|record| record.to_string().contains("rt_"))
    );

    // Only hashes are stored.
    let stored = app
        .store()
        .await
        .database()
        .collection::<Document>("refresh_tokens")
        .count_documents(doc! { "_id": &newest_refresh })
        .await
        .unwrap();
    assert_eq!(stored, 0);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let mut config = test_config();
    config.identity.access_token_ttl = Duration::from_secs(1);
    config.identity.refresh_token_ttl = Duration::from_secs(1);
    config.identity.leeway = Duration::ZERO;
    let app = TestApp::spawn(config).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let (status, body) = mint(&app, &tenant, &alice.to_string()).await;
    assert_eq!(status, 201, "{body}");

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, problem) = me(&app, body["access_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, code(&problem)),
        (StatusCode::UNAUTHORIZED, "token_expired")
    );
    let (status, text) = refresh(&app, body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 401, "{text}");
    assert_eq!(
        code(&serde_json::from_str(&text).unwrap()),
        "invalid_refresh_token"
    );
    app.stop_and_clean().await;
}

#[tokio::test]
async fn rotated_keys_keep_verifying_and_are_published() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let (_, before) = mint(&app, &tenant, &alice.to_string()).await;
    let old_token = before["access_token"].as_str().unwrap().to_owned();
    let old_kid = header_of(&old_token)["kid"].as_str().unwrap().to_owned();

    // As `atelier keys rotate` does, from another process's point of view.
    let tokens = app.identity().await.tokens;
    let new_kid = tokens.rotate().await.unwrap();
    assert_ne!(new_kid, old_kid);

    assert_eq!(
        me(&app, &old_token).await.0,
        200,
        "a token of the retired key still verifies"
    );

    let response = app
        .http
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    let jwks: Value = response.json().await.unwrap();
    let mut kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap())
        .collect();
    kids.sort_unstable();
    let mut expected = vec![old_kid.as_str(), new_kid.as_str()];
    expected.sort_unstable();
    assert_eq!(kids, expected, "{jwks}");
    for key in jwks["keys"].as_array().unwrap() {
        assert_eq!(
            (
                key["kty"].as_str(),
                key["crv"].as_str(),
                key["alg"].as_str(),
                key["use"].as_str()
            ),
            (Some("OKP"), Some("Ed25519"), Some("EdDSA"), Some("sig")),
            "{key}"
        );
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(key["x"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
    }

    let (_, after) = mint(&app, &tenant, &alice.to_string()).await;
    let new_token = after["access_token"].as_str().unwrap();
    assert_eq!(header_of(new_token)["kid"], new_kid.as_str());
    assert_eq!(me(&app, new_token).await.0, 200);

    let listed = tokens.list_keys().await.unwrap();
    assert_eq!(listed.len(), 2);
    let old = listed.iter().find(|key| key.kid == old_kid).unwrap();
    assert_eq!(
        old.status,
        atelier_identity::tokens::SigningKeyStatus::Retired
    );
    let grace = app.config.identity.access_token_ttl + app.config.identity.leeway;
    let until = old.verify_until_ms.unwrap() - old.retired_at_ms.unwrap();
    assert_eq!(until, i64::try_from(grace.as_millis()).unwrap());
    // A retired key signs nothing more, so its private half is gone.
    let document = app
        .store()
        .await
        .database()
        .collection::<Document>("signing_keys")
        .find_one(doc! { "_id": &old_kid })
        .await
        .unwrap()
        .unwrap();
    assert!(!document.contains_key("private_key"));
    app.stop_and_clean().await;
}

#[tokio::test]
async fn concurrent_first_mints_converge_on_one_key() {
    let app = TestApp::spawn(test_config()).await;
    let identity = app.identity().await;
    let tenant = atelier_core::TenantId::generate();
    let user = atelier_identity::UserId::generate();
    let mints = (0..8).map(|_| {
        let tokens = identity.tokens.clone();
        tokio::spawn(async move { tokens.mint_access(tenant, user).await })
    });
    let mut kids = Vec::new();
    for mint in mints {
        let (token, _) = mint.await.unwrap().unwrap();
        kids.push(header_of(&token)["kid"].as_str().unwrap().to_owned());
    }
    kids.dedup();
    assert_eq!(kids.len(), 1, "{kids:?}");
    assert_eq!(identity.tokens.list_keys().await.unwrap().len(), 1);

    // verify_access directly, as the authenticate middleware calls it.
    let (token, _) = identity.tokens.mint_access(tenant, user).await.unwrap();
    assert_eq!(
        identity.tokens.verify_access(&token).await,
        Ok(atelier_identity::Principal::User {
            tenant,
            user_id: user
        })
    );
    app.stop_and_clean().await;
}

/// A crash (here: an injected failure) after the presented refresh token is consumed and
/// before its successor is stored must not end the login: the rotation is one transaction, so
/// the old token is still usable afterwards.
#[tokio::test]
async fn a_failure_between_consume_and_issue_keeps_the_login() {
    use atelier_store::faults::{self, Fault, REFRESH_AFTER_CONSUME};
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let (_, login) = mint(&app, &tenant, &alice.to_string()).await;
    let presented = login["refresh_token"].as_str().unwrap().to_owned();
    let scope = tenant.tenant.to_string();

    faults::arm(REFRESH_AFTER_CONSUME, &scope, Fault::Fail, 1);
    let (status, text) = refresh(&app, &presented).await;
    assert_eq!(
        faults::hits(REFRESH_AFTER_CONSUME, &scope),
        1,
        "the point was reached"
    );
    assert_eq!(status, 503, "{text}");
    faults::disarm(REFRESH_AFTER_CONSUME, &scope);

    let (status, text) = refresh(&app, &presented).await;
    assert_eq!(status, 200, "the old token still works: {text}");
    let next: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        me(&app, next["access_token"].as_str().unwrap()).await.0,
        200
    );
    // Exactly one successor was stored: the failed attempt left nothing behind.
    let tokens = app
        .store()
        .await
        .database()
        .collection::<Document>("refresh_tokens")
        .count_documents(doc! { "tenant": &scope })
        .await
        .unwrap();
    assert_eq!(tokens, 2, "the login's first token and its one successor");
    app.stop_and_clean().await;
}
