//! The links the account messages carry, read back as a test's mailbox would: the token
//! of the newest message of a kind for a user, opened from its sealed `secret` column.

use std::time::Duration;

use sqlx::Row;

use super::TestApp;

impl TestApp {
    /// The token carried by the newest `kind` message (`password_reset`, `verify_email`)
    /// for `user_id`, once it is written (a reset request writes it after answering, so
    /// this waits for it, up to a few seconds of real time).
    pub async fn message_token(&self, kind: &str, user_id: i64) -> String {
        for _ in 0..100 {
            let row = sqlx::query(
                "SELECT event_key, secret FROM messages WHERE kind = $1 AND user_id = $2 AND secret IS NOT NULL ORDER BY id DESC",
            )
            .bind(kind)
            .bind(user_id)
            .fetch_optional(self.store.reader())
            .await
            .expect("messages");
            if let Some(row) = row {
                let key: String = row.try_get("event_key").expect("event_key");
                let sealed: String = row.try_get("secret").expect("secret");
                return self
                    .store
                    .sealer()
                    .open(&format!("messages/{key}"), sealed)
                    .expect("the secret opens");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no {kind} message for user {user_id}")
    }

    /// The id of the account named `username`.
    pub async fn user_id(&self, username: &str) -> i64 {
        let row = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(self.store.reader())
            .await
            .expect("user");
        row.try_get("id").expect("id")
    }
}
