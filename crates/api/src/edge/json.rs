//! [`JsonBody`]: the request body of every operation, parsed strictly.
//!
//! poem-openapi's own `Json<T>` coerces: a number or a boolean is accepted for a string field
//! (`{"display_name": 5}` would name a user "5"). `JsonBody<T>` first checks the document
//! against `T`'s schema (the one published in the spec), so a value of the wrong type answers
//! 400 `invalid_body` naming the field (`errors[].field`, e.g. `display_name` or
//! `attachments[0].size_bytes`), and `null` is accepted only for optional fields (where it
//! means the same as leaving the field out). Then `T` parses as before.
//!
//! A request without a `Content-Type` and without a body is read as `{}`: operations whose
//! fields are all optional (`POST .../thread/read`) need no body at all. A body with a
//! content type other than JSON still answers 415.

use std::{
    borrow::Cow,
    ops::{Deref, DerefMut},
};

use poem::{FromRequest, Request, RequestBody, Result};
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
    error::{ContentTypeError, ParseRequestPayloadError},
    payload::{Json, ParsePayload, Payload},
    registry::{MetaMediaType, MetaRequest, MetaSchema, MetaSchemaRef, Registry},
    types::{ParseFromJSON, Type},
};
use serde_json::Value;

/// A JSON request body checked against its schema before parsing (see the module docs).
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T> Deref for JsonBody<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for JsonBody<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = <Json<T> as Payload>::CONTENT_TYPE;

    fn check_content_type(content_type: &str) -> bool {
        Json::<T>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ParseFromJSON> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = T::IS_REQUIRED;

    async fn from_request(request: &Request, body: &mut RequestBody) -> Result<Self> {
        let data = <Vec<u8> as FromRequest>::from_request(request, body).await?;
        Self::parse(&data)
    }
}

/// The schemas `T` registers, built once per body type (by its schema name) rather than on
/// every request.
fn registry_of<T: ParseFromJSON>() -> std::sync::Arc<Registry> {
    use std::{
        collections::HashMap,
        sync::{Arc, Mutex, OnceLock},
    };
    static REGISTRIES: OnceLock<Mutex<HashMap<String, Arc<Registry>>>> = OnceLock::new();
    let name = T::name().into_owned();
    let mut registries = REGISTRIES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    registries
        .entry(name)
        .or_insert_with(|| {
            let mut registry = Registry::new();
            T::register(&mut registry);
            Arc::new(registry)
        })
        .clone()
}

impl<T: ParseFromJSON> JsonBody<T> {
    /// Checks `data` (empty: `{}`) against `T`'s schema, then parses it.
    fn parse(data: &[u8]) -> Result<Self> {
        let value = if data.is_empty() {
            Value::Object(serde_json::Map::new())
        } else {
            serde_json::from_slice(data).map_err(|error| ParseRequestPayloadError {
                reason: error.to_string(),
            })?
        };
        let registry = registry_of::<T>();
        if let Some(mismatch) = check(&registry, &T::schema_ref(), &value, "") {
            return Err(ParseRequestPayloadError {
                reason: mismatch.to_string(),
            }
            .into());
        }
        let value = T::parse_from_json(Some(value)).map_err(|error| ParseRequestPayloadError {
            reason: error.into_message(),
        })?;
        Ok(Self(value))
    }
}

impl<'a, T: ParseFromJSON> ApiExtractor<'a> for JsonBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <Self as Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: <Self as Payload>::CONTENT_TYPE,
                schema: <Self as Payload>::schema_ref(),
            }],
            required: <Self as ParsePayload>::IS_REQUIRED,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> Result<Self> {
        match request.content_type() {
            Some(content_type) if Self::check_content_type(content_type) => {
                <Self as ParsePayload>::from_request(request, body).await
            }
            Some(content_type) => Err(ContentTypeError::NotSupported {
                content_type: content_type.to_owned(),
            }
            .into()),
            // No content type: only an absent body is accepted (read as `{}`).
            None => {
                let data = <Vec<u8> as FromRequest>::from_request(request, body).await?;
                if data.is_empty() {
                    Self::parse(&data)
                } else {
                    Err(ContentTypeError::ExpectContentType.into())
                }
            }
        }
    }
}

