//! Shipping zones and their methods.

use emporium_domain::FieldError;
use emporium_domain::money::Amount;
use emporium_domain::pricing::shipping::{ShippingMethod, ShippingRule, ShippingZone, WeightTier, WeightTiers};
use emporium_store::pricing_admin::{MethodRecord, ZoneRecord};

use super::{Errors, amount, parsed, position};
use crate::error::AppResult;
use crate::state::AppState;

/// A shipping zone as typed by staff.
#[derive(Debug, Clone, Default)]
pub struct ZoneDraft {
    /// 1–100 characters.
    pub name: String,
    /// ISO 3166-1 alpha-2 country; `None` for the rest of the world.
    pub country: Option<String>,
    /// Regions of the country covered; empty for all of it.
    pub regions: Vec<String>,
    /// Order among zones, 0–1,000,000 (default 0).
    pub position: Option<i64>,
}

/// Changes to a zone; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ZoneEdit {
    /// New name.
    pub name: Option<String>,
    /// New country; `Some(None)` makes it the rest of the world.
    pub country: Option<Option<String>>,
    /// New regions (replacing the old).
    pub regions: Option<Vec<String>>,
    /// New position.
    pub position: Option<i64>,
}

fn parse_zone(d: &ZoneDraft) -> AppResult<(ShippingZone, i64)> {
    let mut errors = Errors::default();
    let regions: Vec<&str> = d.regions.iter().map(String::as_str).collect();
    let zone = errors.take_all(ShippingZone::new(0, &d.name, d.country.as_deref(), &regions));
    let position = errors.take(position(d.position));
    errors.finish()?;
    Ok((parsed(zone)?, parsed(position)?))
}

/// Every zone with its methods (inactive ones too).
pub async fn zones(state: &AppState) -> AppResult<Vec<ZoneRecord>> {
    Ok(state.store().shipping_zones().await?)
}

/// One zone with its methods.
pub async fn zone(state: &AppState, id: i64) -> AppResult<ZoneRecord> {
    Ok(state.store().shipping_zone(id).await?)
}

/// Validates and creates a zone; answers it.
pub async fn create_zone(state: &AppState, d: ZoneDraft) -> AppResult<ZoneRecord> {
    let result: AppResult<ZoneRecord> = async {
        let (zone, position) = parse_zone(&d)?;
        let id = state.store().create_shipping_zone(zone, position, state.now()).await?;
        zone_after_write(state, id).await
    }
    .await;
    crate::audit::recorded(state, "shipping_zone.create", "shipping_zone", result, |v| {
        (v.zone.id.to_string(), String::new())
    })
    .await
}

/// Applies changes to a zone (validated with the fields it keeps); answers it.
pub async fn update_zone(state: &AppState, id: i64, e: ZoneEdit) -> AppResult<ZoneRecord> {
    let result: AppResult<ZoneRecord> = async {
        let current = state.store().shipping_zone(id).await?;
        let z = &current.zone;
        let d = ZoneDraft {
            name: e.name.unwrap_or_else(|| z.name.clone()),
            country: e.country.unwrap_or_else(|| z.country.map(|c| c.as_str().to_owned())),
            regions: e.regions.unwrap_or_else(|| z.regions.clone()),
            position: Some(e.position.unwrap_or(current.position)),
        };
        let (zone, position) = parse_zone(&d)?;
        state
            .store()
            .update_shipping_zone(id, zone, position, state.now())
            .await?;
        zone_after_write(state, id).await
    }
    .await;
    crate::audit::recorded(state, "shipping_zone.update", "shipping_zone", result, |_v| {
        (id.to_string(), String::new())
    })
    .await
}

/// The zone as written (gone again already only if removed meanwhile).
async fn zone_after_write(state: &AppState, id: i64) -> AppResult<ZoneRecord> {
    Ok(state.store().shipping_zone(id).await?)
}

/// Removes a zone and its methods.
pub async fn delete_zone(state: &AppState, id: i64) -> AppResult<()> {
    let result: AppResult<()> = async { Ok(state.store().delete_shipping_zone(id).await?) }.await;
    crate::audit::recorded(state, "shipping_zone.delete", "shipping_zone", result, |_v| {
        (id.to_string(), String::new())
    })
    .await
}

// ---------------------------------------------------------------- shipping methods

/// How a method's fee is computed, as typed.
#[derive(Debug, Clone)]
pub enum RuleDraft {
    /// The same fee for any parcel.
    Flat {
        /// The fee.
        fee: i64,
    },
    /// By total weight: `(up_to_grams, fee)` ascending, the last bound may be `None`.
    Weight {
        /// The tiers.
        tiers: Vec<(Option<i64>, i64)>,
    },
    /// A fee for the first item, another for each further one.
    Count {
        /// The first item's fee.
        first: i64,
        /// Each further item's fee.
        each_more: i64,
    },
}

impl RuleDraft {
    fn parse(&self) -> Result<ShippingRule, FieldError> {
        Ok(match self {
            Self::Flat { fee } => ShippingRule::Flat {
                fee: amount("rule.fee", *fee)?,
            },
            Self::Count { first, each_more } => ShippingRule::Count {
                first: amount("rule.first", *first)?,
                each_more: amount("rule.each_more", *each_more)?,
            },
            Self::Weight { tiers } => {
                let tiers = tiers
                    .iter()
                    .enumerate()
                    .map(|(i, &(up_to_grams, fee))| {
                        Ok(WeightTier {
                            up_to_grams,
                            fee: amount(&format!("rule.tiers[{i}].fee"), fee)?,
                        })
                    })
                    .collect::<Result<Vec<_>, FieldError>>()?;
                ShippingRule::Weight(WeightTiers::new(tiers)?)
            }
        })
    }

