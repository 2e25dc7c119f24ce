//! The confirmation step of an admin action that works without JavaScript: the action's
//! form posts without `confirmed`, gets this page with the same fields hidden and a
//! confirm button, and posts again with `confirmed=1`.

use askama::Template;
use serde::Deserialize;

use crate::session::Visitor;
use crate::view::{Ctx, WebResult, page};

#[derive(Template)]
#[template(path = "admin/confirm.html")]
struct ConfirmPage {
    ctx: Ctx,
    message: String,
    action: String,
    fields: Vec<(String, String)>,
    back: String,
}

/// The page asking `visitor` to confirm `message`; confirming posts `fields` and
/// `confirmed=1` to `action`, cancelling goes back to `back`.
pub fn ask(visitor: &Visitor, message: String, action: &str, fields: Vec<(String, String)>, back: &str) -> WebResult {
    Ok(page(&ConfirmPage {
        ctx: Ctx::new(visitor),
        message,
        action: action.to_owned(),
        fields,
        back: back.to_owned(),
    }))
}

/// A form whose action asks first: `confirmed=1` once confirmed.
#[derive(Debug, Default, Deserialize)]
pub struct Confirmed {
    #[serde(default)]
    confirmed: String,
}

impl Confirmed {
    /// Whether the confirmation page's button sent it.
    pub(super) fn yes(&self) -> bool {
        self.confirmed == "1"
    }

    /// The confirmation page for deleting through `action` (back to `back`), unless this
    /// form was confirmed already.
    pub(super) fn ask_to_delete(&self, visitor: &Visitor, action: &str, back: &str) -> Option<WebResult> {
        (!self.yes()).then(|| {
            ask(
                visitor,
                visitor.t().adm_confirm_delete.to_owned(),
                action,
                Vec::new(),
                back,
            )
        })
    }
}
