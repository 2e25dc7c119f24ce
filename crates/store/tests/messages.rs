//! The outbox in the store: an event's key owes one message however often it is told,
//! a message is claimed by one caller at a time, its outcome is recorded only under the
//! lease that claimed it, and `emporium check` catches a sent message that kept its
//! secret.

use emporium_domain::message::{Channel, MessageKind, MessageStatus};
use emporium_domain::time::Timestamp;
use emporium_store::Store;
use emporium_store::db::query;
use emporium_store::messages::{Delivered, MessageFilter, NewMessage, enqueue_in};
use emporium_testkit::{TestDb, engine_test};

const NOW: Timestamp = Timestamp::from_millis(1_750_000_000_000);

async fn owe(store: &Store, message: NewMessage) {
    let sealer = store.sealer().clone();
    store
        .write(move |conn| Box::pin(async move { enqueue_in(conn, &sealer, &message, NOW).await }))
        .await
        .expect("owed");
}

fn reset(key: &str) -> NewMessage {
    NewMessage {
        event_key: key.to_owned(),
        kind: MessageKind::PasswordReset,
        user_id: None,
        order_id: None,
        recipient: Some("someone@example.com".into()),
        detail: None,
        secret: Some("the-token".into()),
    }
}

async fn one_claim_one_outcome_and_no_kept_secret(db: TestDb) {
    let store = db.open().await;
    // A shop with a mail server: emails wait to be sent (without one they are held at once).
    store.set_mail_configured(true).await.expect("mail on");
    owe(&store, reset("user:1:password_reset:1")).await;
    owe(&store, reset("user:1:password_reset:1")).await;
    let due = store.due_messages(NOW, 10).await.expect("due");
    assert_eq!(due.len(), 1, "one event key, one message");
    let (id, channel) = due[0];
    assert_eq!(channel, Channel::Email);

    let lease = NOW.plus(std::time::Duration::from_secs(60));
    let (a, b) = tokio::join!(store.claim_message(id, NOW, lease), store.claim_message(id, NOW, lease));
    let claims: Vec<_> = [a.expect("claim"), b.expect("claim")].into_iter().flatten().collect();
    assert_eq!(claims.len(), 1, "one of two concurrent claims wins");
    let claimed = &claims[0];
    assert_eq!(claimed.secret.as_deref(), Some("the-token"));
    assert_eq!(claimed.message.recipient.as_deref(), Some("someone@example.com"));
    assert!(store.due_messages(NOW, 10).await.expect("due").is_empty(), "leased");

    // Another claim's outcome (its lease long gone) is not recorded.
    let mut stale = claimed.clone();
    stale.lease_until = NOW;
    assert!(
        !store
            .finish_message(&stale, Delivered::Sent, NOW)
            .await
            .expect("finish")
    );
    assert!(
        store
            .finish_message(claimed, Delivered::Sent, NOW)
            .await
            .expect("finish")
    );
    let message = store.message(claimed.message.id).await.expect("read").expect("message");
    assert_eq!((message.status, message.attempts), (MessageStatus::Sent, 1));
    assert!(!message.holds_secret, "a sent link is not kept");
    assert_eq!(message.sent_at, Some(NOW));
    let (_, violations) = store.check_invariants().await.expect("check");
    assert!(violations.is_empty(), "{violations:#?}");

    // Were a sent message to keep its secret, `emporium check` would say so.
    let id = message.id;
    store
        .write(move |conn| {
            Box::pin(async move {
                query("UPDATE messages SET secret = 'x' WHERE id = $1")
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
        .expect("tampered");
    let (_, violations) = store.check_invariants().await.expect("check");
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].subject, format!("message {id}"));
}
engine_test!(one_claim_one_outcome_and_no_kept_secret);

async fn retries_wait_and_resends_are_new_rows(db: TestDb) {
    let store = db.open().await;
    // A shop with a mail server: emails wait to be sent (without one they are held at once).
    store.set_mail_configured(true).await.expect("mail on");
    owe(
        &store,
        NewMessage {
            secret: None,
            kind: MessageKind::RefundPaid,
            ..reset("refund:9:paid")
        },
    )
    .await;
    let (id, channel) = store.due_messages(NOW, 10).await.expect("due")[0];
    assert_eq!(channel, Channel::Email);
    let claimed = store
        .claim_message(id, NOW, NOW.plus(std::time::Duration::from_secs(60)))
        .await
        .expect("claim")
        .expect("claimed");
    let later = NOW.plus(std::time::Duration::from_secs(8));
    assert!(
        store
            .finish_message(&claimed, Delivered::Retry(later, "connection refused".into()), NOW)
            .await
            .expect("finish")
    );
    assert!(store.due_messages(NOW, 10).await.expect("due").is_empty());
    assert_eq!(
        store.due_messages(later, 10).await.expect("due"),
        [(id, Channel::Email)]
    );
    let copy = store.resend_message(id, NOW).await.expect("resent");
    assert_eq!(copy.event_key, "refund:9:paid:resend:1");
    assert_eq!(
        copy.recipient.as_deref(),
        Some("someone@example.com"),
        "re-sealed under its own key"
    );
    let again = store.resend_message(copy.id, NOW).await.expect("resent");
    assert_eq!(again.event_key, "refund:9:paid:resend:2");
    assert_eq!(
        store
            .hold_messages(Channel::Email, "no mail server configured", later)
            .await
            .expect("held"),
        3
    );
    assert!(
        store
            .messages(MessageFilter::User(1), 10)
            .await
            .expect("log")
            .is_empty()
    );
}
engine_test!(retries_wait_and_resends_are_new_rows);
