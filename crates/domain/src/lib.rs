//! Pure business rules of Emporium: value types that can only hold valid data, and the
//! rules that decide what is allowed. Nothing here performs I/O, so every rule is tested
//! without a database or a network (see `docs/ARCHITECTURE.md`).
//!
//! Raw input stops at the edge: the HTTP layer parses strings into these types
//! ("parse, don't validate"), and everything below it only ever sees valid values.

pub mod account;
pub mod address;
pub mod catalog;
pub mod history;
pub mod inventory;
pub mod invoice;
pub mod locale;
pub mod media;
pub mod message;
pub mod money;
pub mod order;
pub mod payment;
pub mod pricing;
pub mod returns;
pub mod review;
pub mod staff;
pub mod text;
pub mod throttle;
pub mod time;
pub mod translation;
pub mod validation;
pub mod variant;

pub use validation::{FieldError, Invalid};
