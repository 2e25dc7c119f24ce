//! Returns on the order page: the buyer's form to send units back (while the return
//! window is open), and each return as it goes (asked, approved with instructions or
//! rejected, received with what it paid back). Staff see the same rows on the admin
//! order page and decide in `admin/returns.rs`.

use axum::extract::State;
use axum::http::StatusCode;
use emporium_app::AppState;
use emporium_app::returns::{self, ReturnOptions, ReturnWish};
use emporium_domain::FieldError;
use emporium_domain::returns::{ReturnQuantity, ReturnStatus};
use emporium_store::order_read::Order;
use emporium_store::returns::Return;

use super::{Names, OrderAction, Shown, Viewer, order_page_as};
use crate::i18n::Lang;
use crate::view::{FieldErrors, Path, Posted, WebResult, form_errors, money, see_other, time};

/// A return as the pages show it.
#[derive(Debug)]
pub struct ReturnRow {
    /// Return id.
    pub id: i64,
    /// Raw status.
    pub status: String,
    /// The buyer's reason.
    pub reason: String,
    /// Staff's instructions (empty until approved).
    pub instructions: String,
    /// Staff's note (empty when none).
    pub note: String,
    /// What it paid back (empty until received).
    pub refund: String,
    /// The part of it that was shipping (empty when none).
    pub shipping_refund: String,
    /// Asked at.
    pub created_at: String,
    /// The lines.
    pub lines: Vec<ReturnLineRow>,
    /// `(when, status reached, what was said)`, oldest first.
    pub events: Vec<(String, String, String)>,
}

/// One line of a return.
#[derive(Debug)]
pub struct ReturnLineRow {
    /// The product's name as ordered.
    pub name: String,
    /// Units asked back.
    pub quantity: i64,
    /// Units restocked (once received).
    pub resellable: i64,
    /// Units written off (once received).
    pub damaged: i64,
    /// What the line paid back (empty until received).
    pub refund: String,
}

impl ReturnRow {
    /// The rows of `returns`, their products named in `lang`.
    pub async fn rows(state: &AppState, returns: &[Return], lang: Lang) -> Result<Vec<Self>, crate::view::WebError> {
        let ids: Vec<i64> = returns.iter().flat_map(|r| &r.lines).map(|l| l.product_id).collect();
        let names = Names::load(state, lang, ids).await?;
        Ok(returns.iter().map(|r| Self::new(r, &names, lang)).collect())
    }

    /// The row of `r`, amounts in its order's currency, names in the page's language.
    pub fn new(r: &Return, names: &Names, lang: Lang) -> Self {
        let currency = r.currency.as_str();
        let received = r.received_at.is_some();
        let amount = |a: i64| if received { money(a, currency) } else { String::new() };
        Self {
            id: r.id,
            status: r.status.as_str().to_owned(),
            reason: r.reason.clone(),
            instructions: r.instructions.clone().unwrap_or_default(),
            note: r.note.clone().unwrap_or_default(),
            refund: amount(r.refund_amount),
            shipping_refund: if r.shipping_refund > 0 {
                money(r.shipping_refund, currency)
            } else {
                String::new()
            },
            created_at: time(r.created_at),
            lines: r
                .lines
                .iter()
                .map(|l| ReturnLineRow {
                    name: names.product(l.product_id, &l.name),
                    quantity: l.quantity,
                    resellable: l.resellable,
                    damaged: l.damaged,
                    refund: amount(l.refund),
                })
                .collect(),
            events: r
                .events
                .iter()
                .map(|e| {
                    // Receiving stores its tally in English for the audit trail; the
                    // page's lines show the same counts, so the timeline says it plainly.
                    let detail = if e.to == ReturnStatus::Received {
                        match lang {
                            Lang::En => "Parcel received: restocked and written-off units as in the lines above.",
                            Lang::Zh => "已收到退货：入库与报损数量见上方明细。",
                        }
                        .to_owned()
                    } else {
                        e.detail.clone().unwrap_or_default()
                    };
                    (time(e.at), e.to.as_str().to_owned(), detail)
                })
                .collect(),
        }
    }
}

