//! Webhooks over HTTP: endpoints and their signing secrets ([`endpoints`]), delivery
//! attempts, resend and recovery ([`attempts`]).

pub mod attempts;
pub mod endpoints;
