//! Identity over HTTP: the caller, workspaces, members, users and API keys ([`tenancy`]),
//! user tokens and the JWKS ([`tokens`]), the audit log and its recording middleware
//! ([`audit`]), usage and its metering middleware ([`usage`]).

pub mod audit;
pub mod tenancy;
pub mod tokens;
pub mod usage;
