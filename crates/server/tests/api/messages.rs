//! The outbox: each event owes its messages in its own transaction, the jobs deliver
//! them to a real SMTP server (aiosmtpd, `.ci/smtp.sh`) in the customer's language, a
//! server that is down delays mail without losing or doubling any, and without a mail
//! server staff see the messages held, with resend.

use std::collections::BTreeSet;
use std::time::Duration;

use emporium_app::AppConfig;
use emporium_app::messages::mail::MailConfig;
use emporium_domain::message::{MessageKind, MessageStatus};
use emporium_store::db::{query, query_scalar};
use emporium_store::messages::{Message, MessageFilter, NewMessage, enqueue_in};
use emporium_testkit::TestDb;
use emporium_testkit::smtp::{Received, SmtpSink};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, json_of};
use crate::web::Browser;

/// A shop sending mail to `sink`.
async fn mail_app(db: TestDb, sink: &SmtpSink) -> TestApp {
    let mail = MailConfig::parse(&sink.url(), "Emporium <shop@emporium.test>").expect("mail settings");
    TestApp::spawn_with(
        db,
        AppConfig {
            bcrypt_cost: 4,
            write_limits: emporium_app::WriteLimits::OFF,
            mail: Some(mail),
            ..AppConfig::default()
        },
    )
    .await
}

