//! The store suite: every test runs on SQLite and, when configured, on PostgreSQL.

use emporium_testkit::TestDb;
use std::sync::Arc;
use std::time::Duration;

use emporium_domain::account::{Phone, Role, Username};
use emporium_domain::address::{AddressInput, NewAddress};
use emporium_domain::throttle;
use emporium_domain::time::Timestamp;
use emporium_store::accounts::{NewSession, NewUser, ProfileChanges};
use emporium_store::{Store, StoreError};
use emporium_testkit::engine_test;

const NOW: Timestamp = Timestamp::from_millis(1_764_000_000_000);

fn new_user(name: &str) -> NewUser {
    NewUser {
        username: Username::parse(name).expect("valid name"),
        password_hash: "$2b$04$hash".into(),
        email: None,
        role: Role::Customer,
    }
}

fn address(recipient: &str) -> NewAddress {
    NewAddress::parse(AddressInput {
        recipient,
        phone: "+86 138 0000 0000",
        line1: "1 Main St",
        city: "Shanghai",
        country: "CN",
        ..Default::default()
    })
    .expect("valid address")
}

fn session(token_hash: &str, ttl: Duration) -> NewSession {
    NewSession {
        token_hash: token_hash.into(),
        created_at: NOW,
        expires_at: NOW.plus(ttl),
    }
}

async fn user_count(store: &Store) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(store.reader())
        .await
        .expect("count")
}

async fn usernames_are_unique_in_any_letter_case(db: TestDb) {
    let store = db.open().await;
    let alice = store.create_user(new_user("Alice"), NOW).await.expect("created");
    assert_eq!(alice.username, "Alice");
    assert!(matches!(
        store.create_user(new_user("alice"), NOW).await,
        Err(StoreError::UsernameTaken)
    ));
    let (found, hash) = store.credentials("ALICE").await.expect("query").expect("found");
    assert_eq!((found.id, hash.as_str()), (alice.id, "$2b$04$hash"));
    assert!(store.credentials("bob").await.expect("query").is_none());
}
engine_test!(usernames_are_unique_in_any_letter_case);

async fn sessions_expire_and_are_revoked(db: TestDb) {
    let store = db.open().await;
    let user = store.create_user(new_user("carol"), NOW).await.expect("created");
    let first = store
        .create_session(&user, session("h1", Duration::from_secs(60)))
        .await
        .expect("session");
    let second = store
        .create_session(&user, session("h2", Duration::from_secs(3600)))
        .await
        .expect("session");
    assert_eq!(
        store.session("h1", NOW).await.expect("query").map(|s| s.id),
        Some(first)
    );
    // Expired at its expiry instant.
    assert!(
        store
            .session("h1", NOW.plus(Duration::from_secs(60)))
            .await
            .expect("query")
            .is_none()
    );
    // A password change keeps the current session and ends the others.
    store
        .change_password(user.id, second, "$2b$04$new".into(), NOW)
        .await
        .expect("changed");
    assert!(store.session("h1", NOW).await.expect("query").is_none());
    assert_eq!(
        store.session("h2", NOW).await.expect("query").map(|s| s.user.id),
        Some(user.id)
    );
    store.delete_session(second).await.expect("logout");
    assert!(store.session("h2", NOW).await.expect("query").is_none());
    assert_eq!(store.password_hash(user.id).await.expect("hash"), "$2b$04$new");
}
engine_test!(sessions_expire_and_are_revoked);

