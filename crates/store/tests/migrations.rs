//! The migrations: both engines' files build the same schema (the store's one SQL text
//! depends on it), migration 0006 upgrades remembered idempotent answers in place, and
//! 0015 makes existing staff owners and gives existing phone numbers their blind index.

use std::collections::BTreeMap;
use std::time::Duration;

use emporium_domain::time::Timestamp;
use emporium_store::idempotency::{AnswerKind, IdempotencyKey, Idempotent, StoredAnswer};
use emporium_store::orders::PlaceOrder;
use emporium_store::payments::PaymentStart;
use emporium_store::refunds::RefundAsk;
use emporium_store::{Engine, Store};
use emporium_testkit::{TestDb, engine_test};
use sqlx::{AnyConnection, Connection, Row};

const NOW: Timestamp = Timestamp::from_millis(1_764_000_000_000);

/// A column as both engines can describe it: its kind of value and whether it may be NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ColumnShape {
    /// `integer`, `text` or `bytes`.
    class: String,
    nullable: bool,
}

/// Every table of the store (not the migrator's own) and its columns by name.
type Schema = BTreeMap<String, BTreeMap<String, ColumnShape>>;

/// The class of a declared or reported column type. The schema holds BIGINT and TEXT
/// (plus one blob); SQLite's `INTEGER PRIMARY KEY` is PostgreSQL's identity BIGINT.
fn class_of(declared: &str) -> String {
    match declared.to_ascii_lowercase().as_str() {
        "bigint" | "integer" | "int" | "int8" => "integer",
        "text" | "character varying" | "varchar" => "text",
        "blob" | "bytea" => "bytes",
        other => other,
    }
    .to_owned()
}

async fn schema_of(db: &TestDb, engine: Engine) -> Schema {
    let store = db.open().await;
    // Names come back as TEXT on both engines (information_schema's own domains are not
    // types sqlx's Any driver decodes).
    let sql = match engine {
        Engine::Sqlite => {
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type,
                    CASE WHEN p.\"notnull\" = 0 AND p.pk = 0 THEN 1 ELSE 0 END AS nullable
             FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'"
        }
        Engine::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS table_name, CAST(column_name AS TEXT) AS column_name,
                    CAST(data_type AS TEXT) AS data_type,
                    CAST(CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS BIGINT) AS nullable
             FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'"
        }
    };
    let rows = sqlx::query(sql)
        .fetch_all(store.reader())
        .await
        .expect("read the schema");
    let mut schema = Schema::new();
    for row in rows {
        let column = ColumnShape {
            class: class_of(&row.get::<String, _>("data_type")),
            nullable: row.get::<i64, _>("nullable") == 1,
        };
        schema
            .entry(row.get("table_name"))
            .or_default()
            .insert(row.get("column_name"), column);
    }
    store.close().await;
    schema
}