    fn of(rule: &ShippingRule) -> Self {
        match rule {
            ShippingRule::Flat { fee } => Self::Flat { fee: fee.minor() },
            ShippingRule::Count { first, each_more } => Self::Count {
                first: first.minor(),
                each_more: each_more.minor(),
            },
            ShippingRule::Weight(tiers) => Self::Weight {
                tiers: tiers.tiers().iter().map(|t| (t.up_to_grams, t.fee.minor())).collect(),
            },
        }
    }
}

/// A shipping method as typed by staff.
#[derive(Debug, Clone)]
pub struct MethodDraft {
    /// Its name in Chinese, 1–100 characters.
    pub name: String,
    /// Its name in English.
    pub name_en: Option<String>,
    /// How the fee is computed.
    pub rule: RuleDraft,
    /// Goods worth at least this much ship free.
    pub free_above: Option<i64>,
    /// The delivery estimate shown ("2–3 天").
    pub estimate: Option<String>,
    /// Order within the zone, 0–1,000,000 (default 0; the first is the default method).
    pub position: Option<i64>,
    /// Whether checkout offers it (default true).
    pub active: Option<bool>,
}

/// Changes to a method; `None` leaves a field alone (`Some(None)` clears it).
#[derive(Debug, Clone, Default)]
pub struct MethodEdit {
    /// New name.
    pub name: Option<String>,
    /// New English name.
    pub name_en: Option<Option<String>>,
    /// New rule.
    pub rule: Option<RuleDraft>,
    /// New free-shipping amount.
    pub free_above: Option<Option<i64>>,
    /// New estimate.
    pub estimate: Option<Option<String>>,
    /// New position.
    pub position: Option<i64>,
    /// Offered or not.
    pub active: Option<bool>,
}

fn parse_method(id: i64, d: &MethodDraft) -> AppResult<(ShippingMethod, i64)> {
    let mut errors = Errors::default();
    let rule = errors.take(d.rule.parse());
    let free_above = errors.take(d.free_above.map(|a| amount("free_above", a)).transpose());
    let position = errors.take(position(d.position));
    // The texts are checked even when the rule is bad, so every field is named at once.
    let placeholder = ShippingRule::Flat { fee: Amount::ZERO };
    let method = errors.take_all(ShippingMethod::new(
        id,
        &d.name,
        d.name_en.as_deref(),
        rule.clone().unwrap_or(placeholder),
        free_above.flatten(),
        d.estimate.as_deref(),
    ));
    errors.finish()?;
    Ok((parsed(method)?, parsed(position)?))
}

/// One method, active or not.
pub async fn method(state: &AppState, id: i64) -> AppResult<MethodRecord> {
    Ok(state.store().shipping_method(id).await?)
}

/// Validates and adds a method to a zone; answers it.
pub async fn create_method(state: &AppState, zone_id: i64, d: MethodDraft) -> AppResult<MethodRecord> {
    let result: AppResult<MethodRecord> = async {
        let (method, position) = parse_method(0, &d)?;
        let id = state
            .store()
            .create_shipping_method(zone_id, method, position, d.active.unwrap_or(true), state.now())
            .await?;
        Ok(state.store().shipping_method(id).await?)
    }
    .await;
    crate::audit::recorded(state, "shipping_method.create", "shipping_method", result, |v| {
        (
            v.method.id.to_string(),
            serde_json::json!({"zone_id": zone_id, "active": v.active}).to_string(),
        )
    })
    .await
}

/// Applies changes to a method (validated whole); answers it.
pub async fn update_method(state: &AppState, id: i64, e: MethodEdit) -> AppResult<MethodRecord> {
    let result: AppResult<MethodRecord> = async {
        let current = state.store().shipping_method(id).await?;
        let m = &current.method;
        let d = MethodDraft {
            name: e.name.unwrap_or_else(|| m.name.clone()),
            name_en: e.name_en.unwrap_or_else(|| m.name_en.clone()),
            rule: e.rule.unwrap_or_else(|| RuleDraft::of(&m.rule)),
            free_above: e.free_above.unwrap_or(m.free_above.map(Amount::minor)),
            estimate: e.estimate.unwrap_or_else(|| m.estimate.clone()),
            position: Some(e.position.unwrap_or(current.position)),
            active: Some(e.active.unwrap_or(current.active)),
        };
        let (method, position) = parse_method(id, &d)?;
        let record = MethodRecord {
            zone_id: current.zone_id,
            method,
            position,
            active: d.active.unwrap_or(true),
        };
        state.store().update_shipping_method(record, state.now()).await?;
        Ok(state.store().shipping_method(id).await?)
    }
    .await;
    crate::audit::recorded(state, "shipping_method.update", "shipping_method", result, |v| {
        (
            id.to_string(),
            serde_json::json!({"after": {"active": v.active}}).to_string(),
        )
    })
    .await
}

/// Removes a method.
pub async fn delete_method(state: &AppState, id: i64) -> AppResult<()> {
    let result: AppResult<()> = async { Ok(state.store().delete_shipping_method(id).await?) }.await;
    crate::audit::recorded(state, "shipping_method.delete", "shipping_method", result, |_v| {
        (id.to_string(), String::new())
    })
    .await
}
