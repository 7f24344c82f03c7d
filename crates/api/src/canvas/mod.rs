//! Canvas over HTTP: documents, sharing, content and versions ([`documents`]) and the Yjs sync
//! socket ([`sync`]). Who may do what is decided in the canvas domain
//! (`atelier_canvas::documents`); these handlers parse, call and convert.

pub mod documents;
pub mod sync;