/// Every difference between the two schemas, one line each.
fn differences(sqlite: &Schema, postgres: &Schema) -> Vec<String> {
    let mut found = Vec::new();
    for table in sqlite.keys().chain(postgres.keys()) {
        match (sqlite.get(table), postgres.get(table)) {
            (Some(lite), Some(pg)) => {
                for column in lite.keys().chain(pg.keys()) {
                    let (l, p) = (lite.get(column), pg.get(column));
                    if l != p {
                        found.push(format!("{table}.{column}: SQLite {l:?}, PostgreSQL {p:?}"));
                    }
                }
            }
            (lite, _) => found.push(format!(
                "table {table} only on {}",
                if lite.is_some() { "SQLite" } else { "PostgreSQL" }
            )),
        }
    }
    found.dedup();
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_engines_build_the_same_tables_and_columns() {
    let Some(postgres) = TestDb::postgres().await else {
        return;
    };
    let sqlite = TestDb::sqlite();
    let (lite, pg) = (
        schema_of(&sqlite, Engine::Sqlite).await,
        schema_of(&postgres, Engine::Postgres).await,
    );
    assert!(
        lite.contains_key("idempotency_keys") && lite.len() > 20,
        "schema not read: {lite:?}"
    );
    let found = differences(&lite, &pg);
    assert!(found.is_empty(), "the migrations disagree:\n{}", found.join("\n"));
}

/// SQLite evaluates a CHECK's `x IN ('a', 'b', 'c')` (three values or more) by building a
/// temporary b-tree on every write it checks (migration 0019 says more), so on SQLite no
/// CHECK may hold such a list, and the rewritten ones still refuse what they refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_checks_hold_no_long_in_lists_and_still_refuse() {
    let db = TestDb::sqlite();
    let _store = db.open().await;
    let mut conn = AnyConnection::connect(&db.url).await.expect("connect");
    let tables: Vec<(String, String)> = sqlx::query("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        .fetch_all(&mut conn)
        .await
        .expect("schema")
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
        .collect();
    assert!(tables.len() > 20, "schema not read");
    let mut long_lists = Vec::new();
    for (name, sql) in &tables {
        for (at, _) in sql.match_indices(" IN (") {
            let list = &sql[at + 5..];
            let list = &list[..list.find(')').unwrap_or(list.len())];
            if list.matches(',').count() >= 2 {
                long_lists.push(format!("{name}: IN ({list})"));
            }
        }
    }
    assert!(long_lists.is_empty(), "write these as OR of equalities: {long_lists:?}");
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .expect("integrity check");
    assert_eq!(integrity, "ok", "the schema edited in place");
    for sql in [
        "INSERT INTO messages (event_key, kind, channel, locale, status, next_attempt_at, created_at)
         VALUES ('k', 'order_placed', 'email', 'en', 'lost', 0, 0)",
        "INSERT INTO products (name, description, price, currency, status, created_at, updated_at)
         VALUES ('p', '', 1, 'CNY', 'gone', 0, 0)",
    ] {
        let refused = sqlx::query(sql)
            .execute(&mut conn)
            .await
            .expect_err("a status outside the list");
        assert!(refused.to_string().contains("CHECK constraint failed"), "{refused}");
    }
}

/// Staff from before roles become owners (in SQL), and customers' phone numbers written
/// before the blind index get theirs when the store opens (`Store::index_phones`).
async fn staff_become_owners_and_phones_are_indexed_after_0015(db: TestDb) {
    sqlx::any::install_default_drivers();
    let (url, migrator) = if db.url.starts_with("sqlite:") {
        (format!("{}?mode=rwc", db.url), sqlx::migrate!("./migrations/sqlite"))
    } else {
        (db.url.clone(), sqlx::migrate!("./migrations/postgres"))
    };
    let mut old = AnyConnection::connect(&url).await.expect("connect");
    migrator.run_to(13, &mut old).await.expect("migrate to 0013");
    for (name, role, phone) in [
        ("boss", "staff", None),
        ("carol", "customer", Some("+86 137 0000 2222")),
        ("dave", "customer", None),
    ] {
        sqlx::query(
            "INSERT INTO users (username, username_key, password_hash, phone, role, created_at, updated_at)
             VALUES ($1, $1, 'x', $2, $3, 0, 0)",
        )
        .bind(name)
        .bind(phone)
        .bind(role)
        .execute(&mut old)
        .await
        .expect("a user of 0013");
    }
    old.close().await.expect("close");

    let store: Store = db.open().await;
    let (boss, _) = store.credentials("boss").await.expect("read").expect("boss");
    assert_eq!(boss.staff_role, Some(emporium_domain::staff::StaffRole::Owner));
    assert!(boss.may(emporium_domain::staff::Permission::Staff));
    let (carol, _) = store.credentials("carol").await.expect("read").expect("carol");
    assert_eq!(carol.staff_role, None);
    assert_eq!(carol.permissions(), emporium_domain::staff::Permissions::NONE);
    let found = store.customers(Some("13700002222"), None, 10).await.expect("search");
    let names: Vec<&str> = found.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["carol"], "found by the index written at open");
    assert_eq!(store.index_phones().await.expect("index"), 0, "nothing left to index");
}
engine_test!(staff_become_owners_and_phones_are_indexed_after_0015);

