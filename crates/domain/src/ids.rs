//! Typed ids, so an organization's id can never be passed where a user's is expected.
//! Ids are UUIDv7 (time-ordered); they are minted at the persistence edge, not here.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            #[must_use]
            pub fn into_uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                $name(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

typed_id!(
    /// A registered company: a supplier or an automaker.
    OrganizationId,
    /// A person who logs in.
    UserId,
    /// An automaker's plant, where a need is delivered.
    PlantId,
    /// What a supplier can make.
    CapabilityId,
    /// What an automaker wants to buy.
    NeedId,
);
