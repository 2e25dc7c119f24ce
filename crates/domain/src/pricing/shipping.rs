//! Shipping: zones (a country, optionally some of its regions), the methods each zone
//! offers, and what a method charges for a parcel.
//!
//! A method's fee comes from its rule alone (flat, by weight tier, by item count), then
//! `free_above` waives it when the goods, after item discounts, reach that amount. A
//! free-shipping *promotion* is different: it is a discount on the fee, reported as
//! such (see [`PromotionKind::FreeShipping`](super::promotion::PromotionKind)).

use crate::FieldError;
use crate::address::{AddressSnapshot, ISO_3166_ALPHA2};
use crate::money::Amount;
use crate::text::{optional_line, single_line};
use crate::validation::Invalid;

/// An assigned ISO 3166-1 alpha-2 country code, upper case (`CN`, `US`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// China.
    pub const CN: CountryCode = CountryCode(*b"CN");

    /// Parses a country code for `field`: two letters (any case) naming an assigned
    /// ISO 3166-1 country.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let upper = raw.trim().to_ascii_uppercase();
        match upper.as_bytes() {
            &[a, b] if ISO_3166_ALPHA2.contains(&upper.as_str()) => Ok(Self([a, b])),
            _ => Err(FieldError::new(
                field,
                "must be a two-letter ISO 3166-1 country code such as CN or US",
            )),
        }
    }

    /// The code, e.g. `CN`.
    pub fn as_str(&self) -> &str {
        // Built only from two ASCII letters, so always valid UTF-8.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

/// Where a parcel goes, as far as pricing cares: the country and the region (province,
/// state) as the address book holds them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Destination {
    /// ISO 3166-1 alpha-2 code (any case).
    pub country: String,
    /// Province, state or region, if the address has one.
    pub region: Option<String>,
}

impl From<&AddressSnapshot> for Destination {
    fn from(a: &AddressSnapshot) -> Self {
        Self {
            country: a.country.clone(),
            region: a.region.clone(),
        }
    }
}

/// An area the shop ships to: one country, some of its regions, or (with no country)
/// the rest of the world: everywhere no zone naming the country covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingZone {
    /// Its id.
    pub id: i64,
    /// Its name, for staff.
    pub name: String,
    /// The country; `None` for the rest of the world.
    pub country: Option<CountryCode>,
    /// The regions (provinces, states) covered, spelled as in addresses; empty means
    /// the whole country.
    pub regions: Vec<String>,
    /// The methods offered in it, the default first.
    pub methods: Vec<ShippingMethod>,
}

impl ShippingZone {
    /// Checks a zone's fields (`name`, `country`, `regions[i]`), reporting every bad one;
    /// it starts with no methods.
    ///
    /// A zone without a country (the rest of the world) cannot list regions.
    pub fn new(id: i64, name: &str, country: Option<&str>, regions: &[&str]) -> Result<Self, Invalid> {
        let name = single_line("name", name, 1, 100);
        let country = country.map(|c| CountryCode::parse("country", c)).transpose();
        let worldwide = country.as_ref().is_ok_and(Option::is_none);
        let regions: Vec<_> = regions
            .iter()
            .enumerate()
            .map(|(i, r)| single_line(&format!("regions[{i}]"), r, 1, 100))
            .collect();
        let mut errors: Vec<FieldError> = Vec::new();
        errors.extend(name.clone().err());
        errors.extend(country.clone().err());
        errors.extend(regions.iter().filter_map(|r| r.clone().err()));
        if worldwide && !regions.is_empty() {
            errors.push(FieldError::new(
                "regions",
                "needs a country: regions are of one country",
            ));
        }
        match (name, country) {
            (Ok(name), Ok(country)) if errors.is_empty() => Ok(Self {
                id,
                name,
                country,
                regions: regions.into_iter().flatten().collect(),
                methods: Vec::new(),
            }),
            _ => Err(Invalid(errors)),
        }
    }