/// Gives an account an email address and a language (as the account pages would).
async fn set_contact(app: &TestApp, username: &str, email: &str, locale: &str) {
    let (username, email, locale) = (username.to_owned(), email.to_owned(), locale.to_owned());
    app.store
        .write(move |conn| {
            Box::pin(async move {
                query("UPDATE users SET email = $1, locale = $2 WHERE username = $3")
                    .bind(&email)
                    .bind(&locale)
                    .bind(&username)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(app.store.reader())
        .await
        .unwrap()
}

async fn of_order(app: &TestApp, order: i64) -> Vec<Message> {
    app.store.messages(MessageFilter::Order(order), 100).await.unwrap()
}

async fn ship(app: &TestApp, staff: &str, order: i64, tracking: &str) {
    let body = json!({"carrier": "SF Express", "tracking_number": tracking});
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/orders/{order}/ship"),
            Some(staff),
            Some(body),
        )
        .await;
    json_of(response, StatusCode::OK).await;
}

/// The one message to `to` whose subject contains `needle`.
fn mail_to<'a>(mail: &'a [Received], to: &str, needle: &str) -> &'a Received {
    let found: Vec<&Received> = mail
        .iter()
        .filter(|m| m.rcpt_tos == [to] && m.subject.contains(needle))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one message to {to} about {needle:?}; all: {:#?}",
        subjects(mail)
    );
    found[0]
}

fn subjects(mail: &[Received]) -> Vec<(String, String)> {
    mail.iter().map(|m| (m.rcpt_tos.join(","), m.subject.clone())).collect()
}

/// The links back to the shop in a message's text.
fn links(app: &TestApp, text: &str) -> Vec<String> {
    let base = format!("http://{}", app.addr);
    text.split_whitespace()
        .filter(|w| w.starts_with(&base))
        .map(str::to_owned)
        .collect()
}

/// Follows a link as the page's visitor would (with their session cookie, if any);
/// answers the page.
async fn follow(link: &str, session: Option<&str>) -> (StatusCode, String) {
    let client = reqwest::Client::new();
    let mut request = client.get(link).header("accept", "text/html");
    if let Some(token) = session {
        request = request.header("cookie", format!("emporium_session={token}"));
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The story the issue asks for: a Chinese and an English customer buy, pay and are
/// shipped to; each gets the messages in their language, as text and HTML, with the
/// amounts in yuan (never fen), the tracking number and links that open their order;
/// staff are told of each paid order.
async fn customers_and_staff_are_told_by_email_in_their_language(db: TestDb) {
    let Some(sink) = SmtpSink::start() else { return };
    let app = mail_app(db, &sink).await;
    let staff = app.staff("boss").await;
    set_contact(&app, "boss", "boss@emporium.test", "zh-CN").await;
    let tea = app
        .create_product(
            &staff,
            NewProduct::new("龙井茶 <Longjing>", 159_700).stocked(10, 50_000),
        )
        .await;
    let (li, li_address) = app.shopper("li_lei", tea, 1).await;
    set_contact(&app, "li_lei", "li@example.com", "zh-CN").await;
    let (jane, jane_address) = app.shopper("jane", tea, 2).await;
    set_contact(&app, "jane", "jane@example.com", "en").await;

    let li_order = app.place_order(&li, li_address).await;
    app.pay(&li, li_order).await;
    let jane_order = app.place_order(&jane, jane_address).await;
    app.pay(&jane, jane_order).await;
    ship(&app, &staff, li_order, "SF1000000001").await;
    ship(&app, &staff, jane_order, "SF2000000002").await;
    let report = app.run_jobs().await;
    // Staff's notice of a paid order is owed when its buyer's paid notice has been tried,
    // and goes with the next pass: here the second order's, beside the shipping notices.
    assert_eq!(
        report.messages.sent, 3,
        "the two shipping notices and staff's of the second order: {report:?}"
    );

    let mail = sink.received();
    assert_eq!(mail.len(), 8, "{:#?}", subjects(&mail));
    // In Chinese, for the Chinese customer.
    let placed = mail_to(&mail, "li@example.com", &format!("订单 #{li_order} 已提交"));
    let paid = mail_to(&mail, "li@example.com", &format!("订单 #{li_order} 已付款"));
    let shipped = mail_to(&mail, "li@example.com", &format!("订单 #{li_order} 已发货"));
    assert!(paid.subject.starts_with("[Emporium] "), "{}", paid.subject);
    assert!(shipped.text.contains("SF1000000001") && shipped.text.contains("SF Express"));
    assert!(shipped.html.contains("SF1000000001"));
    for m in [placed, paid, shipped] {
        assert_eq!(m.content_type, "multipart/alternative");
        assert!(m.text.contains("¥1,597.00"), "{}", m.text);
        assert!(m.html.contains("¥1,597.00"), "{}", m.html);
        assert!(m.text.contains("合计"), "{}", m.text);
        // The product's name is shown as written and escaped in the HTML.
        assert!(m.text.contains("龙井茶 <Longjing>"));
        assert!(m.html.contains("龙井茶 &lt;Longjing&gt;") && !m.html.contains("<Longjing>"));
        assert!(!m.raw.contains("159700") && !m.text.contains("159700") && !m.html.contains("159700"));
    }
    // In English, for the English customer.
    mail_to(&mail, "jane@example.com", &format!("Order #{jane_order} placed"));
    let paid_en = mail_to(&mail, "jane@example.com", &format!("Order #{jane_order} is paid"));
    assert!(
        paid_en.text.contains("¥3,194.00") && paid_en.text.contains("Total"),
        "{}",
        paid_en.text
    );
    let shipped_en = mail_to(&mail, "jane@example.com", &format!("Order #{jane_order} has shipped"));
    assert!(
        shipped_en.text.contains("tracking number SF2000000002"),
        "{}",
        shipped_en.text
    );
    assert!(!shipped_en.text.contains("订单"));
    // Staff hear of each paid order, with a link to it in the admin.
    let to_ship = mail_to(&mail, "boss@emporium.test", &format!("新订单 #{li_order} 待发货"));
    mail_to(&mail, "boss@emporium.test", &format!("新订单 #{jane_order} 待发货"));

    // Each message's id is fixed by its row, so a repeat after a crash is recognisable.
    let rows = of_order(&app, li_order).await;
    let paid_row = rows.iter().find(|m| m.kind == MessageKind::OrderPaid).unwrap();
    assert_eq!(paid.message_id, format!("<message-{}@127.0.0.1>", paid_row.id));
    assert!(
        rows.iter().all(|m| m.status == MessageStatus::Sent && m.attempts == 1),
        "{rows:#?}"
    );

    // The links work: the customer's opens their order, staff's the admin's page of it.
    let order_links = links(&app, &shipped.text);
    assert_eq!(order_links, [format!("http://{}/orders/{li_order}", app.addr)]);
    let (status, page) = follow(&order_links[0], Some(&li)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("SF1000000001"),
        "the order's page shows its tracking number"
    );
    let admin_links = links(&app, &to_ship.text);
    assert_eq!(admin_links, [format!("http://{}/admin/orders/{li_order}", app.addr)]);
    let (status, page) = follow(&admin_links[0], Some(&staff)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("message-log"),
        "the admin's order page lists its messages"
    );
    app.assert_clean().await;

    // Were a tried paid notice to have owed staff nothing, `emporium check` would say so.
    let staff_key = format!("order:{li_order}:paid:staff");
    app.store
        .write(move |conn| {
            Box::pin(async move {
                query("DELETE FROM messages WHERE event_key = $1")
                    .bind(&staff_key)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    let (_, violations) = app.store.check_invariants().await.unwrap();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].subject, format!("message {}", paid_row.id));
}
emporium_testkit::engine_test!(customers_and_staff_are_told_by_email_in_their_language);

/// The mail server is down while orders are placed and paid: checkout is not slowed or
/// failed, the messages wait with backoff, and once the server is back each goes out
/// exactly once, even with two delivery passes running at the same moment.
async fn mail_waits_for_a_server_that_is_down_and_goes_out_once(db: TestDb) {
    let Some(mut sink) = SmtpSink::start() else { return };
    let app = mail_app(db, &sink).await;
    let staff = app.staff("boss").await;
    set_contact(&app, "boss", "boss@emporium.test", "zh-CN").await;
    let tea = app.create_product(&staff, NewProduct::item(2_500, 50)).await;
    sink.stop();

    let mut orders = Vec::new();
    for name in ["annie", "bobby", "cyril"] {
        let (token, address) = app.shopper(name, tea, 1).await;
        set_contact(&app, name, &format!("{name}@example.com"), "en").await;
        let started = std::time::Instant::now();
        let order = app.place_order(&token, address).await;
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "placing does not wait for mail"
        );
        app.pay(&token, order).await;
        orders.push(order);
    }
    let mut owed = Vec::new();
    for &order in &orders {
        owed.extend(of_order(&app, order).await);
    }
    assert_eq!(owed.len(), 9, "placed, paid and staff's, for each order");
    for m in &owed {
        assert_eq!(m.status, MessageStatus::Pending, "{m:?}");
        // Staff's is owed by the paid notice's failed attempt, and waits its own turn.
        if m.kind != MessageKind::StaffNewOrder {
            assert!(m.attempts >= 1 && m.last_error.is_some(), "{m:?}");
        }
    }
    // Later attempts fail too while it is down, each scheduled further out.
    app.clock.advance(Duration::from_secs(5));
    let report = app.run_jobs().await;
    assert!(report.messages.retried > 0 && report.messages.sent == 0, "{report:?}");
    assert!(sink.received().is_empty());

    sink.restart();
    app.clock.advance(Duration::from_secs(3600));
    let (a, b) = tokio::join!(
        emporium_app::jobs::run_due(&app.state),
        emporium_app::jobs::run_due(&app.state)
    );
    let (a, b) = (a.unwrap().messages, b.unwrap().messages);
    assert_eq!(a.sent + b.sent, 9, "each message sent by exactly one pass: {a:?} {b:?}");

    let mail = sink.received();
    let ids: BTreeSet<&str> = mail.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(mail.len(), 9, "{:#?}", subjects(&mail));
    assert_eq!(ids.len(), 9, "no message twice");
    for name in ["annie", "bobby", "cyril"] {
        let to = format!("{name}@example.com");
        assert_eq!(mail.iter().filter(|m| m.rcpt_tos == [to.as_str()]).count(), 2);
    }
    // Nothing more goes out later.
    app.clock.advance(Duration::from_secs(24 * 3600));
    assert_eq!(app.run_jobs().await.messages.sent, 0);
    assert_eq!(sink.received().len(), 9);
    for &order in &orders {
        assert!(
            of_order(&app, order)
                .await
                .iter()
                .all(|m| m.status == MessageStatus::Sent && m.sent_at.is_some())
        );
    }
    app.assert_clean().await;
}
emporium_testkit::engine_test!(mail_waits_for_a_server_that_is_down_and_goes_out_once);

/// A guest's refund, asked for with the order's link token, is told to the guest's
/// address (there is no account to write to), and the request to staff.
async fn a_guests_refund_is_told_to_the_guests_address(db: TestDb) {
    let Some(sink) = SmtpSink::start() else { return };
    let app = mail_app(db, &sink).await;
    let staff = app.staff("boss").await;
    set_contact(&app, "boss", "boss@emporium.test", "zh-CN").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    let (order, access) = crate::guests::guest_paid_order(&app, tea, 1, "guest@example.com").await;
    let asked = app
        .request(Method::POST, &format!("/api/v1/orders/{order}/refunds"))
        .header("order-access-token", &access)
        .json(&json!({"reason": "changed my mind"}))
        .send()
        .await
        .unwrap();
    let refund = json_of(asked, StatusCode::CREATED).await;
    let approved = app
        .send(
            Method::POST,
            &format!("/api/v1/refunds/{}/approve", refund["id"]),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(json_of(approved, StatusCode::OK).await["status"], "refunded");
    app.run_jobs().await;

    let mail = sink.received();
    let to_guest = |needle: &str| mail_to(&mail, "guest@example.com", needle).text.clone();
    let approved = to_guest(&format!("订单 #{order} 的退款 ¥70.00 已批准"));
    to_guest(&format!("订单 #{order} 的退款 ¥70.00 已退回"));
    // Its link opens the order by its token, as the guest has no login.
    assert_eq!(
        links(&app, &approved),
        [format!("http://{}/orders/{order}?access={access}", app.addr)]
    );
    mail_to(&mail, "boss@emporium.test", &format!("订单 #{order} 有退款申请待处理"));
    assert!(
        mail.iter()
            .all(|m| m.rcpt_tos == ["guest@example.com"] || m.rcpt_tos == ["boss@emporium.test"]),
        "{:#?}",
        subjects(&mail)
    );
    app.assert_clean().await;
}
emporium_testkit::engine_test!(a_guests_refund_is_told_to_the_guests_address);

/// An instance that stops mid-attempt (it claimed a message, and the server may have
/// taken it) holds nothing up for long: no one sends the message while its lease holds;
/// once the lease runs out the next pass sends it, with the same Message-ID, and its row
/// says the person may have it twice. The stopped instance's late outcome is refused.
async fn an_interrupted_attempt_goes_again_and_says_it_may_be_a_repeat(db: TestDb) {
    let Some(sink) = SmtpSink::start() else { return };
    let app = mail_app(db, &sink).await;
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(2_500, 50)).await;
    let (token, address) = app.shopper("pete", tea, 1).await;
    set_contact(&app, "pete", "pete@example.com", "en").await;
    let order = app.place_order(&token, address).await;
    let placed = of_order(&app, order).await;
    assert_eq!(placed.len(), 1, "{placed:#?}");
    let now = emporium_domain::time::Clock::now(&app.clock);
    let lease = Duration::from_secs(60);
    let crashed = app
        .store
        .claim_message(placed[0].id, now, now.plus(lease))
        .await
        .unwrap()
        .expect("claimed");
    assert_eq!(crashed.message.last_error, None, "a first claim notes nothing");
    app.clock.advance(Duration::from_secs(30));
    assert_eq!(app.run_jobs().await.messages.sent, 0, "leased");
    app.clock.advance(Duration::from_secs(31));
    assert_eq!(app.run_jobs().await.messages.sent, 1);
    let mail = sink.received();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].message_id, format!("<message-{}@127.0.0.1>", placed[0].id));
    let row = app.store.message(placed[0].id).await.unwrap().unwrap();
    assert_eq!(row.status, MessageStatus::Sent);
    assert_eq!(
        row.last_error.as_deref(),
        Some(emporium_store::messages::SENT_AFTER_INTERRUPTION)
    );
    let logged = app
        .get_json(&format!("/api/v1/admin/messages?order_id={order}"), Some(&staff))
        .await;
    assert_eq!(
        logged["data"][0]["last_error"],
        emporium_store::messages::SENT_AFTER_INTERRUPTION
    );
    // The stopped instance, back, cannot record its outcome any more.
    let late = emporium_domain::time::Clock::now(&app.clock);
    assert!(
        !app.store
            .finish_message(&crashed, emporium_store::messages::Delivered::Sent, late)
            .await
            .unwrap()
    );
    assert_eq!(app.store.message(placed[0].id).await.unwrap().unwrap(), row);
    app.assert_clean().await;
}
emporium_testkit::engine_test!(an_interrupted_attempt_goes_again_and_says_it_may_be_a_repeat);

/// The password reset message owed to `user`.
async fn reset_of(app: &TestApp, user: i64) -> Message {
    app.store
        .messages(MessageFilter::User(user), 100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.kind == MessageKind::PasswordReset)
        .expect("the reset's message")
}

/// A shop that ran without a mail server configures one: on the next pass the held
/// emails of the last day go out, each exactly once though two instances deliver at the
/// same moment; older ones, and a password reset (its link is gone), are skipped and
/// never sent.
async fn held_mail_goes_out_once_a_server_is_configured(db: TestDb) {
    let Some(sink) = SmtpSink::start() else { return };
    let day = Duration::from_secs(24 * 3600);
    let before = TestApp::spawn(db).await;
    let staff = before.staff("boss").await;
    set_contact(&before, "boss", "boss@emporium.test", "zh-CN").await;
    let tea = before.create_product(&staff, NewProduct::item(2_500, 50)).await;
    // Two days ago, and yesterday: each paid order owes its buyer two emails and staff one.
    let (olga, olga_address) = before.shopper("olga", tea, 1).await;
    set_contact(&before, "olga", "olga@example.com", "en").await;
    let old_order = before.place_order(&olga, olga_address).await;
    before.pay(&olga, old_order).await;
    before.clock.advance(day + Duration::from_secs(3600));
    before.run_jobs().await;
    let (nina, nina_address) = before.shopper("nina", tea, 1).await;
    set_contact(&before, "nina", "nina@example.com", "en").await;
    let order = before.place_order(&nina, nina_address).await;
    before.pay(&nina, order).await;
    let reset = before
        .post("/api/v1/auth/password-reset", json!({"login": "nina"}))
        .await;
    assert_eq!(reset.status(), StatusCode::ACCEPTED);
    let nina_id = user_id(&before, "nina").await;
    // The request writes its message after answering (so known and unknown names take
    // the same time): wait for it, then the pass holds it and forgets its link.
    for _ in 0..500 {
        let owed = before.store.messages(MessageFilter::User(nina_id), 100).await.unwrap();
        if owed.iter().any(|m| m.kind == MessageKind::PasswordReset) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    before.run_jobs().await;
    assert_eq!(reset_of(&before, nina_id).await.status, MessageStatus::Held);
    for id in [old_order, order] {
        let rows = of_order(&before, id).await;
        assert_eq!(
            rows.len(),
            2,
            "placed and paid (staff's waits for the paid notice to be tried): {rows:#?}"
        );
        assert!(rows.iter().all(|m| m.status == MessageStatus::Held), "{rows:#?}");
    }

    // The shop starts again with a mail server, on two instances.
    let config = AppConfig {
        bcrypt_cost: 4,
        write_limits: emporium_app::WriteLimits::OFF,
        mail: Some(MailConfig::parse(&sink.url(), "Emporium <shop@emporium.test>").expect("mail settings")),
        ..AppConfig::default()
    };
    let one = TestApp::spawn_on(&before.url, config.clone()).await;
    let two = TestApp::spawn_on(&before.url, config).await;
    for app in [&one, &two] {
        app.clock.advance(day + Duration::from_secs(3600 + 60));
    }
    let (a, b) = tokio::join!(
        emporium_app::jobs::run_due(&one.state),
        emporium_app::jobs::run_due(&two.state)
    );
    let (a, b) = (a.unwrap().messages, b.unwrap().messages);
    assert_eq!(a.released + b.released, 2, "released once: {a:?} {b:?}");
    assert_eq!(
        a.dropped + b.dropped,
        3,
        "the old order's two and the reset: {a:?} {b:?}"
    );
    assert_eq!(a.sent + b.sent, 2, "each sent by exactly one instance: {a:?} {b:?}");
    // The paid notice, tried, owes staff's "new order", which the next passes send once.
    for app in [&one, &two] {
        app.clock.advance(Duration::from_secs(1));
    }
    let (a, b) = tokio::join!(
        emporium_app::jobs::run_due(&one.state),
        emporium_app::jobs::run_due(&two.state)
    );
    let (a, b) = (a.unwrap().messages, b.unwrap().messages);
    assert_eq!(a.sent + b.sent, 1, "staff's notice: {a:?} {b:?}");

    let mail = sink.received();
    assert_eq!(mail.len(), 3, "{:#?}", subjects(&mail));
    let ids: BTreeSet<&str> = mail.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), 3, "no message twice");
    mail_to(&mail, "nina@example.com", &format!("Order #{order} placed"));
    mail_to(&mail, "nina@example.com", &format!("Order #{order} is paid"));
    mail_to(&mail, "boss@emporium.test", &format!("新订单 #{order} 待发货"));
    assert!(mail.iter().all(|m| m.rcpt_tos != ["olga@example.com"]), "too old");
    assert!(
        of_order(&one, order)
            .await
            .iter()
            .all(|m| m.status == MessageStatus::Sent && m.attempts == 1 && m.last_error.is_none())
    );
    for m in of_order(&one, old_order).await {
        assert_eq!(m.status, MessageStatus::Skipped, "{m:?}");
        assert_eq!(m.last_error.as_deref(), Some(emporium_store::messages::HELD_TOO_LONG));
    }
    let reset = reset_of(&one, nina_id).await;
    assert_eq!(reset.status, MessageStatus::Skipped);
    assert_eq!(
        reset.last_error.as_deref(),
        Some(emporium_store::messages::HELD_LINK_GONE)
    );

    // Nothing more goes out later, and what happens now is sent as it happens.
    ship(&one, &staff, order, "SF3000000003").await;
    one.clock.advance(Duration::from_secs(60));
    two.clock.advance(Duration::from_secs(60));
    let (a, b) = tokio::join!(
        emporium_app::jobs::run_due(&one.state),
        emporium_app::jobs::run_due(&two.state)
    );
    let (a, b) = (a.unwrap().messages, b.unwrap().messages);
    assert_eq!((a.released + b.released, a.dropped + b.dropped), (0, 0));
    assert_eq!(a.sent + b.sent, 1, "the shipping notice: {a:?} {b:?}");
    assert_eq!(sink.received().len(), 4);
    one.assert_clean().await;
}
emporium_testkit::engine_test!(held_mail_goes_out_once_a_server_is_configured);

/// Without a mail server the messages are kept as `held`, and staff see them in the
/// order's and the customer's message logs ("not sent: no mail server configured"), over
/// the API and on the pages, with resend; single-use links cannot be resent.
async fn without_a_mail_server_messages_are_held_and_shown_to_staff(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(1_200, 20)).await;
    let (token, address) = app.shopper("mei", tea, 1).await;
    set_contact(&app, "mei", "mei@example.com", "zh-CN").await;
    let order = app.place_order(&token, address).await;
    app.pay(&token, order).await;

    let log = app
        .get_json(&format!("/api/v1/admin/messages?order_id={order}"), Some(&staff))
        .await;
    let rows = log["data"].as_array().unwrap();
    let kinds: BTreeSet<&str> = rows.iter().map(|m| m["kind"].as_str().unwrap()).collect();
    // Staff's "new order" is owed once the paid notice is tried: not while it is held.
    assert_eq!(kinds, BTreeSet::from(["order_placed", "order_paid"]));
    for m in rows {
        assert_eq!(m["status"], "held", "{m}");
        assert_eq!(m["last_error"], "no mail server configured");
        assert_eq!(m["attempts"], 0);
    }
    let mei = user_id(&app, "mei").await;
    let by_customer = app
        .get_json(&format!("/api/v1/admin/messages?user_id={mei}"), Some(&staff))
        .await;
    assert_eq!(by_customer["data"].as_array().unwrap().len(), 2);

    // Customers may not read the log; the filter is one of the two ids.
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/admin/messages?order_id={order}"),
            Some(&token),
            None,
        )
        .await;
    expect_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app
        .send(Method::GET, "/api/v1/admin/messages", Some(&staff), None)
        .await;
    expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    // Resend: a copy, held at once like the first (still no server).
    let paid = rows.iter().find(|m| m["kind"] == "order_paid").unwrap();
    let copy = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/admin/messages/{}/resend", paid["id"]),
            Some(&staff),
            None,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (copy["status"].clone(), copy["last_error"].clone()),
        (json!("held"), json!("no mail server configured"))
    );
    assert_eq!(copy["event_key"], format!("order:{order}:paid:resend:1"));
    assert_eq!(
        app.run_jobs().await.messages.held,
        0,
        "nothing left for the pass to hold"
    );
    let response = app
        .send(Method::POST, "/api/v1/admin/messages/999999/resend", Some(&staff), None)
        .await;
    expect_problem(response, StatusCode::NOT_FOUND, "not_found").await;

    // A message with a single-use link (as the password reset owes one) is not resent,
    // and a held one no longer keeps its secret.
    let reset = NewMessage {
        event_key: format!("user:{mei}:password_reset:1"),
        kind: MessageKind::PasswordReset,
        user_id: Some(mei),
        order_id: None,
        recipient: None,
        detail: None,
        secret: Some("a-single-use-token".into()),
    };
    let now = emporium_domain::time::Clock::now(&app.clock);
    let sealer = app.store.sealer().clone();
    app.store
        .write(move |conn| Box::pin(async move { enqueue_in(conn, &sealer, &reset, now).await }))
        .await
        .unwrap();
    app.run_jobs().await;
    let reset_row = app
        .store
        .messages(MessageFilter::User(mei), 100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.kind == MessageKind::PasswordReset)
        .unwrap();
    assert_eq!(reset_row.status, MessageStatus::Held);
    assert!(!reset_row.holds_secret);
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/admin/messages/{}/resend", reset_row.id),
            Some(&staff),
            None,
        )
        .await;
    expect_problem(response, StatusCode::CONFLICT, "not_resendable").await;

    // The pages: the order's log and the customer's, with a working Resend button.
    let mut browser = Browser::new(&app);
    let login = browser
        .submit(
            "/login",
            "/login",
            &[("username", "boss"), ("password", "staff-password"), ("next", "/admin")],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    let page = browser.get(&format!("/admin/orders/{order}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"message-log\""));
    assert!(page.body.contains("no mail server configured"), "held messages say why");
    assert!(page.body.contains(&format!("/admin/customers/{mei}/messages")));
    let customer_page = browser.get(&format!("/admin/customers/{mei}/messages")).await;
    assert_eq!(customer_page.status, StatusCode::OK);
    assert!(
        customer_page.body.contains("Password reset") && customer_page.body.contains("Payment received"),
        "kinds in words, not their stored names"
    );
    assert!(
        !customer_page.body.contains(&format!("resend-{}", reset_row.id)),
        "no button for a link"
    );
    let resent = browser
        .submit(
            &format!("/admin/orders/{order}"),
            &format!("/admin/messages/{}/resend", paid["id"]),
            &[],
        )
        .await;
    assert_eq!(resent.status, StatusCode::SEE_OTHER);
    assert_eq!(
        resent.location.as_deref(),
        Some(format!("/admin/orders/{order}").as_str())
    );
    let copies = of_order(&app, order).await;
    assert!(
        copies
            .iter()
            .any(|m| m.event_key == format!("order:{order}:paid:resend:2"))
    );
    app.assert_clean().await;
}
app_test!(without_a_mail_server_messages_are_held_and_shown_to_staff);

