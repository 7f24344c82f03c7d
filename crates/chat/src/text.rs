//! Sans-IO rules of chat: message validation, mention parsing, search terms, slow mode and
//! the direct-channel key. Plain functions, tested without a database.
//!
//! **Mentions** are the union of the users given explicitly and every `<@usr_...>` token in
//! the text; `@channel` (or `@here`) in the text, or `mention_channel`, mentions everyone.
//!
//! **Search terms**: the text lower-cased and split on everything that is not a letter or a
//! digit; terms of 1 to [`MAX_TERM_CHARS`] characters are kept, de-duplicated. A query matches
//! messages containing every one of its terms (whole words, case-insensitive).

use crate::{
    error::ChatError,
    model::{Attachment, Draft},
};
use atelier_identity::UserId;

pub const MAX_ATTACHMENTS: usize = 10;
pub const MAX_MENTIONS: usize = 100;
pub const MAX_NAME_CHARS: usize = 80;
pub const MAX_TOPIC_CHARS: usize = 250;
pub const MAX_TERM_CHARS: usize = 64;
pub const MAX_EMOJI_CHARS: usize = 64;
pub const MAX_CLIENT_MESSAGE_ID_CHARS: usize = 128;
pub const MAX_URL_CHARS: usize = 2048;
pub const MAX_SLOW_MODE_SECONDS: u32 = 6 * 3600;
pub const MAX_DIRECT_MEMBERS: usize = 9;

/// Validates and normalises a draft: text present (or attachments), within `max_chars`,
/// mentions parsed and merged.
pub fn validate_draft(mut draft: Draft, max_chars: usize) -> Result<Draft, ChatError> {
    let length = draft.text.chars().count();
    if length > max_chars {
        return Err(ChatError::TextTooLong {
            length,
            max: max_chars,
        });
    }
    if draft.text.trim().is_empty() && draft.attachments.is_empty() {
        return Err(ChatError::invalid(
            "text",
            "must not be empty (or send an attachment)",
        ));
    }
    if draft.attachments.len() > MAX_ATTACHMENTS {
        return Err(ChatError::invalid(
            "attachments",
            format!("at most {MAX_ATTACHMENTS} attachments"),
        ));
    }
    for attachment in &draft.attachments {
        check_attachment(attachment)?;
    }
    let (parsed, channel) = parse_mentions(&draft.text);
    for user in parsed {
        if !draft.mentions.contains(&user) {
            draft.mentions.push(user);
        }
    }
    dedup(&mut draft.mentions);
    if draft.mentions.len() > MAX_MENTIONS {
        return Err(ChatError::invalid(
            "mentions",
            format!("at most {MAX_MENTIONS} users"),
        ));
    }
    draft.mention_channel |= channel;
    Ok(draft)
}

fn dedup(users: &mut Vec<UserId>) {
    let mut seen = Vec::with_capacity(users.len());
    users.retain(|user| {
        if seen.contains(user) {
            false
        } else {
            seen.push(*user);
            true
        }
    });
}

fn check_attachment(attachment: &Attachment) -> Result<(), ChatError> {
    let url = attachment.url.as_str();
    if url.is_empty()
        || url.chars().count() > MAX_URL_CHARS
        || !(url.starts_with("https://") || url.starts_with("http://"))
        || url.chars().any(char::is_whitespace)
    {
        return Err(ChatError::invalid(
            "attachments",
            format!("`url` must be an http(s) URL of at most {MAX_URL_CHARS} characters"),
        ));
    }
    let mime = attachment.mime_type.as_str();
    if mime.len() > 255
        || mime
            .split_once('/')
            .is_none_or(|(a, b)| a.is_empty() || b.is_empty())
    {
        return Err(ChatError::invalid(
            "attachments",
            "`mime_type` must look like `type/subtype`",
        ));
    }
    if attachment.size_bytes < 0 {
        return Err(ChatError::invalid(
            "attachments",
            "`size_bytes` must not be negative",
        ));
    }
    let name_length = attachment.name.chars().count();
    if name_length == 0 || name_length > 255 {
        return Err(ChatError::invalid(
            "attachments",
            "`name` must be 1 to 255 characters",
        ));
    }
    Ok(())
}

