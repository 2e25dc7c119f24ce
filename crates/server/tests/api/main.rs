//! The API suite: every endpoint over real HTTP, on SQLite and (when configured)
//! PostgreSQL. Each endpoint has a happy path, an auth failure and a validation failure.

mod accounts;
mod conventions;
mod me;
mod support;