/// A value of the wrong JSON type at `field`.
#[derive(Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub field: String,
    pub expected: Cow<'static, str>,
    pub found: Cow<'static, str>,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.found == "missing" {
            write!(f, "field `{}` is required", self.field)
        } else if self.found == "null" && self.expected == "a value" {
            write!(f, "field `{}` is required and must not be null", self.field)
        } else {
            write!(
                f,
                "field `{}` must be {}, not {}",
                self.field, self.expected, self.found
            )
        }
    }
}

fn found(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The largest value of an unsigned integer `format` poem-openapi writes (`uint32`, ...).
pub(crate) fn unsigned_max(format: &str) -> Option<u64> {
    match format {
        "uint8" => Some(u64::from(u8::MAX)),
        "uint16" => Some(u64::from(u16::MAX)),
        "uint32" => Some(u64::from(u32::MAX)),
        "uint64" => Some(u64::MAX),
        _ => None,
    }
}

/// The allowed values of an enum schema (`` `a`, `b` ``), or `None` for any other schema.
fn enum_values(registry: &Registry, schema: &MetaSchemaRef) -> Option<String> {
    let schema: &MetaSchema = match schema {
        MetaSchemaRef::Inline(schema) => schema,
        MetaSchemaRef::Reference(name) => registry.schemas.get(name)?,
    };
    (!schema.enum_items.is_empty()).then(|| {
        let allowed: Vec<String> = schema
            .enum_items
            .iter()
            .map(|item| format!("`{}`", item.as_str().unwrap_or_default()))
            .collect();
        allowed.join(", ")
    })
}

/// Whether `text` has as many characters (Unicode scalar values, as the domain counts) as the
/// schema's `minLength` and `maxLength` allow.
fn within_length(schema: &MetaSchema, text: &str) -> bool {
    let at_least = |min: usize| min == 0 || text.chars().nth(min - 1).is_some();
    let at_most = |max: usize| text.chars().nth(max).is_none();
    schema.min_length.is_none_or(at_least) && schema.max_length.is_none_or(at_most)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The first place where `value` has a JSON type `schema` does not allow, a value outside its
/// enum, an unsigned integer out of range or a string of a length it does not allow (other
/// ranges and formats are the parser's and the domain's).
pub fn check(
    registry: &Registry,
    schema: &MetaSchemaRef,
    value: &Value,
    path: &str,
) -> Option<Mismatch> {
    let schema: &MetaSchema = match schema {
        MetaSchemaRef::Inline(schema) => schema,
        MetaSchemaRef::Reference(name) => registry.schemas.get(name)?,
    };
    for part in &schema.all_of {
        if let Some(mismatch) = check(registry, part, value, path) {
            return Some(mismatch);
        }
    }
    // The field at fault: `path`, or the whole body at the top.
    let at = |expected: Cow<'static, str>, found: Cow<'static, str>| {
        Some(Mismatch {
            field: if path.is_empty() {
                "body".to_owned()
            } else {
                path.to_owned()
            },
            expected,
            found,
        })
    };
    let mismatch = |expected: &'static str| at(expected.into(), found(value).into());
    match (schema.ty, value) {
        ("string", Value::String(text)) if !within_length(schema, text) => {
            let expected = match (schema.min_length, schema.max_length) {
                (Some(min), Some(max)) => format!("{min} to {max} characters long"),
                (Some(min), None) => format!("at least {min} characters long"),
                (None, Some(max)) => format!("at most {max} characters long"),
                (None, None) => unreachable!("within_length holds without limits"),
            };
            let length = text.chars().count();
            at(expected.into(), format!("{length} characters").into())
        }
        ("string", Value::String(text))
            if !schema.enum_items.is_empty() && !schema.enum_items.contains(value) =>
        {
            let allowed = enum_values(registry, &MetaSchemaRef::Inline(Box::new(schema.clone())))
                .unwrap_or_default();
            let shown: String = text.chars().take(64).collect();
            at(
                format!("one of {allowed}").into(),
                format!("`{shown}`").into(),
            )
        }
        ("string", Value::String(_))
        | ("boolean", Value::Bool(_))
        | ("number", Value::Number(_)) => None,
        ("integer", Value::Number(number)) if number.is_i64() || number.is_u64() => {
            // Unsigned formats: a value out of their range is refused here, naming the field,
            // rather than by the parser with the type's name.
            match (schema.format.and_then(unsigned_max), number.as_u64()) {
                (Some(max), Some(value)) if value <= max => None,
                (Some(max), _) => at(
                    format!("an integer from 0 to {max}").into(),
                    number.to_string().into(),
                ),
                (None, _) => None,
            }
        }
        ("integer", _) => mismatch("an integer"),
        ("string", _) => mismatch("a string"),
        ("boolean", _) => mismatch("a boolean"),
        ("number", _) => mismatch("a number"),
        ("array", Value::Array(items)) => {
            let item_schema = schema.items.as_deref()?;
            items.iter().enumerate().find_map(|(index, item)| {
                check(registry, item_schema, item, &format!("{path}[{index}]"))
            })
        }
        ("array", _) => mismatch("an array"),
        ("object", Value::Object(fields)) => {
            for (name, property) in &schema.properties {
                match fields.get(*name) {
                    None if schema.required.contains(name) => {
                        return Some(Mismatch {
                            field: join(path, name),
                            expected: "a value".into(),
                            found: "missing".into(),
                        });
                    }
                    None => {}
                    // `null` is "left out" for optional fields (the document marks them
                    // `nullable`), except enums: `null` is not one of their values.
                    Some(Value::Null) if !schema.required.contains(name) => {
                        if let Some(allowed) = enum_values(registry, property) {
                            return Some(Mismatch {
                                field: join(path, name),
                                expected: format!("one of {allowed}").into(),
                                found: "null".into(),
                            });
                        }
                    }
                    Some(Value::Null) => {
                        return Some(Mismatch {
                            field: join(path, name),
                            expected: "a value".into(),
                            found: "null".into(),
                        });
                    }
                    Some(field) => {
                        if let Some(mismatch) = check(registry, property, field, &join(path, name))
                        {
                            return Some(mismatch);
                        }
                    }
                }
            }
            if let Some(additional) = schema.additional_properties.as_deref() {
                for (name, field) in fields {
                    if schema.properties.iter().any(|(known, _)| known == name) {
                        continue;
                    }
                    if let Some(mismatch) = check(registry, additional, field, &join(path, name)) {
                        return Some(mismatch);
                    }
                }
            }
            None
        }
        ("object", _) if schema.properties.is_empty() && schema.additional_properties.is_none() => {
            // A free-form value (`serde_json::Value` fields): anything goes.
            None
        }
        ("object", _) => mismatch("an object"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::Object;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Object)]
    struct Attachment {
        size_bytes: i64,
        name: Option<String>,
    }

    #[derive(Debug, Object)]
    struct Probe {
        #[oai(validator(min_length = 1, max_length = 3))]
        display_name: String,
        count: Option<u32>,
        flag: Option<bool>,
        tags: Option<Vec<String>>,
        attachments: Option<Vec<Attachment>>,
        headers: Option<std::collections::BTreeMap<String, String>>,
        kind: Option<Kind>,
    }

    #[derive(Debug, poem_openapi::Enum)]
    #[oai(rename_all = "snake_case")]
    enum Kind {
        Public,
        Private,
    }

    #[test]
    fn an_enum_value_outside_the_set_names_the_field_and_the_values() {
        let mut registry = Registry::new();
        <Probe as Type>::register(&mut registry);
        let mismatch = check(
            &registry,
            &<Probe as Type>::schema_ref(),
            &json!({"display_name": "Ada", "kind": "group"}),
            "",
        )
        .expect("refused");
        assert_eq!(
            mismatch.to_string(),
            "field `kind` must be one of `public`, `private`, not `group`"
        );
    }

    #[test]
    fn null_leaves_an_optional_field_out_but_is_no_enum_value() {
        let mut registry = Registry::new();
        <Probe as Type>::register(&mut registry);
        let schema = <Probe as Type>::schema_ref();
        let body = json!({"display_name": "Ada", "count": null, "kind": null});
        let mismatch = check(&registry, &schema, &body, "").expect("refused");
        assert_eq!(
            mismatch.to_string(),
            "field `kind` must be one of `public`, `private`, not null"
        );
        let body = json!({"display_name": "Ada", "count": null, "tags": null});
        assert_eq!(check(&registry, &schema, &body, ""), None);
    }

    #[test]
    fn lengths_are_counted_in_characters_and_name_the_field() {
        let mut registry = Registry::new();
        <Probe as Type>::register(&mut registry);
        let schema = <Probe as Type>::schema_ref();
        for (name, refused) in [
            (
                "",
                Some("field `display_name` must be 1 to 3 characters long, not 0 characters"),
            ),
            ("Ada", None),
            ("été", None),
            (
                "Adam",
                Some("field `display_name` must be 1 to 3 characters long, not 4 characters"),
            ),
        ] {
            let mismatch = check(&registry, &schema, &json!({ "display_name": name }), "");
            assert_eq!(
                mismatch.map(|m| m.to_string()).as_deref(),
                refused,
                "{name}"
            );
        }
    }

    #[test]
    fn types_are_checked_not_coerced() {
        let mut registry = Registry::new();
        <Probe as Type>::register(&mut registry);
        let schema = <Probe as Type>::schema_ref();
        let cases = [
            (json!({"display_name": "Ada"}), None),
            (json!({}), Some("display_name")),
            (json!({"display_name": "Ada", "count": null}), None),
            (json!({"display_name": 5}), Some("display_name")),
            (json!({"display_name": true}), Some("display_name")),
            (json!({"display_name": null}), Some("display_name")),
            (json!({"display_name": "Ada", "count": "5"}), Some("count")),
            (json!({"display_name": "Ada", "count": 1.5}), Some("count")),
            (json!({"display_name": "Ada", "flag": "true"}), Some("flag")),
            (
                json!({"display_name": "Ada", "tags": ["a", 1]}),
                Some("tags[1]"),
            ),
            (
                json!({"display_name": "Ada", "attachments": [{"size_bytes": "9"}]}),
                Some("attachments[0].size_bytes"),
            ),
            (
                json!({"display_name": "Ada", "headers": {"x-a": 1}}),
                Some("headers.x-a"),
            ),
            (json!(["not", "an", "object"]), Some("body")),
            (json!({"display_name": "Ada", "kind": "private"}), None),
            (
                json!({"display_name": "Ada", "kind": "privat"}),
                Some("kind"),
            ),
            (json!({"display_name": "Ada", "kind": 1}), Some("kind")),
            (json!({"display_name": "Ada", "count": -1}), Some("count")),
            (
                json!({"display_name": "Ada", "count": 4_294_967_296_u64}),
                Some("count"),
            ),
            (
                json!({"display_name": "Ada", "count": 4_294_967_295_u64}),
                None,
            ),
        ];
        for (value, expected) in cases {
            let mismatch = check(&registry, &schema, &value, "");
            assert_eq!(
                mismatch.as_ref().map(|m| m.field.as_str()),
                expected,
                "{value}: {mismatch:?}"
            );
        }
    }
}
