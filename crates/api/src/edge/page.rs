//! The one page type of the HTTP API's cursor-paged lists.

use poem_openapi::{
    Object,
    types::{ParseFromJSON, ToJSON},
};

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