/// Two shoppers want the last unit at once: the order that fails on stock rolls back,
/// and with it the message it would have owed.
async fn an_order_refused_for_stock_owes_nothing(app: TestApp) {
    let staff = app.staff("boss").await;
    let last = app.create_product(&staff, NewProduct::item(9_900, 1)).await;
    let (a, a_address) = app.shopper("amy", last, 1).await;
    let (b, b_address) = app.shopper("ben", last, 1).await;
    let place = |token: String, address: i64| {
        let app = &app;
        async move {
            app.send(
                Method::POST,
                "/api/v1/orders",
                Some(&token),
                Some(json!({"address_id": address})),
            )
            .await
        }
    };
    let (first, second) = tokio::join!(place(a, a_address), place(b, b_address));
    let statuses = [first.status(), second.status()];
    assert!(
        statuses.contains(&StatusCode::CREATED) && statuses.contains(&StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let placed: i64 = query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM messages WHERE kind = 'order_placed'")
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    assert_eq!(placed, 1, "only the order that was placed owes a message");
    let loser = if first.status() == StatusCode::CONFLICT {
        "amy"
    } else {
        "ben"
    };
    let loser = user_id(&app, loser).await;
    assert!(
        app.store
            .messages(MessageFilter::User(loser), 10)
            .await
            .unwrap()
            .is_empty()
    );
    app.assert_clean().await;
}
app_test!(an_order_refused_for_stock_owes_nothing);

/// Every event of an order's life owes its message once: shipping (and a text message
/// when the customer opted in), the tracking milestones chosen (not every scan), receipt,
/// cancelling, each step of a refund, and staff's low-stock warning once per crossing.
async fn each_event_owes_its_message_once(app: TestApp) {
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(3_000, 12)).await;
    let (token, address) = app.shopper("kim", tea, 2).await;
    let order = app.paid_order(&token, address, &[]).await;
    // The customer agreed to a text when it ships (the guest checkout records it).
    app.store
        .write(move |conn| {
            Box::pin(async move {
                query("UPDATE orders SET sms_opt_in = 1 WHERE id = $1")
                    .bind(order)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    ship(&app, &staff, order, "SF3000000003").await;
    for status in ["in_transit", "out_for_delivery", "out_for_delivery", "delivered"] {
        let response = app
            .send(
                Method::POST,
                &format!("/api/v1/orders/{order}/tracking-events"),
                Some(&staff),
                Some(json!({"status": status})),
            )
            .await;
        json_of(response, StatusCode::CREATED).await;
    }
    json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{order}/confirm-receipt"),
            Some(&token),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let report = app.run_jobs().await;
    let keys: BTreeSet<String> = of_order(&app, order).await.into_iter().map(|m| m.event_key).collect();
    let expected: BTreeSet<String> = [
        // No staff notice: without a mail server the paid notice is held untried, and
        // staff's is owed only once it is tried (`owe_staff_new_order_in`).
        "placed",
        "paid",
        "shipped",
        "shipped:sms",
        "tracking:out_for_delivery",
        "tracking:delivered",
        "received",
    ]
    .iter()
    .map(|s| format!("order:{order}:{s}"))
    .collect();
    assert_eq!(keys, expected);
    // The text message goes through the log-only sender (no gateway configured).
    let sms = of_order(&app, order)
        .await
        .into_iter()
        .find(|m| m.kind == MessageKind::OrderShippedSms)
        .unwrap();
    assert_eq!(sms.status, MessageStatus::Sent, "{report:?}");

    // Refunds: requested (staff told), rejected; requested again, approved and paid.
    let refunded = app.paid_order(&token, address, &[(tea, 1)]).await;
    let refunds_path = format!("/api/v1/orders/{refunded}/refunds");
    let ask = |amount: i64| {
        app.send(
            Method::POST,
            &refunds_path,
            Some(&token),
            Some(json!({"amount": amount, "reason": "changed my mind"})),
        )
    };
    let first: Value = json_of(ask(1_000).await, StatusCode::CREATED).await;
    let first = first["id"].as_i64().unwrap();
    app.send(
        Method::POST,
        &format!("/api/v1/refunds/{first}/reject"),
        Some(&staff),
        None,
    )
    .await;
    let second: Value = json_of(ask(1_000).await, StatusCode::CREATED).await;
    let second = second["id"].as_i64().unwrap();
    let approved = app
        .send(
            Method::POST,
            &format!("/api/v1/refunds/{second}/approve"),
            Some(&staff),
            None,
        )
        .await;
    assert!(approved.status().is_success(), "{}", approved.status());
    let keys: BTreeSet<String> = of_order(&app, refunded)
        .await
        .into_iter()
        .map(|m| m.event_key)
        .filter(|k| k.starts_with("refund:"))
        .collect();
    let expected: BTreeSet<String> = [
        format!("refund:{first}:requested:staff"),
        format!("refund:{first}:rejected"),
        format!("refund:{second}:requested:staff"),
        format!("refund:{second}:approved"),
        format!("refund:{second}:paid"),
    ]
    .into_iter()
    .collect();
    assert_eq!(keys, expected);

    // Cancelling an unpaid order.
    assert_eq!(app.put_cart(&token, tea, 1).await.status(), StatusCode::OK);
    let unpaid = app.place_order(&token, address).await;
    json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/orders/{unpaid}/cancel"),
            Some(&token),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        of_order(&app, unpaid)
            .await
            .iter()
            .any(|m| m.event_key == format!("order:{unpaid}:cancelled"))
    );

    // Stock: 12 − 2 − 1 = 9 left, cancelled back to 9; threshold 5. Taking 4 crosses it
    // (one warning), one more does not; after a restock, the next crossing warns again.
    let low_stock = || async {
        query_scalar::<i64>("SELECT CAST(COUNT(*) AS BIGINT) FROM messages WHERE kind = 'staff_low_stock'")
            .fetch_one(app.store.reader())
            .await
            .unwrap()
    };
    assert_eq!(low_stock().await, 0);
    app.paid_order(&token, address, &[(tea, 4)]).await;
    assert_eq!(low_stock().await, 1);
    app.paid_order(&token, address, &[(tea, 1)]).await;
    assert_eq!(low_stock().await, 1, "told once per crossing");
    let lot = app
        .send(
            Method::POST,
            &format!("/api/v1/products/{tea}/stock-lots"),
            Some(&staff),
            Some(json!({"quantity": 10, "unit_cost": 1_000})),
        )
        .await;
    assert_eq!(lot.status(), StatusCode::CREATED);
    app.paid_order(&token, address, &[(tea, 10)]).await;
    assert_eq!(low_stock().await, 2, "a new crossing after the restock");
    app.assert_clean().await;
}
app_test!(each_event_owes_its_message_once);

/// A guest is told by email in the language it shopped in, and the link in the email
/// opens its order without an account; the links of a password reset and an email
/// verification open their pages.
async fn a_guest_and_a_forgetful_customer_follow_their_links(db: TestDb) {
    let Some(sink) = SmtpSink::start() else { return };
    let app = mail_app(db, &sink).await;
    let staff = app.staff("boss").await;
    let tea = app.create_product(&staff, NewProduct::item(6_000, 10)).await;
    let cart = app
        .request(Method::POST, "/api/v1/carts")
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let cart = json_of(cart, StatusCode::CREATED).await["cart_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let put = app
        .request(Method::PUT, &format!("/api/v1/cart/items/{tea}"))
        .header("cart-token", &cart)
        .json(&json!({"quantity": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let guest = json!({"email": "guest@example.com", "address": {"recipient": "Li Lei", "phone": "+86 139 0000 0000", "line1": "1 Nanjing Rd", "city": "Shanghai", "country": "CN"}});
    let placed = app
        .request(Method::POST, "/api/v1/orders")
        .header("cart-token", &cart)
        .json(&guest)
        .send()
        .await
        .unwrap();
    let order = json_of(placed, StatusCode::CREATED).await;
    let id = order["id"].as_i64().unwrap();
    app.run_jobs().await;
    let mail = sink.received();
    let placed = mail_to(&mail, "guest@example.com", &format!("Order #{id} placed"));
    assert!(placed.text.contains("¥120.00"), "{}", placed.text);
    let link = format!(
        "http://{}/orders/{id}?access={}",
        app.addr,
        order["access_token"].as_str().unwrap()
    );
    assert_eq!(links(&app, &placed.text), std::slice::from_ref(&link));
    let (status, page) = follow(&link, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("#{id}")), "the link opens the order");

    // A customer who forgot the password: the link opens the reset form.
    let registered = app
        .post(
            "/api/v1/auth/register",
            json!({"username": "ruth", "password": "password123", "email": "ruth@example.com"}),
        )
        .await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let reset = app.post("/api/v1/auth/password-reset", json!({"login": "ruth"})).await;
    assert_eq!(reset.status(), StatusCode::ACCEPTED);
    let mut mail = Vec::new();
    for _ in 0..100 {
        app.run_jobs().await;
        mail = sink.received();
        if mail.iter().filter(|m| m.rcpt_tos == ["ruth@example.com"]).count() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let to_ruth: Vec<&Received> = mail.iter().filter(|m| m.rcpt_tos == ["ruth@example.com"]).collect();
    assert_eq!(to_ruth.len(), 2, "{:#?}", subjects(&mail));
    for (path, message) in [
        ("/account/verify-email?token=", to_ruth[0]),
        ("/account/reset?token=", to_ruth[1]),
    ] {
        let found = links(&app, &message.text);
        assert!(found.iter().any(|l| l.contains(path)), "{path} in {}", message.text);
        let link = found.iter().find(|l| l.contains(path)).unwrap();
        let (status, _) = follow(link, None).await;
        assert_eq!(status, StatusCode::OK, "{link}");
    }
    // Once sent, the messages no longer hold their tokens.
    let kept: i64 = query_scalar("SELECT COUNT(*) FROM messages WHERE secret IS NOT NULL")
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    assert_eq!(kept, 0);
    app.assert_clean().await;
}
emporium_testkit::engine_test!(a_guest_and_a_forgetful_customer_follow_their_links);
