//! Completes the OpenAPI document collected from the handlers' `#[utoipa::path]`
//! attributes with what every handler of a kind can answer because of its extractors (a
//! JSON body can be malformed, too large or of another type; a path id can be malformed or
//! unknown; a bearer token can be missing), and with the OpenAPI links that let a client,
//! or schemathesis's stateful phase, carry the id of what one call created into the next.
//!
//! The per-handler attributes list the answers particular to the handler; this module adds
//! the ones that follow from the extractors, so they cannot be forgotten on a new route.

use serde_json::{Value, json};
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn, PathItem};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::{OpenApi, Ref, RefOr};

/// The media type of every error answer.
const PROBLEM: &str = "application/problem+json";

/// Adds the extractor-driven error answers to every operation, and the links.
pub(crate) fn complete(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        for operation in operations(item) {
            add_extractor_problems(operation);
        }
        // The write rate limits (`crate::limits`) answer before any handler; provider
        // notifications are exempt.
        if !path.starts_with("/api/v1/payments/notify/") {
            for operation in [&mut item.put, &mut item.post, &mut item.delete, &mut item.patch]
                .into_iter()
                .filter_map(Option::as_mut)
            {
                add_problem(
                    operation,
                    429,
                    "Too many writes from this client or session; wait `Retry-After` seconds (`rate_limited`)",
                );
            }
        }
    }
    add_links(doc);
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn parameters(operation: &Operation) -> impl Iterator<Item = &Parameter> {
    operation.parameters.iter().flatten().filter_map(|p| match p {
        RefOr::T(p) => Some(p),
        RefOr::Ref(_) => None,
    })
}

/// The answers that come with the extractors a handler uses (see `crate::extract`).
fn add_extractor_problems(operation: &mut Operation) {
    let has = |place: ParameterIn| parameters(operation).any(|p| p.parameter_in == place);
    let (in_path, in_query) = (has(ParameterIn::Path), has(ParameterIn::Query));
    let idempotent = parameters(operation).any(|p| p.name == "Idempotency-Key");
    let body = operation.request_body.is_some();
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let mut add = |status: u16, description: &str| add_problem(operation, status, description);
    if body {
        add(400, "Malformed JSON (`invalid_request`)");
        add(413, "The body is larger than 1 MiB (`payload_too_large`)");
        add(415, "The body is not `application/json` (`unsupported_media_type`)");
        add(
            422,
            "The body does not fit: a missing, unknown or mistyped field (`validation_failed`)",
        );
    }
    if in_path {
        add(
            400,
            "A path parameter is malformed, e.g. not a whole number (`invalid_request`)",
        );
        add(404, "No such resource, or not the caller's (`not_found`)");
    }
    if in_query {
        add(
            400,
            "The query string cannot be read, e.g. a repeated parameter (`invalid_request`)",
        );
        add(422, "A query parameter is out of range (`validation_failed`)");
    }
    if idempotent {
        add(
            422,
            "`Idempotency-Key` is not 1–255 visible ASCII characters (`validation_failed`)",
        );
    }
    if secured {
        add(
            401,
            "No valid session: log in and send `Authorization: Bearer <token>` (`unauthenticated`)",
        );
    }
}

/// Adds a problem+json answer for `status` unless the handler already describes one.
fn add_problem(operation: &mut Operation, status: u16, description: &str) {
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        PROBLEM,
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build(),
            )
        });
}

/// One link: from the `status` answer of `method path`, to `operation_id`, with path
/// parameters and an optional body taken from that answer.
struct LinkSpec {
    path: &'static str,
    method: &'static str,
    status: &'static str,
    operation_id: &'static str,
    parameters: &'static [(&'static str, &'static str)],
    body: Option<fn() -> Value>,
}

const fn to(
    path: &'static str,
    method: &'static str,
    status: &'static str,
    operation_id: &'static str,
    parameters: &'static [(&'static str, &'static str)],
) -> LinkSpec {
    LinkSpec {
        path,
        method,
        status,
        operation_id,
        parameters,
        body: None,
    }
}

const PRODUCT: &str = "/api/v1/products";
/// The `id` of the answer itself.
const ID: &[(&str, &str)] = &[("id", "$response.body#/id")];
/// The `id` of the first item of a page.
const FIRST_ID: &[(&str, &str)] = &[("id", "$response.body#/data/0/id")];
/// The answer's `id`, as a cart line's `product_id`.
const CART_PRODUCT_ID: &[(&str, &str)] = &[("product_id", "$response.body#/id")];
/// The first item's `id`, as a cart line's `product_id`.
const FIRST_CART_PRODUCT_ID: &[(&str, &str)] = &[("product_id", "$response.body#/data/0/id")];
const ORDER: &str = "/api/v1/orders";

