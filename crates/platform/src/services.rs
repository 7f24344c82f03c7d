//! The services modules hand to the HTTP edge, by type.
//!
//! A module's [`crate::Running::services`] carries the domain services its HTTP area calls
//! (`atelier_chat::Chat`, `atelier_webhooks::Endpoints`...). The server merges every module's
//! map into one and the edge reads a service by its type, so the edge's state needs no field
//! per product.

use std::{
    any::{Any, TypeId, type_name},
    collections::HashMap,
    sync::Arc,
};

/// A map from a service's type to one shared instance. Cheap to clone.
#[derive(Clone, Default)]
pub struct Services {
    entries: HashMap<TypeId, (&'static str, Arc<dyn Any + Send + Sync>)>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.entries.values().map(|(name, _)| name))
            .finish()
    }
}

/// Two modules handed over a service of the same type.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("the service {0} is registered twice")]
pub struct DuplicateService(pub &'static str);

impl Services {
    /// Adds `service`; a second service of the same type is refused.
    pub fn insert<T: Any + Send + Sync>(&mut self, service: T) -> Result<(), DuplicateService> {
        let name = type_name::<T>();
        if self.entries.contains_key(&TypeId::of::<T>()) {
            return Err(DuplicateService(name));
        }
        self.entries
            .insert(TypeId::of::<T>(), (name, Arc::new(service)));
        Ok(())
    }

    /// With `service` added (for building a map in one expression).
    pub fn with<T: Any + Send + Sync>(mut self, service: T) -> Result<Self, DuplicateService> {
        self.insert(service)?;
        Ok(self)
    }

    /// The service of type `T`, if a module registered one.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.entries
            .get(&TypeId::of::<T>())
            .and_then(|(_, service)| service.downcast_ref::<T>())
    }

    /// Moves every service of `other` into this map.
    pub fn merge(&mut self, other: Services) -> Result<(), DuplicateService> {
        for (type_id, entry) in other.entries {
            if self.entries.contains_key(&type_id) {
                return Err(DuplicateService(entry.0));
            }
            self.entries.insert(type_id, entry);
        }
        Ok(())
    }

    /// The registered services' type names, sorted (for logs and tests).
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.entries.values().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Chat(u32);
    #[derive(Debug, PartialEq)]
    struct Feeds;

    #[test]
    fn services_by_type() {
        let mut services = Services::default().with(Chat(7)).unwrap();
        assert_eq!(services.get::<Chat>(), Some(&Chat(7)));
        assert_eq!(services.get::<Feeds>(), None);
        assert!(services.insert(Chat(8)).is_err());
        let other = Services::default().with(Feeds).unwrap();
        services.merge(other).unwrap();
        assert_eq!(services.get::<Feeds>(), Some(&Feeds));
        assert_eq!(services.names().len(), 2);
        let again = Services::default().with(Feeds).unwrap();
        assert!(services.merge(again).is_err());
    }
}
