//! Organisations, workspaces, members, users and API keys through the HTTP API.

use atelier_tests::{TestApp, TestTenant, assert_cross_tenant_404, test_config};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn workspaces_members_and_the_last_owner() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let bob = app.create_user(&tenant, "Bob").await;

    let (status, workspace) = app
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/workspaces",
            Some(json!({"name": "Design", "owner_id": alice.to_string()})),
        )
        .await;
    assert_eq!(status, 201, "{workspace}");
    let workspace_id = workspace["id"].as_str().unwrap().to_owned();
    assert!(workspace_id.starts_with("wsp_"));

    let members_path = format!("/v1/workspaces/{workspace_id}/members");
    let (status, member) = app
        .call(
            &tenant.api_key,
            Method::PUT,
            &format!("{members_path}/{bob}"),
            Some(json!({"role": "member"})),
        )
        .await;
    assert_eq!(status, 200, "{member}");
    assert_eq!(member["role"], "member");
    let (_, list) = app
        .call(&tenant.api_key, Method::GET, &members_path, None)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    // The only owner can be neither demoted nor removed.
    let (status, problem) = app
        .call(
            &tenant.api_key,
            Method::PUT,
            &format!("{members_path}/{alice}"),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("last_owner"))
    );
    let (status, problem) = app
        .call(
            &tenant.api_key,
            Method::DELETE,
            &format!("{members_path}/{alice}"),
            None,
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("last_owner"))
    );

    // With a second owner, the first may step down.
    let (status, _) = app
        .call(
            &tenant.api_key,
            Method::PUT,
            &format!("{members_path}/{bob}"),
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(
            &tenant.api_key,
            Method::PUT,
            &format!("{members_path}/{alice}"),
            Some(json!({"role": "guest"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(
            &tenant.api_key,
            Method::DELETE,
            &format!("{members_path}/{alice}"),
            None,
        )
        .await;
    assert_eq!(status, 204);

    // Bad input.
    let (status, problem) = app
        .call(
            &tenant.api_key,
            Method::PUT,
            &format!("{members_path}/{alice}"),
            Some(json!({"role": "emperor"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(problem["errors"][0]["field"], "role");
    let (status, problem) = app
        .call(
            &tenant.api_key,
            Method::GET,
            "/v1/workspaces/wsp_nope",
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(problem["errors"][0]["field"], "workspace_id");
    let (status, _) = app
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/workspaces",
            Some(json!({"name": ""})),
        )
        .await;
    assert_eq!(status, 400);

    // Every change became an event through the outbox.
    let store = app.store().await;
    let events = atelier_outbox::Outbox::new(&store)
        .find_by_tenant(tenant.tenant)
        .await
        .unwrap();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert!(types.contains(&"identity.workspace.created"), "{types:?}");
    assert!(types.contains(&"identity.user.created"));
    assert!(types.contains(&"identity.member.updated"));
    assert!(types.contains(&"identity.member.removed"));
    app.stop_and_clean().await;
}

#[tokio::test]
async fn api_keys_are_shown_once_scoped_and_revocable() {
    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;

    let (status, created) = app
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/api-keys",
            Some(json!({"name": "reporting", "scope": "read_only"})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let secret = created["key"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("atk_") && secret.len() > 40);
    let key_id = created["api_key"]["id"].as_str().unwrap().to_owned();
    let (_, list) = app
        .call(&tenant.api_key, Method::GET, "/v1/api-keys", None)
        .await;
    assert!(
        !list.to_string().contains(&secret),
        "listing never shows secrets"
    );
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    let reader = TestTenant {
        tenant: tenant.tenant,
        api_key: secret.clone(),
    };
    let (status, me) = app.call(&reader.api_key, Method::GET, "/v1/me", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (me["kind"].as_str(), me["scope"].as_str()),
        (Some("api_key"), Some("read_only"))
    );
    let (status, _) = app
        .call(&reader.api_key, Method::GET, "/v1/workspaces", None)
        .await;
    assert_eq!(status, 200);
    let (status, problem) = app
        .call(
            &reader.api_key,
            Method::POST,
            "/v1/workspaces",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (_, list) = app
        .call(&tenant.api_key, Method::GET, "/v1/api-keys", None)
        .await;
    let used = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == key_id.as_str())
        .unwrap()
        .clone();
    assert!(
        used["last_used_at"].is_string(),
        "last use is recorded: {used}"
    );

    let (status, revoked) = app
        .call(
            &tenant.api_key,
            Method::DELETE,
            &format!("/v1/api-keys/{key_id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(revoked["revoked_at"].is_string());
    let (status, problem) = app.call(&reader.api_key, Method::GET, "/v1/me", None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("revoked_api_key"))
    );

    let (status, problem) = app
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/api-keys",
            Some(json!({"name": "x", "scope": "godmode"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(problem["errors"][0]["field"], "scope");
    app.stop_and_clean().await;
}

#[tokio::test]
async fn malformed_and_unknown_credentials_answer_401_without_echo() {
    let app = TestApp::spawn(test_config()).await;
    let cases = [
        ("atk_short", "malformed_credentials"),
        (
            "atk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "invalid_api_key",
        ),
    ];
    for (credential, code) in cases {
        let response = app
            .http
            .get(app.url("/v1/me"))
            .bearer_auth(credential)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{credential}");
        let text = response.text().await.unwrap();
        assert!(text.contains(code), "{credential}: {text}");
        assert!(!text.contains(credential), "the credential is never echoed");
    }
    let response = app.http.get(app.url("/v1/me")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    app.stop_and_clean().await;
}

#[tokio::test]
async fn another_tenants_ids_answer_404() {
    let app = TestApp::spawn(test_config()).await;
    let owner = app.create_tenant().await;
    let intruder = app.create_tenant().await;
    let user = app.create_user(&owner, "Owner's user").await;
    let (_, workspace) = app
        .call(
            &owner.api_key,
            Method::POST,
            "/v1/workspaces",
            Some(json!({"name": "Private", "owner_id": user.to_string()})),
        )
        .await;
    let workspace = workspace["id"].as_str().unwrap().to_owned();
    let (_, key) = app
        .call(
            &owner.api_key,
            Method::POST,
            "/v1/api-keys",
            Some(json!({"name": "k"})),
        )
        .await;
    let key = key["api_key"]["id"].as_str().unwrap().to_owned();

    let probes = vec![
        (Method::GET, format!("/v1/workspaces/{workspace}"), None),
        (
            Method::GET,
            format!("/v1/workspaces/{workspace}/members"),
            None,
        ),
        (
            Method::PUT,
            format!("/v1/workspaces/{workspace}/members/{user}"),
            Some(json!({"role": "member"})),
        ),
        (
            Method::DELETE,
            format!("/v1/workspaces/{workspace}/members/{user}"),
            None,
        ),
        (Method::GET, format!("/v1/users/{user}"), None),
        (Method::DELETE, format!("/v1/api-keys/{key}"), None),
    ];
    assert_cross_tenant_404(&app, &intruder, &probes).await;
    // The intruder's listings do not show the owner's records either.
    let (_, list) = app
        .call(&intruder.api_key, Method::GET, "/v1/workspaces", None)
        .await;
    assert!(list["items"].as_array().unwrap().is_empty());
    app.stop_and_clean().await;
}

/// The rank rule judges the member's role as the removal's transaction reads it: a member
/// promoted to owner while an administrator's removal is in flight stays (only owners remove
/// owners), instead of being removed on the strength of the role read before the promotion.
#[tokio::test]
async fn the_rank_rule_judges_the_role_the_transaction_reads() {
    use atelier_identity::Principal;
    use atelier_store::faults::{self, Fault, MEMBER_CHANGE_BEFORE_WRITE};

    let app = TestApp::spawn(test_config()).await;
    let tenant = app.create_tenant().await;
    let alice = app.create_user(&tenant, "Alice").await;
    let carol = app.create_user(&tenant, "Carol").await;
    let bob = app.create_user(&tenant, "Bob").await;
    let (status, workspace) = app
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/workspaces",
            Some(json!({"name": "Design", "owner_id": alice.to_string()})),
        )
        .await;
    assert_eq!(status, 201, "{workspace}");
    let workspace_id = workspace["id"].as_str().unwrap().to_owned();
    let members_path = format!("/v1/workspaces/{workspace_id}/members");
    for (user, role) in [(carol, "admin"), (bob, "member")] {
        let (status, member) = app
            .call(
                &tenant.api_key,
                Method::PUT,
                &format!("{members_path}/{user}"),
                Some(json!({"role": role})),
            )
            .await;
        assert_eq!(status, 200, "{member}");
    }

    // Carol (an admin) removes Bob (a member): allowed as things stand, and paused before
    // its transaction.
    let scope = tenant.tenant.to_string();
    faults::arm(
        MEMBER_CHANGE_BEFORE_WRITE,
        &scope,
        Fault::Pause(std::time::Duration::from_millis(1_500)),
        1,
    );
    let identity = app.identity().await;
    let carol_principal = Principal::User {
        tenant: tenant.tenant,
        user_id: carol,
    };
    let removal = tokio::spawn({
        let tenancy = identity.tenancy.clone();
        let workspace = workspace_id.parse().unwrap();
        async move {
            tenancy
                .remove_member(&carol_principal, workspace, bob)
                .await
        }
    });
    while faults::hits(MEMBER_CHANGE_BEFORE_WRITE, &scope) == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // Meanwhile Bob becomes an owner.
    let (status, member) = app
        .call(
            &tenant.api_key,
            Method::PUT,
            &format!("{members_path}/{bob}"),
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_eq!(status, 200, "{member}");

    let outcome = removal.await.unwrap();
    faults::disarm(MEMBER_CHANGE_BEFORE_WRITE, &scope);
    assert!(
        matches!(
            outcome,
            Err(atelier_identity::IdentityError::Forbidden { .. })
        ),
        "an admin removed an owner: {outcome:?}"
    );
    let (status, list) = app
        .call(&tenant.api_key, Method::GET, &members_path, None)
        .await;
    assert_eq!(status, 200, "{list}");
    let bob_now = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|member| member["user_id"] == bob.to_string());
    assert_eq!(
        bob_now.and_then(|member| member["role"].as_str()),
        Some("owner"),
        "{list}"
    );
    app.stop_and_clean().await;
}
