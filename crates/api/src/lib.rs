//! The JSON API under `/api/v1`, one module per resource. Each handler is a short recipe:
//! extract → build the use case's input → one call into the application layer
//! (`emporium-app`) → render the answer; reads may go to the store directly. Errors of
//! every layer become [`ApiError`], rendered as problem+json in one place ([`error`]). The OpenAPI document is
//! collected from the handlers' `#[utoipa::path]` attributes as the routes are added, so
//! the served description cannot drift from the router.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod cart;
pub mod catalog;
pub mod categories;
pub mod customers;
pub mod inventory;
pub mod me;
pub mod messages;
mod openapi;
pub mod ops;
pub mod orders;
mod params;
pub mod payments;
pub mod pricing;
pub mod privacy;
pub mod recommendations;
pub mod returns;
pub mod reviews;
pub mod sandbox;
pub mod staff;
pub mod variants;

pub mod error;
pub mod extract;
pub mod images;
pub mod pricing_rules;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use emporium_app::AppState;

pub use error::{ApiError, ApiResult, Problem};

/// The document's fixed parts; paths and schemas are added by [`routes`].
#[derive(OpenApi)]
#[openapi(
    info(title = "Emporium API", description = "The e-commerce transaction API: accounts, catalogue, orders, payments, reviews, recommendations. Errors are RFC 9457 problem+json documents with a stable `code`."),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Registration, login and sessions"),
        (name = "me", description = "The logged-in user's profile and address book"),
        (name = "catalogue", description = "Products, categories and search"),
        (name = "inventory", description = "FIFO stock lots, adjustments and valuation (staff)"),
        (name = "cart", description = "The caller's cart"),
        (name = "orders", description = "Orders through their whole life"),
        (name = "payments", description = "Payments, provider notifications and refunds"),
        (name = "returns", description = "Returns after the sale: asked by the buyer, decided and received by staff"),
        (name = "reviews", description = "Reviews by verified buyers, and their moderation"),
        (name = "recommendations", description = "Collaborative filtering: also bought, and for you"),
        (name = "operations", description = "Health, readiness, metrics and staff reports"),
        (name = "staff", description = "Staff accounts and their roles (permission `staff`)"),
        (name = "customers", description = "Customer accounts for staff: search, profile, blocking (permission `customers`)"),
        (name = "pricing", description = "Pricing rules (staff): shipping zones and methods, promotions, coupons, tax"),
    )
)]
struct ApiDoc;

/// Declares the security schemes the handlers refer to: `bearer` (a login), and for the
/// cart and checkout `cart_token` (a guest cart) and for a guest's order
/// `order_access_token` (its link's token).
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from POST /api/v1/auth/login"))
                    .build(),
            ),
        );
        for (name, header, about) in [
            (
                "cart_token",
                "Cart-Token",
                "A guest cart's token from POST /api/v1/carts",
            ),
            (
                "order_access_token",
                "Order-Access-Token",
                "A guest order's link token (the order's answer, or POST /api/v1/orders/lookup)",
            ),
        ] {
            components.add_security_scheme(
                name,
                SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Header(
                    utoipa::openapi::security::ApiKeyValue::with_description(header, about),
                )),
            );
        }
    }
}

