//! Tax rates by category and the tax settings.

use emporium_domain::pricing::tax::{TaxMode, TaxRate, TaxRules};
use emporium_domain::text::optional_line;
use emporium_domain::{FieldError, Invalid};
use emporium_store::StoreError;
use emporium_store::pricing_admin::TaxRateRecord;

use super::{Errors, parsed};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A tax rate for a category as typed by staff.
#[derive(Debug, Clone, Default)]
pub struct TaxRateDraft {
    /// The category (and everything below it).
    pub category_id: i64,
    /// The region (spelled as in addresses), if only there.
    pub region: Option<String>,
    /// Basis points, 0–10000 (1300 is 13 %).
    pub rate: i64,
}

/// The tax settings as typed by staff.
#[derive(Debug, Clone, Default)]
pub struct TaxSettingsDraft {
    /// `inclusive` or `exclusive`.
    pub mode: String,
    /// The rate of goods no category rate covers, basis points.
    pub default_rate: i64,
    /// The rate of shipping fees, basis points.
    pub shipping_rate: i64,
}

/// Every category tax rate.
pub async fn tax_rates(state: &AppState) -> AppResult<Vec<TaxRateRecord>> {
    Ok(state.store().tax_rates().await?)
}

/// Validates and adds a category tax rate: an unknown category is a bad `category_id`,
/// a second rate for one category and region is `tax_rate_taken`.
pub async fn create_tax_rate(state: &AppState, d: TaxRateDraft) -> AppResult<TaxRateRecord> {
    let result: AppResult<TaxRateRecord> = async {
        let mut errors = Errors::default();
        if d.category_id <= 0 {
            errors.0.push(FieldError::new("category_id", "names no category"));
        }
        let region = errors.take(optional_line("region", d.region.as_deref(), 100));
        let rate = errors.take(TaxRate::parse("rate", d.rate));
        errors.finish()?;
        state
            .store()
            .create_tax_rate(d.category_id, parsed(region)?, parsed(rate)?, state.now())
            .await
            .map_err(|e| match e {
                StoreError::NotFound("category") => FieldError::new("category_id", "names no category").into(),
                e if e.is_unique_violation() => AppError::Conflict {
                    code: "tax_rate_taken",
                    detail: "this category already has a rate for this region".into(),
                },
                e => e.into(),
            })
    }
    .await;
    crate::audit::recorded(state, "tax_rate.create", "tax_rate", result, |v| {
        (
            v.id.to_string(),
            serde_json::json!({"category_id": v.category_id}).to_string(),
        )
    })
    .await
}

/// Removes a category tax rate.
pub async fn delete_tax_rate(state: &AppState, id: i64) -> AppResult<()> {
    let result: AppResult<()> = async { Ok(state.store().delete_tax_rate(id).await?) }.await;
    crate::audit::recorded(state, "tax_rate.delete", "tax_rate", result, |_v| {
        (id.to_string(), String::new())
    })
    .await
}

/// The tax mode, default rate and shipping rate now.
pub async fn tax_settings(state: &AppState) -> AppResult<TaxRules> {
    Ok(state.store().tax_settings().await?)
}

/// Validates and sets the tax mode and rates; answers them.
pub async fn set_tax_settings(state: &AppState, d: TaxSettingsDraft) -> AppResult<TaxRules> {
    let result: AppResult<TaxRules> = async {
        let parsed_all = (
            TaxMode::parse("mode", &d.mode),
            TaxRate::parse("default_rate", d.default_rate),
            TaxRate::parse("shipping_rate", d.shipping_rate),
        );
        let (mode, default_rate, shipping_rate) = match parsed_all {
            (Ok(m), Ok(d), Ok(s)) => (m, d, s),
            (a, b, c) => return Err(Invalid::of([a.err(), b.err(), c.err()]).into()),
        };
        state
            .store()
            .set_tax_settings(mode, default_rate, shipping_rate)
            .await?;
        tax_settings(state).await
    }
    .await;
    crate::audit::recorded(state, "tax.settings", "tax_settings", result, |_v| {
        (String::new(), String::new())
    })
    .await
}
