//! The life-cycle states of drawers, batches, batch items and receipts as types, each with the one word
//! the projections store and people read; comparing or storing a misspelt state no longer compiles.

use std::fmt;

/// Declares a state enum stored as a lower-case word: `as_str`, `parse`, `Display`, serde as the word,
/// so reports, messages and JSON read as before.
macro_rules! state_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            /// The state named by its stored word; anything else is named in the error.
            pub fn parse(word: &str) -> Result<$name, String> {
                match word {
                    $($word => Ok($name::$variant),)+
                    other => Err(format!("{}: '{other}' is not one of {}", stringify!($name), [$($word),+].join(", "))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

state_enum! {
    /// A cashier's drawer: open for payments, counted (blind count recorded, close awaiting approval), closed.
    DrawerState { Open = "open", Counted = "counted", Closed = "closed" }
}

state_enum! {
    /// A batch: open for items, balanced against its control total, approved (posted), or rejected.
    BatchState { Open = "open", Balanced = "balanced", Approved = "approved", Rejected = "rejected" }
}

state_enum! {
    /// One remittance item in a batch: held until approval, posted to its account, or removed with a reason.
    BatchItemState { Held = "held", Posted = "posted", Removed = "removed" }
}

state_enum! {
    /// A receipt: paid, voided, refunded in part or in full, or its check came back unpaid.
    ReceiptStatus {
        Paid = "paid",
        Voided = "voided",
        PartiallyRefunded = "partially_refunded",
        Refunded = "refunded",
        ReturnedCheck = "returned_check",
    }
}

state_enum! {
    /// A lockbox or online item that could not be posted: open until a lead applies it to an account or
    /// refunds it (derived from the journal, never stored).
    ExceptionState { Open = "open", Applied = "applied", Refunded = "refunded" }
}

state_enum! {
    /// An autopay enrolment: waiting for its prenote run, active (debited when due), suspended by a bank
    /// return, or cancelled (derived from the journal, never stored).
    EnrolmentStatus { Prenote = "prenote", Active = "active", Suspended = "suspended", Cancelled = "cancelled" }
}

impl EnrolmentStatus {
    /// Whether the enrolment still holds its account (prenote or active): a second one is refused.
    pub fn is_live(self) -> bool {
        matches!(self, EnrolmentStatus::Prenote | EnrolmentStatus::Active)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves every state reads back from the word it stores, and an unknown word is refused with the
    // choices named (so a projection row written by a newer build is an error, not a silent default).
    #[test]
    fn every_state_round_trips_through_its_word_and_strangers_are_refused() {
        for state in DrawerState::ALL {
            assert_eq!(DrawerState::parse(state.as_str()), Ok(*state));
        }
        for state in BatchState::ALL {
            assert_eq!(BatchState::parse(state.as_str()), Ok(*state));
        }
        for state in BatchItemState::ALL {
            assert_eq!(BatchItemState::parse(state.as_str()), Ok(*state));
        }
        for state in ReceiptStatus::ALL {
            assert_eq!(ReceiptStatus::parse(state.as_str()), Ok(*state));
        }
        for state in ExceptionState::ALL {
            assert_eq!(ExceptionState::parse(state.as_str()), Ok(*state));
        }
        for state in EnrolmentStatus::ALL {
            assert_eq!(EnrolmentStatus::parse(state.as_str()), Ok(*state));
        }
        let error = BatchState::parse("balanc3d").unwrap_err();
        assert!(error.contains("'balanc3d'") && error.contains("open, balanced, approved, rejected"), "{error}");
        assert_eq!(serde_json::to_string(&ReceiptStatus::PartiallyRefunded).unwrap(), "\"partially_refunded\"");
    }
}
