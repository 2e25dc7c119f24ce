//! The SMTP client against a real server (aiosmtpd, `.ci/smtp.sh`): a message arrives as
//! `multipart/alternative` with its fixed `Message-ID`, and a URL that requires STARTTLS
//! sends nothing to a server that does not offer it.

#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use emporium_app::messages::mail::{Email, MailConfig, MailError, Mailer, Security};
use emporium_testkit::smtp::SmtpSink;

fn email() -> Email {
    Email {
        to: vec!["li@example.com".into()],
        message_id: "message-1@shop.test".into(),
        subject: "[Emporium] 订单 #1 已付款".into(),
        text: "合计 ¥1,597.00".into(),
        html: "<p>合计 ¥1,597.00</p>".into(),
    }
}

#[tokio::test]
async fn mail_arrives_and_starttls_when_required_is_never_skipped() {
    let Some(sink) = SmtpSink::start() else { return };
    let mut config = MailConfig::parse(&sink.url(), "Emporium <shop@example.com>").unwrap();
    assert_eq!(
        config.smtp.security,
        Security::StartTlsIfOffered,
        "a relay on this machine"
    );
    Mailer::new(&config, "127.0.0.1").unwrap().send(&email()).await.unwrap();
    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].rcpt_tos, ["li@example.com"]);
    assert_eq!(received[0].subject, "[Emporium] 订单 #1 已付款");
    assert_eq!(received[0].message_id, "<message-1@shop.test>");
    assert_eq!(received[0].content_type, "multipart/alternative");
    assert_eq!(received[0].text.trim_end(), "合计 ¥1,597.00");
    assert_eq!(received[0].html.trim_end(), "<p>合计 ¥1,597.00</p>");

    // As for any other host: STARTTLS or nothing. This server does not offer it.
    config.smtp.security = Security::StartTls;
    let strict = Mailer::new(&config, "shop.test").unwrap();
    assert!(matches!(strict.send(&email()).await, Err(MailError::Server(_))));
    assert_eq!(sink.received().len(), 1, "nothing went in clear text");

    let mut bad = email();
    bad.to = vec!["not an address".into()];
    assert!(matches!(
        Mailer::new(&config, "shop.test").unwrap().send(&bad).await,
        Err(MailError::BadAddress(_))
    ));
}
