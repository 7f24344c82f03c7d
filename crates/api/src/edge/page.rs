//! The one page type of the HTTP API's lists, and their one pair of query parameters.
//!
//! Every list operation takes `cursor` (an opaque string from the previous page's
//! `next_cursor`, see [`super::cursor`]) and `limit` (1 to 200 unless the operation says
//! otherwise), and answers a [`Page`].

use atelier_store::scoped::PageRequest;
use poem_openapi::{
    Object,
    types::{ParseFromJSON, ToJSON},
};

use super::cursor;
use crate::problem::ErrorResponse;

/// Page size when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 50;

/// The page request of a list whose position is a record id: `kind` names the list (see
/// [`cursor`]), so another list's cursor is refused.
pub fn request(
    kind: &str,
    given: Option<&str>,
    limit: Option<u32>,
) -> Result<PageRequest, ErrorResponse> {
    let after = cursor::decode::<String>(kind, "cursor", given)?;
    Ok(PageRequest::new(
        after,
        limit.unwrap_or(DEFAULT_LIMIT) as usize,
    ))
}

/// A page of a list read by cursor (see each operation for its order).
#[derive(Debug, Object)]
pub struct Page<T: ParseFromJSON + ToJSON> {
    pub items: Vec<T>,
    /// Pass back (as the operation's cursor parameter) to read on. Lists that end (search,
    /// reactors, delivery attempts) give it while `has_more`; logs that grow (events, audit)
    /// always give the position reached (the cursor given, when the page is empty), so a
    /// client keeps polling with it.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
    /// Whether more items already follow this page.
    pub has_more: bool,
}

impl<T: ParseFromJSON + ToJSON> Page<T> {
    /// A page of a list that ends: `records` were read as up to `limit + 1` (the extra one
    /// only says that more follow); `cursor` gives a record's position, `view` its item.
    pub fn of<R>(
        records: Vec<R>,
        limit: usize,
        cursor: impl Fn(&R) -> String,
        view: impl FnMut(R) -> T,
    ) -> Self {
        let mut page = Self::build(records, limit, cursor, view);
        if !page.has_more {
            page.next_cursor = None;
        }
        page
    }

    /// A page of a log that grows: like [`Page::of`], and the cursor is always the position
    /// reached, `given` when the page is empty.
    pub fn of_log<R>(
        records: Vec<R>,
        limit: usize,
        given: Option<String>,
        cursor: impl Fn(&R) -> String,
        view: impl FnMut(R) -> T,
    ) -> Self {
        let mut page = Self::build(records, limit, cursor, view);
        page.next_cursor = page.next_cursor.or(given);
        page
    }

    /// A page of records read with a [`request`] of list `kind`: the cursor is the last
    /// record's `id`, given while more follow.
    pub fn by_id<R>(
        kind: &str,
        (records, has_more): (Vec<R>, bool),
        id: impl Fn(&R) -> String,
        view: impl FnMut(R) -> T,
    ) -> Self {
        Page {
            next_cursor: records
                .last()
                .filter(|_| has_more)
                .map(|last| cursor::encode(kind, &id(last))),
            items: records.into_iter().map(view).collect(),
            has_more,
        }
    }

    fn build<R>(
        mut records: Vec<R>,
        limit: usize,
        cursor: impl Fn(&R) -> String,
        view: impl FnMut(R) -> T,
    ) -> Self {
        let has_more = records.len() > limit;
        records.truncate(limit);
        Page {
            next_cursor: records.last().map(cursor),
            items: records.into_iter().map(view).collect(),
            has_more,
        }
    }
}
