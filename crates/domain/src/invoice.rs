//! 发票: the invoice a shopper may ask for at checkout, for themselves (个人) or a company
//! (单位), which staff issue from the order.
//!
//! A company's invoice carries its taxpayer identification number (纳税人识别号). Since
//! 2015 that is the company's unified social credit code (统一社会信用代码, GB
//! 32100-2015): 18 characters of digits and capital letters other than I, O, Z, S and V,
//! the last a check character. Older numbers (15, 17 or 20 characters) are still printed
//! on some companies' papers, so those lengths are accepted by form alone. The tax
//! bureau, not the shop, decides whether a number exists; this only catches typing
//! mistakes.

use std::fmt;

use crate::FieldError;
use crate::text::single_line;

/// Who the invoice is made out to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceKind {
    /// A person (个人): the title is their name; no taxpayer number.
    Personal,
    /// A company or organisation (单位): the title is its registered name, with its
    /// taxpayer number.
    Company,
}

impl InvoiceKind {
    /// `personal` or `company`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::Company => "company",
        }
    }
}

/// An invoice as asked for, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRequest {
    /// Personal or company.
    pub kind: InvoiceKind,
    /// 抬头: the person's or company's name, 1–100 characters.
    pub title: String,
    /// The company's taxpayer number, upper case (companies only).
    pub taxpayer_id: Option<String>,
}

/// The characters of a unified social credit code, in the order that gives each its
/// value (0–30).
const CODE_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// The weights of the first 17 characters (GB 32100-2015).
const CODE_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

impl InvoiceRequest {
    /// Checks `kind` (`personal` or `company`), `title` and, for a company,
    /// `taxpayer_id`; errors name the field.
    pub fn parse(kind: &str, title: &str, taxpayer_id: Option<&str>) -> Result<Self, FieldError> {
        let kind = match kind.trim() {
            "personal" => InvoiceKind::Personal,
            "company" => InvoiceKind::Company,
            _ => return Err(FieldError::new("invoice.kind", "must be personal or company")),
        };
        let title = single_line("invoice.title", title, 1, 100)?;
        let taxpayer_id = match (kind, taxpayer_id.map(str::trim).filter(|t| !t.is_empty())) {
            (InvoiceKind::Personal, None) => None,
            (InvoiceKind::Personal, Some(_)) => {
                return Err(FieldError::new("invoice.taxpayer_id", "is for company invoices only"));
            }
            (InvoiceKind::Company, None) => {
                return Err(FieldError::new(
                    "invoice.taxpayer_id",
                    "is required for a company invoice",
                ));
            }
            (InvoiceKind::Company, Some(id)) => Some(taxpayer_id_of(id)?),
        };
        Ok(Self {
            kind,
            title,
            taxpayer_id,
        })
    }
}

impl fmt::Display for InvoiceRequest {
    /// `单位 · 某某科技有限公司 · 91350100M000100Y43` (the stored and shown form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            InvoiceKind::Personal => "个人",
            InvoiceKind::Company => "单位",
        };
        write!(f, "{kind} · {}", self.title)?;
        if let Some(id) = &self.taxpayer_id {
            write!(f, " · {id}")?;
        }
        Ok(())
    }
}

/// A taxpayer number checked for form: an 18-character unified social credit code with
/// a correct check character, or a legacy number of 15, 17 or 20 digits and capitals.
fn taxpayer_id_of(raw: &str) -> Result<String, FieldError> {
    let id = raw.to_ascii_uppercase();
    let bad = |why: &str| FieldError::new("invoice.taxpayer_id", why);
    if !id.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()) {
        return Err(bad("must be digits and capital letters"));
    }
    match id.len() {
        18 => {
            let values: Option<Vec<u32>> = id
                .chars()
                .map(|c| CODE_ALPHABET.find(c).and_then(|i| u32::try_from(i).ok()))
                .collect();
            let values = values.ok_or_else(|| bad("is not a unified social credit code (no I, O, Z, S or V)"))?;
            let sum: u32 = values.iter().zip(CODE_WEIGHTS).map(|(v, w)| v * w).sum();
            let check = (31 - sum % 31) % 31;
            if values[17] != check {
                return Err(bad("has a wrong check character: please check the number"));
            }
            Ok(id)
        }
        15 | 17 | 20 => Ok(id),
        _ => Err(bad("must be 18 characters (统一社会信用代码), or 15, 17 or 20")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_company_needs_a_valid_unified_code() {
        // A published example code (GB 32100-2015 check character).
        let ok = InvoiceRequest::parse("company", " 某某科技有限公司 ", Some("91350100m000100y43")).unwrap();
        assert_eq!(ok.taxpayer_id.as_deref(), Some("91350100M000100Y43"));
        assert_eq!(ok.to_string(), "单位 · 某某科技有限公司 · 91350100M000100Y43");
        let field = |r: Result<InvoiceRequest, FieldError>| r.unwrap_err().field;
        assert_eq!(
            field(InvoiceRequest::parse("company", "某公司", Some("91350100M000100Y44"))),
            "invoice.taxpayer_id"
        );
        assert_eq!(
            field(InvoiceRequest::parse("company", "某公司", None)),
            "invoice.taxpayer_id"
        );
        assert_eq!(
            field(InvoiceRequest::parse("company", "某公司", Some("12345"))),
            "invoice.taxpayer_id"
        );
        assert_eq!(
            field(InvoiceRequest::parse("company", "某公司", Some("9135010OM000100Y43"))),
            "invoice.taxpayer_id"
        );
        assert!(InvoiceRequest::parse("company", "老公司", Some("110108123456789")).is_ok());
    }

    #[test]
    fn a_person_gives_a_name_only() {
        let ok = InvoiceRequest::parse("personal", "张三", None).unwrap();
        assert_eq!((ok.kind, ok.taxpayer_id), (InvoiceKind::Personal, None));
        assert_eq!(
            InvoiceRequest::parse("personal", "张三", Some("91350100M000100Y43"))
                .unwrap_err()
                .field,
            "invoice.taxpayer_id"
        );
        assert_eq!(
            InvoiceRequest::parse("personal", "", None).unwrap_err().field,
            "invoice.title"
        );
        assert_eq!(
            InvoiceRequest::parse("vat", "x", None).unwrap_err().field,
            "invoice.kind"
        );
    }
}