    /// Whether the zone lists regions (it is then more specific than a whole country).
    pub fn is_regional(&self) -> bool {
        !self.regions.is_empty()
    }

    /// How specific the zone is: regions (2) before a whole country (1) before the rest
    /// of the world (0).
    fn specificity(&self) -> u8 {
        match (&self.country, self.is_regional()) {
            (None, _) => 0,
            (Some(_), false) => 1,
            (Some(_), true) => 2,
        }
    }

    /// Whether a parcel to `to` is inside this zone. Countries compare in any case,
    /// regions trimmed and in any ASCII case (Chinese names must be spelled alike).
    pub fn covers(&self, to: &Destination) -> bool {
        let Some(country) = &self.country else {
            return true;
        };
        if !to.country.trim().eq_ignore_ascii_case(country.as_str()) {
            return false;
        }
        if !self.is_regional() {
            return true;
        }
        let Some(region) = to.region.as_deref().map(str::trim) else {
            return false;
        };
        self.regions.iter().any(|r| r.trim().eq_ignore_ascii_case(region))
    }
}

/// The methods offered for `to`, in the order of the rules: those of the most specific
/// zones covering it (regional zones, else whole-country zones, else the rest of the
/// world), so a shop prices remote provinces apart and abroad apart.
pub fn offered_methods<'r>(zones: &'r [ShippingZone], to: &Destination) -> Vec<&'r ShippingMethod> {
    let covering: Vec<&ShippingZone> = zones.iter().filter(|z| z.covers(to)).collect();
    let Some(best) = covering.iter().map(|z| z.specificity()).max() else {
        return Vec::new();
    };
    covering
        .into_iter()
        .filter(|z| z.specificity() == best)
        .flat_map(|z| &z.methods)
        .collect()
}

/// A way to ship, with its price rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingMethod {
    /// Its id.
    pub id: i64,
    /// Its name in Chinese (zh-CN).
    pub name: String,
    /// Its name in English, if given.
    pub name_en: Option<String>,
    /// How the fee is computed.
    pub rule: ShippingRule,
    /// Goods worth at least this much, after item discounts, ship free.
    pub free_above: Option<Amount>,
    /// How long delivery takes, as shown to the shopper ("2–3 天").
    pub estimate: Option<String>,
}

impl ShippingMethod {
    /// Checks a method's texts (`name`, `name_en`, `estimate`), reporting every bad one.
    pub fn new(
        id: i64,
        name: &str,
        name_en: Option<&str>,
        rule: ShippingRule,
        free_above: Option<Amount>,
        estimate: Option<&str>,
    ) -> Result<Self, Invalid> {
        match (
            single_line("name", name, 1, 100),
            optional_line("name_en", name_en, 100),
            optional_line("estimate", estimate, 100),
        ) {
            (Ok(name), Ok(name_en), Ok(estimate)) => Ok(Self {
                id,
                name,
                name_en,
                rule,
                free_above,
                estimate,
            }),
            (a, b, c) => Err(Invalid::of([a.err(), b.err(), c.err()])),
        }
    }

    /// The fee for a parcel of `units` items weighing `grams`, with `goods` (minor units,
    /// after item discounts) inside; `None` when the method cannot carry it (heavier
    /// than its last weight tier).
    pub fn fee(&self, units: i64, grams: i64, goods: i64) -> Option<i64> {
        self.rule.fee(units, grams).map(|fee| self.waive(fee, goods))
    }

    /// `rule_fee`, or zero when `goods` (after item discounts) reach `free_above`.
    pub fn waive(&self, rule_fee: i64, goods: i64) -> i64 {
        match self.free_above {
            Some(limit) if goods >= limit.minor() => 0,
            _ => rule_fee,
        }
    }
}