async fn cached_sessions_still_expire_and_end_with_logout(db: TestDb) {
    let here = db.open().await;
    // A second store on the same database: another instance, or another process.
    let elsewhere = db.open().await;
    let user = here.create_user(new_user("dora"), NOW).await.expect("created");
    let short = here
        .create_session(&user, session("brief", Duration::from_millis(400)))
        .await
        .expect("session");
    assert_eq!(
        here.session("brief", NOW).await.expect("query").map(|s| s.id),
        Some(short)
    );
    // Cached, yet refused at its expiry, well inside the cache's lifetime.
    assert!(
        here.session("brief", NOW.plus(Duration::from_millis(400)))
            .await
            .expect("query")
            .is_none()
    );

    let id = here
        .create_session(&user, session("long", Duration::from_secs(3600)))
        .await
        .expect("session");
    for store in [&here, &elsewhere] {
        assert_eq!(store.session("long", NOW).await.expect("query").map(|s| s.id), Some(id));
    }
    here.delete_session(id).await.expect("logout");
    assert!(
        here.session("long", NOW).await.expect("query").is_none(),
        "refused at once where it ended"
    );
    // The other store honours its copy for at most the cache's lifetime, as documented.
    let lifetime = emporium_store::DEFAULT_SESSION_CACHE;
    assert!(elsewhere.session("long", NOW).await.expect("query").is_some());
    assert!(
        elsewhere
            .session("long", NOW.plus(lifetime))
            .await
            .expect("query")
            .is_none()
    );
}
engine_test!(cached_sessions_still_expire_and_end_with_logout);

async fn a_lookup_begun_after_a_logout_was_acknowledged_never_finds_the_session(db: TestDb) {
    let store = db.open().await;
    let user = store.create_user(new_user("erin"), NOW).await.expect("created");
    let mut ids = vec![0];
    for k in 1..=120 {
        ids.push(
            store
                .create_session(&user, session(&format!("t{k}"), Duration::from_secs(3600)))
                .await
                .expect("session"),
        );
    }
    // The highest k whose logout has been acknowledged.
    let revoked = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let mut readers = Vec::new();
    for _ in 0..8 {
        let (store, revoked) = (store.clone(), revoked.clone());
        readers.push(tokio::spawn(async move {
            let mut lookups = 0u32;
            loop {
                let r = revoked.load(std::sync::atomic::Ordering::Acquire);
                if r > 0 {
                    let seen = store.session(&format!("t{r}"), NOW).await.expect("query");
                    assert!(seen.is_none(), "session t{r} found after its logout was acknowledged");
                }
                if r == 120 {
                    return lookups;
                }
                // Looks up (and caches) the next one to go, racing its logout.
                store.session(&format!("t{}", r + 1), NOW).await.expect("query");
                lookups += 1;
                tokio::task::yield_now().await;
            }
        }));
    }
    for (k, id) in ids.iter().enumerate().skip(1) {
        store.delete_session(*id).await.expect("logout");
        revoked.store(k as i64, std::sync::atomic::Ordering::Release);
    }
    let mut lookups = 0;
    for r in readers {
        lookups += r.await.expect("reader");
    }
    assert!(lookups > 120, "the readers raced the logouts ({lookups} lookups)");
}
engine_test!(a_lookup_begun_after_a_logout_was_acknowledged_never_finds_the_session);