/// The form to ask for a return: each line with units left, as typed.
#[derive(Debug, Default)]
pub struct ReturnFormView {
    /// The end of the window.
    pub closes_at: String,
    /// `(order line, name, units left, units typed)`.
    pub lines: Vec<(i64, String, i64, String)>,
    /// The reason as typed.
    pub reason: String,
    /// What was wrong, each message naming its line.
    pub errors: Vec<String>,
}

impl ReturnFormView {
    /// The form for `options` of `order`, with what was `typed` and its `errors`.
    fn new(
        options: &ReturnOptions,
        order: &Order,
        typed: &[(String, String)],
        errors: &FieldErrors,
        names: &Names,
    ) -> Self {
        let typed_value = |key: &str| typed.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let lines: Vec<(i64, String, i64, String)> = options
            .lines
            .iter()
            .map(|&(item, left)| {
                let name = order
                    .items
                    .iter()
                    .find(|i| i.id == item)
                    .map(|i| names.product(i.product_id, &i.name))
                    .unwrap_or_default();
                (
                    item,
                    name,
                    left,
                    typed_value(&format!("qty_{item}")).unwrap_or_default(),
                )
            })
            .collect();
        // `lines[i]` in a message is the i-th line asked for: name it.
        let asked: Vec<&str> = lines
            .iter()
            .filter(|l| !l.3.trim().is_empty() && l.3.trim() != "0")
            .map(|l| l.1.as_str())
            .collect();
        let errors = errors
            .0
            .iter()
            .map(|e| {
                let line = e
                    .field
                    .strip_prefix("lines[")
                    .and_then(|rest| rest.split(']').next())
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| asked.get(i));
                match line {
                    Some(name) => format!("{name}: {}", e.message),
                    None => e.message.clone(),
                }
            })
            .collect();
        Self {
            closes_at: time(options.closes_at),
            lines,
            reason: typed_value("reason").unwrap_or_default(),
            errors,
        }
    }
}

/// The order page's return section: the returns so far and, when the viewer may ask,
/// the form. `typed` and `errors` re-show a form that failed.
pub(super) async fn section(
    state: &AppState,
    order: &Order,
    asker: bool,
    typed: &[(String, String)],
    errors: &FieldErrors,
    lang: Lang,
) -> Result<(Vec<ReturnRow>, Option<ReturnFormView>), crate::view::WebError> {
    let all = returns::order_returns(state, order.id).await?;
    let ids: Vec<i64> = order.items.iter().map(|i| i.product_id).collect();
    let names = Names::load(state, lang, ids).await?;
    let rows = all.iter().map(|r| ReturnRow::new(r, &names, lang)).collect();
    let form = if asker {
        returns::return_options(state, order, &all).map(|o| ReturnFormView::new(&o, order, typed, errors, &names))
    } else {
        None
    };
    Ok((rows, form))
}

/// `POST /orders/{id}/returns`: `qty_<line>` per line (blank or 0: none of it), `reason`,
/// and a guest order's `access`.
pub async fn ask(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted { visitor, form }: Posted<Vec<(String, String)>>,
) -> WebResult {
    let field = |key: &str| form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let action = OrderAction::with_access(field("access").unwrap_or_default());
    let session = action.session(&state, &visitor, id).await?;
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for (key, value) in &form {
        let Some(item) = key.strip_prefix("qty_").and_then(|i| i.parse::<i64>().ok()) else {
            continue;
        };
        match value.trim() {
            "" | "0" => {}
            n => match n.parse::<i64>() {
                Ok(quantity) => lines.push(ReturnQuantity {
                    order_item_id: item,
                    quantity,
                }),
                Err(_) => errors.push(FieldError::new(key.clone(), "must be a whole number of units")),
            },
        }
    }
    let outcome = if errors.is_empty() {
        let wish = ReturnWish {
            lines,
            reason: field("reason").unwrap_or_default(),
        };
        returns::ask_return(&state, session.user.id, id, wish).await.map(|_| ())
    } else {
        Err(emporium_app::AppError::Invalid(errors))
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("{}#returns", action.page(id)))),
        Err(e) => {
            let errors = form_errors(e, visitor.lang)?;
            let viewer = Viewer {
                session: &session,
                access: action.access(),
            };
            let shown = Shown {
                returned: Some((form.clone(), errors)),
                ..Shown::default()
            };
            order_page_as(&state, &visitor, &viewer, id, StatusCode::UNPROCESSABLE_ENTITY, shown).await
        }
    }
}