/// How a method's fee is computed, before `free_above`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShippingRule {
    /// The same fee for any parcel.
    Flat {
        /// The fee.
        fee: Amount,
    },
    /// A fee by total weight.
    Weight(WeightTiers),
    /// A fee for the first item and a fee for each further one.
    Count {
        /// The fee for the first item.
        first: Amount,
        /// The fee for each item after the first.
        each_more: Amount,
    },
}

impl ShippingRule {
    /// The fee for `units` items weighing `grams` in all; `None` beyond the last weight
    /// tier.
    pub fn fee(&self, units: i64, grams: i64) -> Option<i64> {
        match self {
            Self::Flat { fee } => Some(fee.minor()),
            Self::Weight(tiers) => tiers.fee_for(grams).map(Amount::minor),
            Self::Count { first, each_more } => Some(
                first
                    .minor()
                    .saturating_add(each_more.minor().saturating_mul((units - 1).max(0))),
            ),
        }
    }
}

/// One weight tier: parcels up to this weight (inclusive) pay this fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeightTier {
    /// The heaviest parcel of the tier, in grams; `None` for an open-ended last tier.
    pub up_to_grams: Option<i64>,
    /// The fee.
    pub fee: Amount,
}

/// Weight tiers, checked: at least one, bounds positive and strictly ascending, and only
/// the last may be open-ended.
///
/// Each tier starts where the previous one ends, so the tiers cannot leave a gap or
/// overlap; a parcel heavier than a bounded last tier cannot go by this method (it is
/// not offered), since guessing a fee for it would undercharge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightTiers(Vec<WeightTier>);

impl WeightTiers {
    /// Checks tiers given in ascending order; errors name `rule.tiers` or
    /// `rule.tiers[i].up_to_grams`.
    pub fn new(tiers: Vec<WeightTier>) -> Result<Self, FieldError> {
        if tiers.is_empty() {
            return Err(FieldError::new("rule.tiers", "must have at least one tier"));
        }
        let last = tiers.len() - 1;
        let mut previous = 0;
        for (i, tier) in tiers.iter().enumerate() {
            let field = format!("rule.tiers[{i}].up_to_grams");
            match tier.up_to_grams {
                None if i != last => return Err(FieldError::new(field, "only the last tier may be open-ended")),
                None => {}
                Some(g) if g <= previous => {
                    return Err(FieldError::new(
                        field,
                        format!("must be greater than the previous tier's bound ({previous} g)"),
                    ));
                }
                Some(g) => previous = g,
            }
        }
        Ok(Self(tiers))
    }

    /// The tiers, ascending.
    pub fn tiers(&self) -> &[WeightTier] {
        &self.0
    }