/// Every API route, with its OpenAPI description (completed by `openapi::complete`
/// with the answers every handler's extractors can give, and the links between calls).
pub fn routes() -> OpenApiRouter<AppState> {
    let mut router = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(accounts::register_user))
        .routes(routes!(accounts::log_in))
        .routes(routes!(accounts::log_out))
        .routes(routes!(accounts::request_password_reset))
        .routes(routes!(accounts::confirm_password_reset))
        .routes(routes!(accounts::verify_email))
        .routes(routes!(me::resend_verification))
        .routes(routes!(me::get_profile, me::update_profile, privacy::delete_my_account))
        .routes(routes!(privacy::export_my_data))
        .routes(routes!(audit::list_audit_log))
        .routes(routes!(me::change_password))
        .routes(routes!(me::list_addresses, me::add_address))
        .routes(routes!(me::update_address, me::delete_address))
        .routes(routes!(catalog::list_products, catalog::create_product))
        .routes(routes!(
            catalog::get_product,
            catalog::update_product,
            catalog::archive_product
        ))
        .routes(routes!(categories::list_categories, categories::create_category))
        .routes(routes!(categories::update_category, categories::delete_category))
        // An upload is bounded by the shop's image limit as it is read (`images`), not by
        // the 1 MiB every other body gets.
        .routes(routes!(images::upload_image).layer(axum::extract::DefaultBodyLimit::disable()))
        .routes(routes!(variants::add_variant))
        .routes(routes!(variants::update_variant, variants::archive_variant))
        .routes(routes!(inventory::receive_stock, inventory::list_lots))
        .routes(routes!(inventory::adjust_stock))
        .routes(routes!(inventory::valuation))
        .routes(routes!(cart::open_guest_cart))
        .routes(routes!(cart::get_cart, cart::clear_cart))
        .routes(routes!(cart::set_cart_item, cart::remove_cart_item))
        .routes(routes!(cart::set_cart_line, cart::remove_cart_line))
        .routes(routes!(pricing::price_cart))
        .routes(routes!(pricing::shipping_methods))
        .routes(routes!(orders::place_order, orders::list_orders))
        .routes(routes!(orders::look_up_order))
        .routes(routes!(orders::get_order))
        .routes(routes!(orders::cancel_order))
        .routes(routes!(orders::ship_order))
        .routes(routes!(orders::add_tracking_event))
        .routes(routes!(orders::confirm_receipt))
        .routes(routes!(orders::order_events))
        .routes(routes!(payments::pay_order))
        .routes(routes!(payments::notify))
        .routes(routes!(payments::list_providers))
        .routes(routes!(payments::get_payment))
        .routes(routes!(payments::request_refund))
        .routes(routes!(payments::approve_refund))
        .routes(routes!(payments::reject_refund))
        .routes(routes!(payments::list_refunds))
        .routes(routes!(returns::request_return, returns::order_returns))
        .routes(routes!(returns::list_returns))
        .routes(routes!(returns::get_return))
        .routes(routes!(returns::approve_return))
        .routes(routes!(returns::reject_return))
        .routes(routes!(returns::receive_return))
        .routes(routes!(reviews::add_review, reviews::list_reviews))
        .routes(routes!(reviews::moderate_review))
        .routes(routes!(recommendations::also_bought))
        .routes(routes!(recommendations::for_you))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics))
        .routes(routes!(admin::get_stats))
        .routes(routes!(messages::list_messages))
        .routes(routes!(messages::resend_message))
        .routes(routes!(staff::list_roles))
        .routes(routes!(staff::list_staff, staff::create_staff))
        .routes(routes!(staff::update_staff))
        .routes(routes!(customers::list_customers))
        .routes(routes!(customers::get_customer))
        .routes(routes!(customers::block_customer))
        .routes(routes!(customers::unblock_customer))
        .merge(pricing_rules_routes());
    openapi::complete(router.get_openapi_mut());
    router
}

/// The staff's pricing-rule routes (`pricing_rules`).
fn pricing_rules_routes() -> OpenApiRouter<AppState> {
    use pricing_rules::{coupons, promotions, tax};
    OpenApiRouter::new()
        .routes(routes!(
            pricing_rules::list_shipping_zones,
            pricing_rules::create_shipping_zone
        ))
        .routes(routes!(
            pricing_rules::get_shipping_zone,
            pricing_rules::update_shipping_zone,
            pricing_rules::delete_shipping_zone
        ))
        .routes(routes!(pricing_rules::create_shipping_method))
        .routes(routes!(
            pricing_rules::update_shipping_method,
            pricing_rules::delete_shipping_method
        ))
        .routes(routes!(promotions::list_promotions, promotions::create_promotion))
        .routes(routes!(
            promotions::get_promotion,
            promotions::update_promotion,
            promotions::delete_promotion
        ))
        .routes(routes!(coupons::list_coupons, coupons::create_coupon))
        .routes(routes!(coupons::create_coupon_batch))
        .routes(routes!(
            coupons::get_coupon,
            coupons::update_coupon,
            coupons::delete_coupon
        ))
        .routes(routes!(tax::list_tax_rates, tax::create_tax_rate))
        .routes(routes!(tax::delete_tax_rate))
        .routes(routes!(tax::get_tax_settings, tax::set_tax_settings))
}

/// The `{data, next_cursor}` envelope every list answers with (API.md §2).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items on this page.
    pub data: Vec<T>,
    /// Pass as `?cursor=` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// For PATCH bodies: marks a field that was present (`Some(None)` for an explicit `null`);
/// with `#[serde(default)]` an absent field stays `None`.
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}
