//! Success messages after a save, without JavaScript or a session store: the handler
//! redirects to the page with `?done=<what>`, and the page shows the translated notice
//! for that `what`. Only the names below are recognised, so a link cannot make a page
//! say an arbitrary text.

use super::i18n::Texts;
use super::view::with_query;

/// What was just done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// A form was saved.
    Saved,
    /// A product was created.
    Created,
    /// A product was archived.
    Archived,
    /// An archived product is on sale again.
    Unarchived,
    /// A lot of stock was received.
    StockReceived,
    /// Units were written off.
    WrittenOff,
    /// An order was shipped.
    Shipped,
    /// A tracking event was added.
    TrackingAdded,
    /// A refund was approved.
    RefundApproved,
    /// A refund was rejected.
    RefundRejected,
    /// An order was cancelled by the shop.
    Cancelled,
    /// The shop refunded (part of) an order.
    Refunded,
    /// An address was saved.
    AddressSaved,
}

impl Done {
    const ALL: [Self; 13] = [
        Self::Saved,
        Self::Created,
        Self::Archived,
        Self::Unarchived,
        Self::StockReceived,
        Self::WrittenOff,
        Self::Shipped,
        Self::TrackingAdded,
        Self::RefundApproved,
        Self::RefundRejected,
        Self::Cancelled,
        Self::Refunded,
        Self::AddressSaved,
    ];

    /// The name in the query string.
    fn key(self) -> &'static str {
        match self {
            Self::Saved => "saved",
            Self::Created => "created",
            Self::Archived => "archived",
            Self::Unarchived => "unarchived",
            Self::StockReceived => "stock_received",
            Self::WrittenOff => "written_off",
            Self::Shipped => "shipped",
            Self::TrackingAdded => "tracking_added",
            Self::RefundApproved => "refund_approved",
            Self::RefundRejected => "refund_rejected",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
            Self::AddressSaved => "address_saved",
        }
    }

    /// The notice, in the page's language.
    fn text(self, t: &'static Texts) -> &'static str {
        match self {
            Self::Saved => t.done_saved,
            Self::Created => t.done_created,
            Self::Archived => t.done_archived,
            Self::Unarchived => t.done_unarchived,
            Self::StockReceived => t.done_stock_received,
            Self::WrittenOff => t.done_written_off,
            Self::Shipped => t.done_shipped,
            Self::TrackingAdded => t.done_tracking_added,
            Self::RefundApproved => t.done_refund_approved,
            Self::RefundRejected => t.done_refund_rejected,
            Self::Cancelled => t.done_cancelled,
            Self::Refunded => t.done_refunded,
            Self::AddressSaved => t.done_address_saved,
        }
    }
}

/// `path` with the notice for `done` asked for.
pub fn after(path: &str, done: Done) -> String {
    with_query(path, "done", done.key())
}

/// The notice a page at `path` (with its query) shows: the `done` it names, if it is one
/// of ours.
pub fn notice(path: &str, t: &'static Texts) -> Option<&'static str> {
    let query = path.split_once('?')?.1;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    let key = pairs.iter().rev().find(|(k, _)| k == "done")?.1.as_str();
    Done::ALL.into_iter().find(|d| d.key() == key).map(|d| d.text(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, ZH};

    #[test]
    fn a_known_done_becomes_its_notice_and_anything_else_nothing() {
        let url = after("/admin/products/7?lang=zh", Done::Archived);
        assert_eq!(notice(&url, &ZH), Some(ZH.done_archived));
        assert_eq!(notice(&url, &EN), Some(EN.done_archived));
        assert_eq!(notice("/admin?done=%3Cb%3Ehacked", &EN), None);
        assert_eq!(notice("/admin", &EN), None);
        for d in Done::ALL {
            assert_eq!(notice(&after("/x", d), &EN), Some(d.text(&EN)));
        }
    }
}
