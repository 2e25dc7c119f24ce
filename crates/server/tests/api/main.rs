//! The API suite: every endpoint over real HTTP, on SQLite and (when configured)
//! PostgreSQL. Each endpoint has a happy path, an auth failure and a validation failure.

#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod accounts;
mod admin;
mod at_rest;
mod audit;
mod catalog;
mod categories;
mod checkout_pricing;
mod conventions;
mod facets;
mod guests;
mod hardening;
mod images;
mod inventory;
mod limits;
mod matrix;
mod me;
mod media_s3;
mod messages;
mod orders;
mod pricing_rules;
mod privacy;
mod providers;
mod recommendations;
mod refund_lines;
mod refund_recovery;
mod returns;
mod reviews;
mod staff;
mod suggestions;
#[path = "../support/mod.rs"]
#[allow(dead_code, reason = "shared with the browser suite; each suite uses a part of it")]
mod support;
mod translations;
mod variants;
mod web;
mod web_accounts;
mod web_admin;
mod web_guests;
mod web_pricing;
mod web_pricing_zh;
mod web_returns;
mod web_storefront;