/// The chains a client follows: product → cart → order → payment → refund → review.
fn links() -> Vec<LinkSpec> {
    let mut links = Vec::new();
    // A product, created by staff or found in the listing, is read, edited, stocked,
    // put in a cart, reviewed and recommended by its id.
    for (status, method, path, id, cart_id) in [
        ("201", "post", PRODUCT, ID, CART_PRODUCT_ID),
        ("200", "get", PRODUCT, FIRST_ID, FIRST_CART_PRODUCT_ID),
    ] {
        for operation_id in [
            "get_product",
            "update_product",
            "archive_product",
            "receive_stock",
            "list_lots",
            "adjust_stock",
            "list_reviews",
            "also_bought",
        ] {
            links.push(to(path, method, status, operation_id, id));
        }
        links.push(to(path, method, status, "set_cart_item", cart_id));
        links.push(to(path, method, status, "remove_cart_item", cart_id));
    }
    // An address is deleted, or ordered to.
    links.push(to("/api/v1/me/addresses", "post", "201", "delete_address", ID));
    links.push(LinkSpec {
        body: Some(|| json!({ "address_id": "$response.body#/id" })),
        ..to("/api/v1/me/addresses", "post", "201", "place_order", &[])
    });
    // An order, placed or listed, moves through its life by its id.
    for (status, method, id) in [("201", "post", ID), ("200", "get", FIRST_ID)] {
        for operation_id in [
            "get_order",
            "cancel_order",
            "ship_order",
            "add_tracking_event",
            "confirm_receipt",
            "order_events",
            "pay_order",
            "request_refund",
        ] {
            links.push(to(ORDER, method, status, operation_id, id));
        }
    }
    // The payment opened for an order is read by its id.
    links.push(to(
        "/api/v1/orders/{id}/pay",
        "post",
        "201",
        "get_payment",
        &[("id", "$response.body#/payment_id")],
    ));
    // A refund, requested or listed, is decided by its id.
    for (path, method, status, id) in [
        ("/api/v1/orders/{id}/refunds", "post", "201", ID),
        ("/api/v1/refunds", "get", "200", FIRST_ID),
    ] {
        links.push(to(path, method, status, "approve_refund", id));
        links.push(to(path, method, status, "reject_refund", id));
    }
    // A review, written or listed, is moderated by its id.
    links.push(to(
        "/api/v1/products/{id}/reviews",
        "post",
        "201",
        "moderate_review",
        ID,
    ));
    links.push(to(
        "/api/v1/products/{id}/reviews",
        "get",
        "200",
        "moderate_review",
        FIRST_ID,
    ));
    links
}

fn add_links(doc: &mut OpenApi) {
    for spec in links() {
        let Some(item) = doc.paths.paths.get_mut(spec.path) else {
            continue;
        };
        let operation = match spec.method {
            "get" => item.get.as_mut(),
            "post" => item.post.as_mut(),
            _ => None,
        };
        let Some(RefOr::T(response)) = operation.and_then(|o| o.responses.responses.get_mut(spec.status)) else {
            continue;
        };
        let mut link = LinkBuilder::new().operation_id(spec.operation_id);
        for (name, expression) in spec.parameters {
            link = link.parameter(*name, *expression);
        }
        link = link.request_body(spec.body.map(|body| body()));
        response
            .links
            .insert(spec.operation_id.to_owned(), RefOr::T(link.build()));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    /// Every link names an operation that exists and a response that exists, so none is
    /// silently dropped when a route or an operation id changes.
    #[test]
    fn every_link_lands() {
        let (_, doc) = crate::routes().split_for_parts();
        let operation_ids: Vec<String> = doc
            .paths
            .paths
            .values()
            .flat_map(|item| {
                [&item.get, &item.put, &item.post, &item.delete, &item.patch]
                    .into_iter()
                    .flatten()
                    .filter_map(|o| o.operation_id.clone())
            })
            .collect();
        for spec in links() {
            assert!(
                operation_ids.iter().any(|id| id == spec.operation_id),
                "no operation {}",
                spec.operation_id
            );
            let item = doc.paths.paths.get(spec.path).unwrap();
            let operation = match spec.method {
                "get" => item.get.as_ref(),
                _ => item.post.as_ref(),
            }
            .unwrap();
            let Some(RefOr::T(response)) = operation.responses.responses.get(spec.status) else {
                panic!("{} {} has no {} answer", spec.method, spec.path, spec.status);
            };
            assert!(response.links.contains_key(spec.operation_id));
        }
    }
}
