//! Cursor pagination for lists that answer `items`, `next_cursor` and `has_more`.
//!
//! ```no_run
//! # async fn f(client: atelier_sdk::Client) -> Result<(), atelier_sdk::Error> {
//! use futures_util::TryStreamExt;
//! use atelier_sdk::{pages, Page, RetryPolicy};
//! let mut stream = std::pin::pin!(pages(RetryPolicy::default(), None, |cursor| {
//!     let client = client.clone();
//!     async move {
//!         let request = client.events_list().limit(std::num::NonZeroU32::new(500).unwrap());
//!         match cursor {
//!             Some(cursor) => request.cursor(cursor),
//!             None => request,
//!         }
//!         .send()
//!         .await
//!     }
//! }));
//! while let Some(page) = stream.try_next().await? {
//!     println!("{} events, resume from {:?}", page.items().len(), page.next_cursor());
//! }
//! # Ok(()) }
//! ```

use std::future::Future;

use futures_util::Stream;
use progenitor_client::{ByteStream, ResponseValue};

use crate::retry::RetryPolicy;
use crate::{types, Error};

/// A page of a cursor-paginated list.
pub trait Page {
    /// What the list holds.
    type Item;
    /// This page's items.
    fn items(&self) -> &[Self::Item];
    /// This page's items, owned.
    fn into_items(self) -> Vec<Self::Item>;
    /// The cursor to pass back to read on (for growing logs, also the position to poll from).
    fn next_cursor(&self) -> Option<&str>;
    /// Whether more items already follow.
    fn has_more(&self) -> bool;
}

macro_rules! page {
    ($page:ty, $item:ty, |$p:ident| $cursor:expr) => {
        impl Page for $page {
            type Item = $item;
            fn items(&self) -> &[$item] {
                &self.items
            }
            fn into_items(self) -> Vec<$item> {
                self.items
            }
            fn next_cursor(&self) -> Option<&str> {
                let $p = self;
                $cursor
            }
            fn has_more(&self) -> bool {
                self.has_more
            }
        }
    };
}

// Every list of the API (the contract checks they all page this way).
page!(types::PageApiKey, types::ApiKey, |p| p
    .next_cursor
    .as_deref());
page!(types::PageAuditEntry, types::AuditEntry, |p| p
    .next_cursor
    .as_deref());
page!(types::PageChannel, types::Channel, |p| p
    .next_cursor
    .as_deref());
page!(types::PageChannelMember, types::ChannelMember, |p| p
    .next_cursor
    .as_deref());
page!(types::PageConsumer, types::Consumer, |p| p
    .next_cursor
    .as_deref());
page!(types::PageDeadLetter, types::DeadLetter, |p| p
    .next_cursor
    .as_deref());
page!(types::PageEvent, types::Event, |p| p.next_cursor.as_deref());
page!(types::PageEventTypeView, types::EventTypeView, |p| p
    .next_cursor
    .as_deref());
page!(types::PageMember, types::Member, |p| p
    .next_cursor
    .as_deref());
page!(types::PageMessage, types::Message, |p| p
    .next_cursor
    .as_deref());
page!(types::PageMessageEdit, types::MessageEdit, |p| p
    .next_cursor
    .as_deref());
page!(types::PageReactor, types::Reactor, |p| p
    .next_cursor
    .as_deref());
page!(types::PageScheduledMessage, types::ScheduledMessage, |p| p
    .next_cursor
    .as_deref());
page!(types::PageUser, types::User, |p| p.next_cursor.as_deref());
page!(types::PageWebhookAttempt, types::WebhookAttempt, |p| p
    .next_cursor
    .as_deref());
page!(types::PageWebhookEndpoint, types::WebhookEndpoint, |p| p
    .next_cursor
    .as_deref());
page!(types::PageWorkspace, types::Workspace, |p| p
    .next_cursor
    .as_deref());
page!(types::MessagePage, types::Message, |p| p
    .next_cursor
    .as_deref());

/// The pages of a list, from `start` (`None`: the beginning), fetching the next page while
/// `has_more` and a cursor is given. `fetch` gets the cursor to pass to the operation's
/// `cursor` parameter; each fetch is retried per `policy`.
pub fn pages<P, F, Fut>(
    policy: RetryPolicy,
    start: Option<String>,
    fetch: F,
) -> impl Stream<Item = Result<P, Error>>
where
    P: Page,
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<ResponseValue<P>, progenitor_client::Error<ByteStream>>>,
{
    struct State<F> {
        fetch: F,
        cursor: Option<String>,
        done: bool,
        policy: RetryPolicy,
    }
    futures_util::stream::unfold(
        State {
            fetch,
            cursor: start,
            done: false,
            policy,
        },
        |mut s| async move {
            if s.done {
                return None;
            }
            let cursor = s.cursor.clone();
            let fetch = &mut s.fetch;
            let result = crate::retry::call(&s.policy, |_key| fetch(cursor.clone())).await;
            match result {
                Ok(page) => {
                    let page = page.into_inner();
                    s.cursor = page.next_cursor().map(str::to_owned);
                    s.done = !page.has_more() || s.cursor.is_none();
                    Some((Ok(page), s))
                }
                Err(e) => {
                    s.done = true;
                    Some((Err(e), s))
                }
            }
        },
    )
}
