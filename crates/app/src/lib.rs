//! Emporium's application layer: every operation a person or a job can trigger, once.
//!
//! A use case is a function here that takes typed input (ids, domain types, or a small
//! command struct of raw text it parses itself, so each rule is written once) and returns
//! store records or one [`AppError`]. It knows no HTTP: no status codes, JSON bodies,
//! extractors or cookies. The JSON API (`emporium-api`), the web pages (`emporium-web`) and
//! the background [`jobs`] are thin callers that translate to and from it.
//!
//! Beside the use cases live the state they share ([`AppState`], composed in
//! [`state`]), and the long-running parts the server starts: the [`jobs`] runner, the
//! [`search_sync`] follower, the recommender runtime ([`recommendations`]), the hot-order
//! cache ([`order_cache`]) and the built-in [`sandbox`] payment provider.

pub mod accounts;
pub mod audit;
pub mod cart;
pub mod catalog;
pub mod categories;
pub mod config;
pub mod cursor;
pub mod customers;
pub mod error;
pub mod guests;
pub mod inventory;
pub mod jobs;
pub mod media;
pub mod messages;
pub mod metrics;
pub mod order_cache;
pub mod order_search;
pub mod orders;
pub mod paging;
pub mod passwords;
pub mod payments;
pub mod pricing_rules;
pub mod privacy;
pub mod recommendations;
pub mod reports;
pub mod returns;
pub mod reviews;
pub mod sandbox;
pub mod search_sync;
pub mod staff;
pub mod state;
pub mod storefront;
pub mod tokens;
pub mod variants;

pub use config::{AppConfig, WriteLimits};
pub use error::{AppError, AppResult};
pub use state::AppState;