    /// The fee of the first tier holding `grams`, if any does.
    pub fn fee_for(&self, grams: i64) -> Option<Amount> {
        self.0
            .iter()
            .find(|t| t.up_to_grams.is_none_or(|g| grams <= g))
            .map(|t| t.fee)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(up_to_grams: Option<i64>, fee: i64) -> WeightTier {
        WeightTier {
            up_to_grams,
            fee: Amount::of(fee),
        }
    }

    fn to(country: &str, region: Option<&str>) -> Destination {
        Destination {
            country: country.into(),
            region: region.map(Into::into),
        }
    }

    fn method(id: i64, fee: i64) -> ShippingMethod {
        ShippingMethod::new(
            id,
            "快递",
            None,
            ShippingRule::Flat { fee: Amount::of(fee) },
            None,
            None,
        )
        .unwrap()
    }

    #[test]
    fn weight_tiers_are_inclusive_and_bounded() {
        let tiers = WeightTiers::new(vec![tier(Some(1000), 800), tier(Some(5000), 1500)]).unwrap();
        assert_eq!(tiers.fee_for(0), Some(Amount::of(800)));
        assert_eq!(tiers.fee_for(1000), Some(Amount::of(800)));
        assert_eq!(tiers.fee_for(1001), Some(Amount::of(1500)));
        assert_eq!(tiers.fee_for(5000), Some(Amount::of(1500)));
        assert_eq!(tiers.fee_for(5001), None, "too heavy for this method");
        let open = WeightTiers::new(vec![tier(Some(1000), 800), tier(None, 2000)]).unwrap();
        assert_eq!(open.fee_for(1_000_000), Some(Amount::of(2000)));
    }

    #[test]
    fn bad_weight_tiers_name_the_tier() {
        let field = |tiers| WeightTiers::new(tiers).unwrap_err().field;
        assert_eq!(field(vec![]), "rule.tiers");
        assert_eq!(field(vec![tier(Some(0), 1)]), "rule.tiers[0].up_to_grams");
        assert_eq!(
            field(vec![tier(Some(500), 1), tier(Some(500), 2)]),
            "rule.tiers[1].up_to_grams"
        );
        assert_eq!(
            field(vec![tier(Some(500), 1), tier(Some(400), 2)]),
            "rule.tiers[1].up_to_grams"
        );
        assert_eq!(
            field(vec![tier(None, 1), tier(Some(400), 2)]),
            "rule.tiers[0].up_to_grams"
        );
    }

    #[test]
    fn count_and_flat_rules_and_free_above() {
        let count = ShippingRule::Count {
            first: Amount::of(600),
            each_more: Amount::of(200),
        };
        assert_eq!(count.fee(1, 0), Some(600));
        assert_eq!(count.fee(4, 0), Some(1200));
        let mut m = method(1, 1000);
        m.free_above = Some(Amount::of(9900));
        assert_eq!(m.fee(1, 0, 9899), Some(1000));
        assert_eq!(m.fee(1, 0, 9900), Some(0));
    }

    #[test]
    fn countries_are_assigned_iso_codes() {
        assert_eq!(
            CountryCode::parse("country", " cn ").map(|c| c.as_str().to_owned()),
            Ok("CN".into())
        );
        for bad in ["", "C", "CHN", "XX", "China", "中国"] {
            assert_eq!(
                CountryCode::parse("country", bad).unwrap_err().field,
                "country",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn zones_validate_every_field() {
        let Invalid(errors) = ShippingZone::new(1, "", Some("XX"), &["广东省", ""]).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "country", "regions[1]"]);
        let Invalid(errors) = ShippingMethod::new(
            1,
            "快递",
            Some("x\u{7}"),
            ShippingRule::Flat { fee: Amount::ZERO },
            None,
            None,
        )
        .unwrap_err();
        assert_eq!(errors[0].field, "name_en");
    }

    #[test]
    fn regional_zones_take_precedence_over_the_whole_country() {
        let mut china = ShippingZone::new(1, "中国", Some("CN"), &[]).unwrap();
        china.methods = vec![method(1, 1000), method(2, 2000)];
        let mut remote = ShippingZone::new(2, "偏远地区", Some("CN"), &["新疆", "西藏"]).unwrap();
        remote.methods = vec![method(3, 3000)];
        let zones = [china, remote];
        let ids = |to: Destination| offered_methods(&zones, &to).iter().map(|m| m.id).collect::<Vec<_>>();
        assert_eq!(ids(to("CN", Some("广东"))), [1, 2]);
        assert_eq!(ids(to("cn", None)), [1, 2]);
        assert_eq!(ids(to("CN", Some(" 新疆 "))), [3]);
        assert_eq!(ids(to("US", Some("CA"))), Vec::<i64>::new());
        let mut world = ShippingZone::new(3, "其他地区", None, &[]).unwrap();
        world.methods = vec![method(4, 9000)];
        let zones = [zones[0].clone(), zones[1].clone(), world];
        let ids = |to: Destination| offered_methods(&zones, &to).iter().map(|m| m.id).collect::<Vec<_>>();
        assert_eq!(ids(to("CN", Some("广东"))), [1, 2]);
        assert_eq!(ids(to("US", Some("CA"))), [4]);
        assert_eq!(
            ShippingZone::new(4, "x", None, &["CA"]).unwrap_err().0[0].field,
            "regions"
        );
    }
}
