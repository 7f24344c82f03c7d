//! Authenticated clients: an API key (your backend) or a user access token (your users'
//! apps), sent as `Authorization: Bearer ...` on every request; and [`UserSession`], which
//! refreshes an expired access token once and retries.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use progenitor_client::{ByteStream, ResponseValue};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};

use crate::retry::{call_with_key, new_idempotency_key, RetryPolicy};
use crate::{types, Client, Error};

/// A reqwest client that sends `Authorization: Bearer <token>` (marked sensitive, so it is
/// not logged) on every request, with the generator's timeouts (30 s).
pub fn bearer_http_client(token: &str) -> Result<reqwest::Client, Error> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| Error::InvalidRequest("a token must be printable ASCII".into()))?;
    value.set_sensitive(true);
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, value);
    reqwest::Client::builder()
        .default_headers(headers)
        .connect_timeout(Duration::from_secs(30))
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(Error::Communication)
}

/// A client for your backend, authenticated with an API key (`atk_...`).
pub fn api_key_client(base_url: &str, api_key: &str) -> Result<Client, Error> {
    Ok(Client::new_with_client(
        base_url.trim_end_matches('/'),
        bearer_http_client(api_key)?,
    ))
}

/// A client for one user's app, authenticated with a user access token (a JWT minted by your
/// backend with `POST /v1/users/{user_id}/tokens`). It does not refresh: see [`UserSession`].
pub fn user_client(base_url: &str, access_token: &str) -> Result<Client, Error> {
    api_key_client(base_url, access_token)
}

/// A user's access and refresh tokens.
#[derive(Clone)]
pub struct TokenPair {
    /// The short-lived access token (a JWT).
    pub access_token: String,
    /// The single-use refresh token.
    pub refresh_token: String,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenPair { .. }")
    }
}

impl From<types::TokenResponse> for TokenPair {
    fn from(t: types::TokenResponse) -> Self {
        Self {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
        }
    }
}

type OnRefresh = Arc<dyn Fn(&TokenPair) + Send + Sync>;

/// A user's session: a client with the current access token which, when a call answers 401
/// `token_expired`, exchanges the refresh token at `POST /v1/auth/refresh` (once, shared by
/// concurrent callers) and retries that call once, with the same idempotency key.
///
/// Refresh tokens rotate on every use: persist the new pair with [`UserSession::on_refresh`].
#[derive(Clone)]
pub struct UserSession {
    base_url: String,
    policy: RetryPolicy,
    current: Arc<Mutex<(TokenPair, Client)>>,
    refreshing: Arc<tokio::sync::Mutex<()>>,
    on_refresh: Option<OnRefresh>,
}

impl std::fmt::Debug for UserSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserSession")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl UserSession {
    /// A session starting from `tokens`.
    pub fn new(base_url: &str, tokens: TokenPair) -> Result<Self, Error> {
        let client = user_client(base_url, &tokens.access_token)?;
        Ok(Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            policy: RetryPolicy::default(),
            current: Arc::new(Mutex::new((tokens, client))),
            refreshing: Arc::new(tokio::sync::Mutex::new(())),
            on_refresh: None,
        })
    }

    /// Uses `policy` for 429/503 retries.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Called with every new pair (to persist the rotated refresh token).
    pub fn on_refresh(mut self, f: impl Fn(&TokenPair) + Send + Sync + 'static) -> Self {
        self.on_refresh = Some(Arc::new(f));
        self
    }

    /// The client with the current access token.
    pub fn client(&self) -> Client {
        self.lock().1.clone()
    }

    /// The current tokens.
    pub fn tokens(&self) -> TokenPair {
        self.lock().0.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (TokenPair, Client)> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Exchanges the refresh token for a new pair now.
    pub async fn refresh(&self) -> Result<(), Error> {
        let stale = self.tokens().access_token;
        self.refresh_from(&stale).await
    }

    /// Refreshes unless another caller already replaced `stale`.
    async fn refresh_from(&self, stale: &str) -> Result<(), Error> {
        let _single_flight = self.refreshing.lock().await;
        let tokens = self.tokens();
        if tokens.access_token != stale {
            return Ok(());
        }
        let anonymous = Client::new(&self.base_url);
        let refresh_token = tokens.refresh_token;
        let fresh = crate::retry::call(&self.policy, |_key| {
            let anonymous = anonymous.clone();
            let body = types::RefreshRequest {
                refresh_token: refresh_token.clone(),
            };
            async move { anonymous.tokens_refresh().body(body).send().await }
        })
        .await?
        .into_inner();
        let pair = TokenPair::from(fresh);
        let client = user_client(&self.base_url, &pair.access_token)?;
        *self.lock() = (pair.clone(), client);
        if let Some(f) = &self.on_refresh {
            f(&pair);
        }
        Ok(())
    }

    /// Runs one logical call with the session's client: `attempt` gets the client and the
    /// call's idempotency key (the same for every attempt). 429/503 are retried per the
    /// policy; a 401 `token_expired` refreshes the tokens once and retries once.
    pub async fn call<T, F, Fut>(&self, mut attempt: F) -> Result<ResponseValue<T>, Error>
    where
        F: FnMut(Client, String) -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<ByteStream>>>,
    {
        let key = new_idempotency_key();
        let (tokens, client) = self.lock().clone();
        let first = call_with_key(&self.policy, key.clone(), |k| attempt(client.clone(), k)).await;
        match first {
            Err(e) if e.is_token_expired() => {
                self.refresh_from(&tokens.access_token).await?;
                let client = self.client();
                call_with_key(&self.policy, key, |k| attempt(client.clone(), k)).await
            }
            other => other,
        }
    }
}
