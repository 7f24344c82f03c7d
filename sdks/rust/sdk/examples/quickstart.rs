//! The README's quick start, runnable: `ATELIER_BASE_URL=... ATELIER_API_KEY=... cargo run --example quickstart`.

use atelier_sdk::{api_key_client, call, types, user_client, IntoSdk, RetryPolicy};

#[tokio::main]
async fn main() -> Result<(), atelier_sdk::Error> {
    let base_url = std::env::var("ATELIER_BASE_URL").expect("set ATELIER_BASE_URL");
    let api_key = std::env::var("ATELIER_API_KEY").expect("set ATELIER_API_KEY");

    // Your backend: create a user, a workspace they own, and mint their tokens.
    let backend = api_key_client(&base_url, &api_key)?;
    let retry = RetryPolicy::default();
    // Fields with declared limits are checked types: `parse` refuses an empty or overlong name.
    let display_name: types::CreateUserDisplayName = "Ada".parse()?;
    let ada = call(&retry, |key| {
        let (backend, display_name) = (backend.clone(), display_name.clone());
        async move {
            backend
                .users_create()
                .idempotency_key(key.as_str())
                .body(types::CreateUser {
                    display_name,
                    // Your own id for the user (unique per organisation).
                    external_id: Some(format!("your-id-{}", uuid::Uuid::new_v4())),
                })
                .send()
                .await
        }
    })
    .await?
    .into_inner();
    let workspace = backend
        .workspaces_create()
        .body(types::CreateWorkspace {
            name: "Design".parse()?,
            owner_id: Some(ada.id.clone()),
        })
        .send()
        .into_sdk()
        .await?;
    let tokens = backend
        .tokens_mint()
        .user_id(&ada.id)
        .send()
        .into_sdk()
        .await?;
    println!("user {} in workspace {}", ada.id, workspace.id);

    // Ada's app: create a channel and send a message with her access token.
    let app = user_client(&base_url, &tokens.access_token)?;
    let channel = app
        .chat_channels_create()
        .workspace_id(&workspace.id)
        .body(
            types::CreateChannel::builder()
                .kind(types::ChannelKind::Public)
                .name("general".parse::<types::CreateChannelName>()?),
        )
        .send()
        .into_sdk()
        .await?;
    let message = call(&retry, |key| {
        let (app, channel_id) = (app.clone(), channel.id.clone());
        async move {
            app.chat_messages_send()
                .channel_id(channel_id)
                .idempotency_key(key.as_str())
                .body(types::SendMessage::builder().text("Hello, world"))
                .send()
                .await
        }
    })
    .await?
    .into_inner();
    println!(
        "sent {} (seq {}) to {}",
        message.id, message.seq, channel.id
    );
    Ok(())
}