/// A database migrated up to 0005, the schema before stored answers.
async fn at_0005(db: &TestDb, engine: Engine) -> AnyConnection {
    sqlx::any::install_default_drivers();
    let (url, migrator) = match engine {
        Engine::Sqlite => (format!("{}?mode=rwc", db.url), sqlx::migrate!("./migrations/sqlite")),
        Engine::Postgres => (db.url.clone(), sqlx::migrate!("./migrations/postgres")),
    };
    let mut conn = AnyConnection::connect(&url).await.expect("connect");
    migrator.run_to(5, &mut conn).await.expect("migrate to 0005");
    conn
}

fn replay<T>(kind: AnswerKind, body: &str) -> Idempotent<T> {
    Idempotent::Replay(StoredAnswer {
        kind,
        body: body.into(),
    })
}

fn key(scope: &str) -> IdempotencyKey {
    IdempotencyKey {
        user_id: 7,
        scope: scope.into(),
        key: "k-1".into(),
        request_hash: "h".into(),
    }
}

async fn answers_remembered_before_0006_replay_after_it(db: TestDb) {
    let engine = if db.url.starts_with("sqlite:") {
        Engine::Sqlite
    } else {
        Engine::Postgres
    };
    let mut old = at_0005(&db, engine).await;
    for (scope, body) in [
        ("POST /orders", r#"{"id":1}"#),
        ("checkout page", "1"),
        ("POST /orders/1/pay", r#"{"payment_id":2}"#),
        ("POST /orders/1/refunds", r#"{"id":3}"#),
    ] {
        sqlx::query(
            "INSERT INTO idempotency_keys (user_id, scope, key, request_hash, status, body, created_at)
             VALUES (7, $1, 'k-1', 'h', 201, $2, 0)",
        )
        .bind(scope)
        .bind(body)
        .execute(&mut old)
        .await
        .expect("a remembered answer of 0005");
    }
    old.close().await.expect("close");

    let store: Store = db.open().await;
    let place = |scope: &str| {
        let request = PlaceOrder {
            user_id: 7,
            address_id: 1,
            note: None,
            pay_deadline: NOW.plus(Duration::from_secs(1800)),
            shipping_method_id: None,
            coupon_codes: Vec::new(),
            invoice: None,
            guest: None,
        };
        store.place_order(request, Some(key(scope)), std::sync::Arc::new(|_| String::new()), NOW)
    };
    assert_eq!(
        place("POST /orders").await.expect("replayed"),
        replay(AnswerKind::Order, r#"{"id":1}"#)
    );
    assert_eq!(
        place("checkout page").await.expect("replayed"),
        replay(AnswerKind::Order, "1")
    );
    let paid = store
        .begin_payment(
            1,
            7,
            ("sandbox".into(), None),
            std::sync::Arc::new(|_: &str| true),
            Some(key("POST /orders/1/pay")),
            NOW,
        )
        .await
        .expect("replayed");
    assert_eq!(
        paid,
        PaymentStart::Replay(StoredAnswer {
            kind: AnswerKind::Payment,
            body: r#"{"payment_id":2}"#.into()
        })
    );
    let ask = RefundAsk {
        order_id: 1,
        owner: 7,
        amount: None,
        reason: "r".into(),
        lines: Vec::new(),
    };
    let refund = store
        .request_refund(
            ask,
            Some(key("POST /orders/1/refunds")),
            std::sync::Arc::new(|_| String::new()),
            NOW,
        )
        .await
        .expect("replayed");
    assert_eq!(refund, replay(AnswerKind::Refund, r#"{"id":3}"#));
    store.close().await;
}
engine_test!(answers_remembered_before_0006_replay_after_it);