/// The users mentioned as `<@usr_...>` in `text`, and whether `@channel` or `@here` appears.
pub fn parse_mentions(text: &str) -> (Vec<UserId>, bool) {
    let mut users = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<@") {
        let after = &rest[start + 2..];
        match after.find('>') {
            Some(end) => {
                if let Ok(user) = after[..end].parse::<UserId>()
                    && !users.contains(&user)
                {
                    users.push(user);
                }
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    let channel = words(text).any(|(before, word)| {
        before == Some('@')
            && (word.eq_ignore_ascii_case("channel") || word.eq_ignore_ascii_case("here"))
    });
    (users, channel)
}

/// Alphanumeric runs of `text` with the character before each.
fn words(text: &str) -> impl Iterator<Item = (Option<char>, &str)> {
    let mut result = Vec::new();
    let mut start: Option<usize> = None;
    let mut previous: Option<char> = None;
    let mut before_start: Option<char> = None;
    for (index, character) in text.char_indices() {
        if character.is_alphanumeric() {
            if start.is_none() {
                start = Some(index);
                before_start = previous;
            }
        } else if let Some(begin) = start.take() {
            result.push((before_start, &text[begin..index]));
        }
        previous = Some(character);
    }
    if let Some(begin) = start {
        result.push((before_start, &text[begin..]));
    }
    result.into_iter()
}

/// The normalised search terms of `text`.
pub fn terms(text: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for (_, word) in words(text) {
        if word.chars().count() > MAX_TERM_CHARS {
            continue;
        }
        let term = word.to_lowercase();
        if !terms.contains(&term) {
            terms.push(term);
        }
    }
    terms
}

/// A channel name: trimmed, 1 to [`MAX_NAME_CHARS`] characters.
pub fn check_name(name: &str) -> Result<String, ChatError> {
    let name = name.trim();
    let length = name.chars().count();
    if length == 0 || length > MAX_NAME_CHARS {
        return Err(ChatError::invalid(
            "name",
            format!("must be 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(name.to_owned())
}

pub fn check_topic(topic: &str) -> Result<String, ChatError> {
    let topic = topic.trim();
    if topic.chars().count() > MAX_TOPIC_CHARS {
        return Err(ChatError::invalid(
            "topic",
            format!("must be at most {MAX_TOPIC_CHARS} characters"),
        ));
    }
    Ok(topic.to_owned())
}

pub fn check_slow_mode(seconds: u32) -> Result<u32, ChatError> {
    if seconds > MAX_SLOW_MODE_SECONDS {
        return Err(ChatError::invalid(
            "slow_mode_seconds",
            format!("must be at most {MAX_SLOW_MODE_SECONDS}"),
        ));
    }
    Ok(seconds)
}

/// An emoji (or short code like `:tada:`): 1 to [`MAX_EMOJI_CHARS`] characters, no
/// whitespace or control characters.
pub fn check_emoji(emoji: &str) -> Result<String, ChatError> {
    let length = emoji.chars().count();
    if length == 0
        || length > MAX_EMOJI_CHARS
        || emoji.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(ChatError::invalid(
            "emoji",
            format!("must be 1 to {MAX_EMOJI_CHARS} characters without spaces"),
        ));
    }
    Ok(emoji.to_owned())
}

pub fn check_client_message_id(id: &str) -> Result<String, ChatError> {
    let length = id.chars().count();
    if length == 0
        || length > MAX_CLIENT_MESSAGE_ID_CHARS
        || !id.chars().all(|c| c.is_ascii_graphic())
    {
        return Err(ChatError::invalid(
            "client_message_id",
            format!("must be 1 to {MAX_CLIENT_MESSAGE_ID_CHARS} printable ASCII characters"),
        ));
    }
    Ok(id.to_owned())
}

/// The unique key of the direct channel between `members` (sorted, de-duplicated).
pub fn direct_key(members: &[UserId]) -> (String, Vec<UserId>) {
    let mut sorted = members.to_vec();
    sorted.sort_by_key(|user| user.to_string());
    sorted.dedup();
    let joined: Vec<String> = sorted.iter().map(ToString::to_string).collect();
    (format!("direct:{}", joined.join(",")), sorted)
}

/// Slow mode: `None` when sending is allowed now, else the seconds to wait (rounded up).
pub fn slow_mode_wait(slow_mode_seconds: u32, last_sent_at_ms: i64, now_ms: i64) -> Option<u64> {
    if slow_mode_seconds == 0 || last_sent_at_ms <= 0 {
        return None;
    }
    let next = last_sent_at_ms + i64::from(slow_mode_seconds) * 1000;
    let wait_ms = next - now_ms;
    (wait_ms > 0).then(|| u64::try_from(wait_ms).unwrap_or(0).div_ceil(1000).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_table() {
        let ada = UserId::generate();
        let bob = UserId::generate();
        let cases: Vec<(String, Vec<UserId>, bool)> = vec![
            ("hello".into(), vec![], false),
            (
                format!("hi <@{ada}> and <@{bob}> <@{ada}>"),
                vec![ada, bob],
                false,
            ),
            ("<@usr_nope> <@".into(), vec![], false),
            ("@channel lunch?".into(), vec![], true),
            ("ping @HERE".into(), vec![], true),
            ("email me at x@channelmail.com".into(), vec![], false),
            ("#channel".into(), vec![], false),
        ];
        for (text, users, channel) in cases {
            assert_eq!(parse_mentions(&text), (users, channel), "{text}");
        }
    }

    #[test]
    fn drafts_are_validated_and_mentions_merged() {
        let ada = UserId::generate();
        let draft = Draft {
            text: format!("hey <@{ada}>"),
            mentions: vec![ada],
            ..Draft::default()
        };
        let valid = validate_draft(draft, 100).unwrap();
        assert_eq!(valid.mentions, vec![ada]);
        let cases: Vec<(Draft, &str)> = vec![
            (Draft::default(), "text"),
            (
                Draft {
                    text: "  \n".into(),
                    ..Draft::default()
                },
                "text",
            ),
            (
                Draft {
                    text: "x".into(),
                    attachments: vec![Attachment {
                        url: "ftp://x".into(),
                        mime_type: "image/png".into(),
                        size_bytes: 1,
                        name: "a.png".into(),
                    }],
                    ..Draft::default()
                },
                "attachments",
            ),
        ];
        for (draft, field) in cases {
            match validate_draft(draft, 100) {
                Err(ChatError::Invalid { field: named, .. }) => assert_eq!(named, field),
                other => panic!("expected `{field}` refused, got {other:?}"),
            }
        }
        let long = Draft {
            text: "é".repeat(101),
            ..Draft::default()
        };
        assert!(matches!(
            validate_draft(long, 100),
            Err(ChatError::TextTooLong {
                length: 101,
                max: 100
            })
        ));
        let exactly = Draft {
            text: "é".repeat(100),
            ..Draft::default()
        };
        assert!(validate_draft(exactly, 100).is_ok());
    }

    #[test]
    fn terms_are_lowercase_words() {
        assert_eq!(
            terms("Deploy the NEW build, deploy-now! Ünïcode 42"),
            vec!["deploy", "the", "new", "build", "now", "ünïcode", "42"]
        );
        assert!(terms("  ...  ").is_empty());
    }

    #[test]
    fn slow_mode_table() {
        // (seconds, last sent, now, wait)
        let cases = [
            (0, 1_000, 1_500, None),
            (10, 0, 1_500, None),
            (10, 1_000, 11_000, None),
            (10, 1_000, 10_999, Some(1)),
            (10, 1_000, 1_500, Some(10)),
            (10, 1_000, 2_000, Some(9)),
        ];
        for (seconds, last, now, wait) in cases {
            assert_eq!(
                slow_mode_wait(seconds, last, now),
                wait,
                "{seconds} {last} {now}"
            );
        }
    }

    #[test]
    fn direct_keys_ignore_order_and_duplicates() {
        let (a, b) = (UserId::generate(), UserId::generate());
        assert_eq!(direct_key(&[a, b]).0, direct_key(&[b, a, b]).0);
        assert_eq!(direct_key(&[b, a]).1.len(), 2);
        assert_ne!(direct_key(&[a]).0, direct_key(&[a, b]).0);
    }
}