/// The throttle's buckets: racing attempts get exactly the budget through, a refusal
/// takes nothing from the other buckets, the window reopens, and a successful login
/// empties its pair and makes the address known.
async fn login_attempts_are_taken_atomically_up_to_the_budget(db: TestDb) {
    let store = db.open().await;
    let buckets = throttle::login_buckets(Some("dave"), "192.0.2.1", false);
    let racers: Vec<_> = (0..40)
        .map(|_| {
            let store = store.clone();
            let buckets = buckets.clone();
            tokio::spawn(async move { store.take_login_attempt(buckets, NOW).await })
        })
        .collect();
    let mut allowed = 0;
    for racer in racers {
        match racer.await.expect("task") {
            Ok(()) => allowed += 1,
            Err(StoreError::Throttled(wait)) => assert!(wait > Duration::from_secs(14 * 60), "{wait:?}"),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(allowed, throttle::PER_PAIR, "exactly the budget got through");

    // The refused attempts took nothing from the address bucket: another name from the
    // same address has the address's budget minus the ten attempts that went through.
    let elsewhere = throttle::login_buckets(Some("erin"), "192.0.2.1", false);
    store
        .take_login_attempt(elsewhere.clone(), NOW)
        .await
        .expect("the address has room");
    let counted: i64 = sqlx::query_scalar("SELECT attempts FROM login_attempts WHERE bucket = 'address:192.0.2.1'")
        .fetch_one(store.reader())
        .await
        .expect("count");
    assert_eq!(counted, throttle::PER_PAIR + 1);

    // A known address skips the account's bucket, which strangers have spent.
    assert!(matches!(
        store
            .take_login_attempt(throttle::login_buckets(Some("dave"), "192.0.2.2", false), NOW)
            .await,
        Err(StoreError::Throttled(_))
    ));
    let since = NOW.minus(throttle::KNOWN_FOR);
    assert!(
        !store
            .knows_login_address("Dave", "192.0.2.2", since)
            .await
            .expect("query")
    );
    store.login_succeeded("Dave", "192.0.2.2", NOW).await.expect("recorded");
    assert!(
        store
            .knows_login_address("dave", "192.0.2.2", since)
            .await
            .expect("query")
    );
    store
        .take_login_attempt(throttle::login_buckets(Some("dave"), "192.0.2.2", true), NOW)
        .await
        .expect("the owner's address gets in");

    // The window reopens after fifteen minutes.
    let later = NOW.plus(throttle::WINDOW);
    store.take_login_attempt(buckets, later).await.expect("a new window");
    store
        .forget_old_login_attempts(later.plus(Duration::from_secs(1)))
        .await
        .expect("swept");
}
engine_test!(login_attempts_are_taken_atomically_up_to_the_budget);

async fn profiles_change_only_the_fields_given(db: TestDb) {
    let store = db.open().await;
    let user = store.create_user(new_user("erin"), NOW).await.expect("created");
    let phone = Phone::parse("phone", "+1 555 0100").expect("phone");
    let changed = store
        .update_profile(
            user.id,
            ProfileChanges {
                phone: Some(Some(phone)),
                ..Default::default()
            },
            NOW,
        )
        .await
        .expect("updated");
    assert_eq!(changed.phone.as_deref(), Some("+1 555 0100"));
    assert_eq!(changed.display_name, None);
    let cleared = store
        .update_profile(
            user.id,
            ProfileChanges {
                phone: Some(None),
                ..Default::default()
            },
            NOW,
        )
        .await
        .expect("updated");
    assert_eq!(cleared.phone, None);
    assert!(matches!(
        store.update_profile(9999, ProfileChanges::default(), NOW).await,
        Err(StoreError::NotFound(_))
    ));
}
engine_test!(profiles_change_only_the_fields_given);

async fn address_books_are_private_and_capped(db: TestDb) {
    let store = db.open().await;
    let frank = store.create_user(new_user("frank"), NOW).await.expect("created");
    let grace = store.create_user(new_user("grace"), NOW).await.expect("created");
    let a = store.add_address(frank.id, address("Frank"), NOW).await.expect("added");
    assert!(matches!(
        store.delete_address(grace.id, a.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.addresses(grace.id).await.expect("list").is_empty());
    for i in 1..20 {
        store
            .add_address(frank.id, address(&format!("F{i}")), NOW)
            .await
            .expect("added");
    }
    assert!(matches!(
        store.add_address(frank.id, address("one too many"), NOW).await,
        Err(StoreError::LimitReached(_))
    ));
    store.delete_address(frank.id, a.id).await.expect("deleted");
    assert_eq!(store.addresses(frank.id).await.expect("list").len(), 19);
}
engine_test!(address_books_are_private_and_capped);

async fn concurrent_writers_never_see_busy_and_failures_stay_isolated(db: TestDb) {
    // 300 concurrent registrations, a third of them duplicates: every unique name is
    // stored, every duplicate is refused as taken, and nothing else goes wrong. On
    // SQLite the operations share commits, so this also shows that one operation's
    // failure (a savepoint rolled back) does not undo its batch-mates.
    let store = Arc::new(db.open().await);
    let tasks: Vec<_> = (0..300)
        .map(|i| {
            let store = Arc::clone(&store);
            let name = format!("user{}", i % 200);
            tokio::spawn(async move { store.create_user(new_user(&name), NOW).await })
        })
        .collect();
    let (mut created, mut taken) = (0, 0);
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => created += 1,
            Err(StoreError::UsernameTaken) => taken += 1,
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!((created, taken), (200, 100));
    assert_eq!(user_count(&store).await, 200);
}
engine_test!(concurrent_writers_never_see_busy_and_failures_stay_isolated);

async fn acknowledged_writes_survive_a_reopen(db: TestDb) {
    let store = db.open().await;
    store.create_user(new_user("heidi"), NOW).await.expect("created");
    store.close().await;
    let reopened = db.open().await;
    assert!(reopened.credentials("heidi").await.expect("query").is_some());
    assert_eq!(user_count(&reopened).await, 1);
}
engine_test!(acknowledged_writes_survive_a_reopen);

async fn a_failed_operation_leaves_no_trace(db: TestDb) {
    let store = db.open().await;
    let result: Result<(), StoreError> = store
        .write(|conn| {
            Box::pin(async move {
                emporium_store::db::query(
                    "INSERT INTO login_attempts (bucket, window_opened, attempts) VALUES ('x', 1, 1)",
                )
                .execute(&mut *conn)
                .await?;
                Err(StoreError::NotFound("row"))
            })
        })
        .await;
    assert!(matches!(result, Err(StoreError::NotFound(_))));
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_attempts")
        .fetch_one(store.reader())
        .await
        .expect("count");
    assert_eq!(n, 0);
}
engine_test!(a_failed_operation_leaves_no_trace);

async fn a_panicking_operation_does_not_break_the_write_path(db: TestDb) {
    let store = db.open().await;
    let result: Result<(), StoreError> = store
        .write(|conn| {
            Box::pin(async move {
                emporium_store::db::query(
                    "INSERT INTO login_attempts (bucket, window_opened, attempts) VALUES ('x', 1, 1)",
                )
                .execute(&mut *conn)
                .await?;
                panic!("a bug in an operation");
            })
        })
        .await;
    // The panic becomes the operation's error, its changes are undone, and the write
    // path (on SQLite, the single writer task) carries on.
    assert!(matches!(result, Err(StoreError::Panicked)), "{result:?}");
    store
        .create_user(new_user("after_the_panic"), NOW)
        .await
        .expect("writes still work");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_attempts")
        .fetch_one(store.reader())
        .await
        .expect("count");
    assert_eq!(n, 0);
}
engine_test!(a_panicking_operation_does_not_break_the_write_path);

/// The SQLite writer runs on its own connection (not sqlx's), so the settings durability
/// and integrity rest on are asserted on that connection itself.
#[tokio::test]
async fn the_sqlite_writer_flushes_every_commit_and_enforces_foreign_keys() {
    let db = emporium_testkit::TestDb::new(emporium_store::Engine::Sqlite)
        .await
        .expect("sqlite");
    let store = db.open().await;
    let settings = store
        .write(|conn| {
            Box::pin(async move {
                let journal: String = emporium_store::db::query_scalar("PRAGMA journal_mode")
                    .fetch_one(&mut *conn)
                    .await?;
                let synchronous: i64 = emporium_store::db::query_scalar("PRAGMA synchronous")
                    .fetch_one(&mut *conn)
                    .await?;
                let foreign_keys: i64 = emporium_store::db::query_scalar("PRAGMA foreign_keys")
                    .fetch_one(&mut *conn)
                    .await?;
                Ok((journal, synchronous, foreign_keys))
            })
        })
        .await
        .expect("pragmas");
    // FULL = 2: every commit is flushed before the writer answers.
    assert_eq!(settings, ("wal".to_owned(), 2, 1));
    let orphan: Result<(), StoreError> = store
        .write(|conn| {
            Box::pin(async move {
                emporium_store::db::query("INSERT INTO addresses (user_id, recipient, phone, line1, city, country, created_at) VALUES (999, 'x', 'x', 'x', 'x', 'CN', 0)")
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await;
    let error = orphan.expect_err("no user 999");
    assert!(
        matches!(&error, StoreError::Database(sqlx::Error::Database(e)) if e.is_foreign_key_violation()),
        "{error:?}"
    );
}
