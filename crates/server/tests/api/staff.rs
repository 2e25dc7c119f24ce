//! Staff roles and customers in the admin: each role does its own areas and is refused
//! elsewhere, nobody hands out more than they hold, the last owner stays, disabled staff
//! and blocked customers lose their sessions, customers are found by every field
//! (their sealed phone numbers through the blind index), and the pages for all of it.

use emporium_domain::staff::StaffRole;
use emporium_domain::time::Clock as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app_test;
use crate::support::{NewProduct, TestApp, expect_problem, json_of};
use crate::web::Browser;

async fn id_of(app: &TestApp, token: &str) -> i64 {
    app.get_json("/api/v1/me", Some(token)).await["id"].as_i64().unwrap()
}

async fn patch_staff(app: &TestApp, token: &str, id: i64, body: Value) -> reqwest::Response {
    app.send(Method::PATCH, &format!("/api/v1/staff/{id}"), Some(token), Some(body))
        .await
}

async fn each_role_works_in_its_areas_and_nowhere_else(app: TestApp) {
    let owner = app.staff("owner_1").await;
    let tea = app
        .create_product(&owner, NewProduct::new("Longjing 龙井", 3_000).stocked(10, 700))
        .await;
    // What each area's first route answers to a role, as (role, area path, allowed).
    let reads = [
        ("/api/v1/inventory/valuation", "inventory"),
        ("/api/v1/refunds", "refunds"),
        ("/api/v1/customers", "customers"),
        ("/api/v1/admin/stats", "reports"),
        ("/api/v1/promotions", "settings"),
        ("/api/v1/staff", "staff"),
        ("/api/v1/roles", "staff"),
        (&format!("/api/v1/products/{tea}/stock-lots"), "inventory"),
    ];
    for role in StaffRole::ALL {
        let token = app.staff_as(&format!("r_{role}"), role).await;
        for (path, area) in &reads {
            let response = app.send(Method::GET, path, Some(&token), None).await;
            let allowed = role.permissions().iter().any(|p| p.as_str() == *area);
            if allowed {
                assert_eq!(response.status(), StatusCode::OK, "{role} GET {path}");
            } else {
                expect_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
            }
        }
        // A catalogue write: only the roles holding `catalogue`.
        let response = app
            .send(
                Method::PATCH,
                &format!("/api/v1/products/{tea}"),
                Some(&token),
                Some(json!({"price": 3_100})),
            )
            .await;
        if role.permissions().has(emporium_domain::staff::Permission::Catalogue) {
            assert_eq!(response.status(), StatusCode::OK, "{role} edits a product");
        } else {
            expect_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        }
        // Every staff member still sees the catalogue and their own profile.
        assert_eq!(
            app.send(Method::GET, "/api/v1/me", Some(&token), None).await.status(),
            StatusCode::OK
        );
    }
    let roles = app.get_json("/api/v1/roles", Some(&owner)).await;
    assert_eq!(
        roles["data"][0],
        json!({"role": "owner", "permissions": ["catalogue", "inventory", "fulfilment", "refunds", "customers", "reports", "settings", "staff"]})
    );
    assert_eq!(roles["data"][5], json!({"role": "analyst", "permissions": ["reports"]}));
}
app_test!(each_role_works_in_its_areas_and_nowhere_else);

async fn staff_are_created_changed_and_never_beyond_the_actor(app: TestApp) {
    let owner = app.staff("owner_1").await;
    // Made by the owner, with a role.
    let made = json_of(
        app.send(
            Method::POST,
            "/api/v1/staff",
            Some(&owner),
            Some(json!({"username": "mgr_1", "password": "manager-pass-1", "email": "mgr@example.com", "role": "manager"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(made["role"], "manager");
    assert!(!made["permissions"].as_array().unwrap().contains(&json!("staff")));
    let manager_id = made["id"].as_i64().unwrap();
    let manager: Value = app.login("mgr_1", "manager-pass-1").await.json().await.unwrap();
    let manager = manager["token"].as_str().unwrap().to_owned();
    // A manager cannot manage staff at all (no `staff` permission).
    expect_problem(
        app.send(Method::GET, "/api/v1/staff", Some(&manager), None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Validation: every bad field at once.
    let bad = app
        .send(
            Method::POST,
            "/api/v1/staff",
            Some(&owner),
            Some(json!({"username": "x", "password": "short", "role": "admin"})),
        )
        .await;
    let problem = expect_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["username", "password", "role"]);
    // Taken name.
    let taken = app
        .send(
            Method::POST,
            "/api/v1/staff",
            Some(&owner),
            Some(json!({"username": "MGR_1", "password": "manager-pass-1", "role": "analyst"})),
        )
        .await;
    expect_problem(taken, StatusCode::CONFLICT, "username_taken").await;
    // Nobody changes their own role, not even an owner.
    let owner_id = id_of(&app, &owner).await;
    expect_problem(
        patch_staff(&app, &owner, owner_id, json!({"role": "manager"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // A second owner, and an escalation attempt by someone holding `staff` but not all:
    // there is no such role, so an owner demoted to manager can no longer manage staff.
    let changed = json_of(
        patch_staff(&app, &owner, manager_id, json!({"role": "support"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["role"], "support");
    assert_eq!(changed["permissions"], json!(["fulfilment", "refunds", "customers"]));
    // The role shows at once in the manager's (now support's) session: the cache forgot it.
    expect_problem(
        app.send(Method::GET, "/api/v1/admin/stats", Some(&manager), None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(
        app.send(Method::GET, "/api/v1/customers", Some(&manager), None)
            .await
            .status(),
        StatusCode::OK
    );
    // Neither field: 422; unknown staff: 404; a customer's id is no staff member: 404.
    expect_problem(
        patch_staff(&app, &owner, manager_id, json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_problem(
        patch_staff(&app, &owner, 999_999, json!({"disabled": true})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let customer = app.customer("cust_1").await;
    let customer_id = id_of(&app, &customer).await;
    expect_problem(
        patch_staff(&app, &owner, customer_id, json!({"role": "owner"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Customers and anonymous callers.
    expect_problem(
        app.send(Method::GET, "/api/v1/roles", Some(&customer), None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.send(Method::GET, "/api/v1/staff", None, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let list = app.get_json("/api/v1/staff", Some(&owner)).await;
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["owner_1", "mgr_1"]);
}
app_test!(staff_are_created_changed_and_never_beyond_the_actor);

async fn nobody_grants_more_than_they_hold(app: TestApp) {
    // Escalation is refused in the store's transaction against the actor's own role. Only
    // owners hold `staff`, so the route refuses the rest before that: a manager cannot
    // even ask. The store's rule is checked directly, as if a manager could ask.
    let _owner = app.staff("owner_1").await;
    app.staff_as("mgr_1", StaffRole::Manager).await;
    app.staff_as("sup_1", StaffRole::Support).await;
    let mgr = app.store.credentials("mgr_1").await.unwrap().unwrap().0.id;
    let sup = app.store.credentials("sup_1").await.unwrap().unwrap().0.id;
    let owner = app.store.credentials("owner_1").await.unwrap().unwrap().0.id;
    let now = app.clock.now();
    use emporium_store::StoreError;
    use emporium_store::staff::StaffChange;
    let to = |role| StaffChange {
        role: Some(role),
        disabled: None,
    };
    let refused = app.store.change_staff(mgr, sup, to(StaffRole::Owner), now).await;
    assert!(matches!(refused, Err(StoreError::StaffRefused(_))), "{refused:?}");
    let refused = app
        .store
        .change_staff(
            mgr,
            owner,
            StaffChange {
                role: None,
                disabled: Some(true),
            },
            now,
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::StaffRefused(_))),
        "a manager disables an owner: {refused:?}"
    );
    // Within the manager's own permissions it would pass.
    let changed = app
        .store
        .change_staff(mgr, sup, to(StaffRole::Catalogue), now)
        .await
        .unwrap();
    assert_eq!(changed.staff_role, Some(StaffRole::Catalogue));
    let made = app
        .store
        .create_staff(
            Some(mgr),
            emporium_store::accounts::NewUser {
                username: emporium_domain::account::Username::parse("new_owner").unwrap(),
                password_hash: "x".into(),
                email: None,
                role: emporium_domain::account::Role::Staff,
            },
            StaffRole::Owner,
            now,
        )
        .await;
    assert!(matches!(made, Err(StoreError::StaffRefused(_))), "{made:?}");
}
app_test!(nobody_grants_more_than_they_hold);

async fn the_last_owner_cannot_be_demoted_or_disabled(app: TestApp) {
    let first = app.staff("owner_1").await;
    let first_id = id_of(&app, &first).await;
    let second = app.staff("owner_2").await;
    let second_id = id_of(&app, &second).await;
    // Two owners: one may disable the other…
    let disabled = json_of(
        patch_staff(&app, &first, second_id, json!({"disabled": true})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(disabled["disabled"], true);
    assert_eq!(disabled["permissions"], json!([]));
    // …and the enabled one is then the last: nobody may take it (nor itself).
    let manager = app.staff_as("mgr_1", StaffRole::Manager).await;
    expect_problem(
        patch_staff(&app, &manager, first_id, json!({"role": "analyst"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // The store refuses a demotion of the last enabled owner by anyone, with 409.
    let third = app.staff("owner_3").await;
    let third_id = id_of(&app, &third).await;
    json_of(
        patch_staff(&app, &third, first_id, json!({"role": "manager"})).await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        patch_staff(&app, &first, third_id, json!({"disabled": true})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Re-enable the second owner (as the third), then the second demotes the third: fine;
    // the third tries to demote the second, now the last: its own role is gone (403).
    json_of(
        patch_staff(&app, &third, second_id, json!({"disabled": false})).await,
        StatusCode::OK,
    )
    .await;
    let second: Value = app.login("owner_2", "staff-password").await.json().await.unwrap();
    let second = second["token"].as_str().unwrap().to_owned();
    json_of(
        patch_staff(&app, &second, third_id, json!({"role": "manager"})).await,
        StatusCode::OK,
    )
    .await;
    // Only the second is an owner now; the store's own rule, asked directly by an actor
    // who could (a hypothetical second owner racing): refused with `last_owner`.
    let refused = app
        .store
        .change_staff(
            third_id,
            second_id,
            emporium_store::staff::StaffChange {
                role: Some(StaffRole::Manager),
                disabled: None,
            },
            app.clock.now(),
        )
        .await;
    assert!(refused.is_err(), "{refused:?}");
    let staff = app.get_json("/api/v1/staff", Some(&second)).await;
    let owners = staff["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["role"] == "owner" && s["disabled"] == false)
        .count();
    assert_eq!(owners, 1);
}
app_test!(the_last_owner_cannot_be_demoted_or_disabled);

async fn two_owners_demoting_each_other_at_once_leave_one(app: TestApp) {
    for round in 0..5 {
        let a = app.staff(&format!("own_a{round}")).await;
        let b = app.staff(&format!("own_b{round}")).await;
        let (a_id, b_id) = (id_of(&app, &a).await, id_of(&app, &b).await);
        // Earlier rounds' owners are demoted first, so these two are the only owners.
        for other in app.get_json("/api/v1/staff", Some(&a)).await["data"]
            .as_array()
            .unwrap()
        {
            let id = other["id"].as_i64().unwrap();
            if id != a_id && id != b_id && other["role"] == "owner" {
                json_of(
                    patch_staff(&app, &a, id, json!({"role": "analyst"})).await,
                    StatusCode::OK,
                )
                .await;
            }
        }
        let (x, y) = tokio::join!(
            patch_staff(&app, &a, b_id, json!({"role": "manager"})),
            patch_staff(&app, &b, a_id, json!({"role": "manager"})),
        );
        let statuses = [x.status(), y.status()];
        let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(won, 1, "round {round}: {statuses:?}");
        let lost = statuses.iter().find(|s| **s != StatusCode::OK).unwrap();
        // The loser either found itself demoted (403) or counted no other owner (409).
        assert!(
            *lost == StatusCode::FORBIDDEN || *lost == StatusCode::CONFLICT,
            "round {round}: {statuses:?}"
        );
        let owner = if x.status() == StatusCode::OK { &a } else { &b };
        let staff = app.get_json("/api/v1/staff", Some(owner)).await;
        let owners = staff["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["role"] == "owner" && s["disabled"] == false)
            .count();
        assert_eq!(owners, 1, "round {round}");
    }
}
app_test!(two_owners_demoting_each_other_at_once_leave_one);

async fn disabled_staff_and_blocked_customers_lose_their_sessions(app: TestApp) {
    let owner = app.staff("owner_1").await;
    let packer = app.staff_as("packer_1", StaffRole::Fulfilment).await;
    let packer_id = id_of(&app, &packer).await;
    // The session works (and is now in the session cache)…
    assert_eq!(
        app.send(Method::GET, "/api/v1/inventory/valuation", Some(&packer), None)
            .await
            .status(),
        StatusCode::OK
    );
    json_of(
        patch_staff(&app, &owner, packer_id, json!({"disabled": true})).await,
        StatusCode::OK,
    )
    .await;
    // …and stops at once; logging in again is refused after the password.
    expect_problem(
        app.send(Method::GET, "/api/v1/me", Some(&packer), None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_problem(
        app.login("packer_1", "staff-password").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.login("packer_1", "wrong-password").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    json_of(
        patch_staff(&app, &owner, packer_id, json!({"disabled": false})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(app.login("packer_1", "staff-password").await.status(), StatusCode::OK);

    // A customer blocked by support.
    let support = app.staff_as("support_1", StaffRole::Support).await;
    let carol = app.customer("carol").await;
    let carol_id = id_of(&app, &carol).await;
    assert_eq!(
        app.send(Method::GET, "/api/v1/cart", Some(&carol), None).await.status(),
        StatusCode::OK
    );
    let blocked = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/customers/{carol_id}/block"),
            Some(&support),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(blocked["blocked"], true);
    expect_problem(
        app.send(Method::GET, "/api/v1/cart", Some(&carol), None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_problem(
        app.login("carol", "password123").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Staff are not customers: the customer routes do not reach them.
    expect_problem(
        app.send(
            Method::POST,
            &format!("/api/v1/customers/{packer_id}/block"),
            Some(&support),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let unblocked = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/customers/{carol_id}/unblock"),
            Some(&support),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(unblocked["blocked"], false);
    assert_eq!(app.login("carol", "password123").await.status(), StatusCode::OK);
    // An analyst may not block anyone.
    let analyst = app.staff_as("analyst_1", StaffRole::Analyst).await;
    expect_problem(
        app.send(
            Method::POST,
            &format!("/api/v1/customers/{carol_id}/block"),
            Some(&analyst),
            None,
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}
app_test!(disabled_staff_and_blocked_customers_lose_their_sessions);

async fn customers_are_found_by_every_field_and_the_phone_stays_sealed(app: TestApp) {
    let support = app.staff_as("support_1", StaffRole::Support).await;
    let registered = app
        .post(
            "/api/v1/auth/register",
            json!({"username": "zhang_wei", "password": "password123", "email": "Wei.Zhang@Example.com"}),
        )
        .await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let wei: Value = app.login("zhang_wei", "password123").await.json().await.unwrap();
    let wei = wei["token"].as_str().unwrap().to_owned();
    let profile = json!({"display_name": "张伟 Wei", "phone": "+86 138-0013-8000"});
    json_of(
        app.send(Method::PATCH, "/api/v1/me", Some(&wei), Some(profile)).await,
        StatusCode::OK,
    )
    .await;
    let li = app.customer("li_na").await;
    let profile = json!({"email": "li@example.org", "phone": "139 0000 1111"});
    json_of(
        app.send(Method::PATCH, "/api/v1/me", Some(&li), Some(profile)).await,
        StatusCode::OK,
    )
    .await;
    app.staff_as("packer_1", StaffRole::Fulfilment).await;

    let found = |q: &'static str| {
        let app = &app;
        let support = &support;
        async move {
            let page = app
                .get_json(&format!("/api/v1/customers?q={}", urlencoding(q)), Some(support))
                .await;
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["username"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("zhang").await, ["zhang_wei"], "username");
    assert_eq!(found("张伟").await, ["zhang_wei"], "display name");
    assert_eq!(found("wei.zhang@example").await, ["zhang_wei"], "email, any case");
    assert_eq!(found("+8613800138000").await, ["zhang_wei"], "phone, as digits");
    assert_eq!(found("+86 138 0013 8000").await, ["zhang_wei"], "phone, spaced");
    assert_eq!(
        found("13800138000").await,
        ["zhang_wei"],
        "a Chinese mobile without +86"
    );
    assert_eq!(found("008613800138000").await, ["zhang_wei"], "or with 0086");
    assert_eq!(found("13900001111").await, ["li_na"], "phone");
    assert!(found("1380013").await.is_empty(), "a phone is matched whole");
    assert!(found("packer").await.is_empty(), "staff are not customers");
    assert!(found("50%_").await.is_empty(), "LIKE wildcards are literal");
    assert_eq!(found("").await, ["li_na", "zhang_wei"], "everyone, newest first");

    // Paging with a signed cursor bound to the search.
    let first = app.get_json("/api/v1/customers?limit=1", Some(&support)).await;
    assert_eq!(first["data"][0]["username"], "li_na");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get_json(&format!("/api/v1/customers?limit=1&cursor={cursor}"), Some(&support))
        .await;
    assert_eq!(second["data"][0]["username"], "zhang_wei");
    expect_problem(
        app.send(
            Method::GET,
            &format!("/api/v1/customers?q=li&cursor={cursor}"),
            Some(&support),
            None,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    // The detail: profile (phone opened for staff with `customers`), figures, orders.
    let wei_id = id_of(&app, &wei).await;
    let detail = app
        .get_json(&format!("/api/v1/customers/{wei_id}"), Some(&support))
        .await;
    assert_eq!(detail["customer"]["phone"], "+86 138-0013-8000");
    assert_eq!(detail["figures"]["orders"], 0);
    assert_eq!(detail["recent_orders"], json!([]));
    let packer_id = app.store.credentials("packer_1").await.unwrap().unwrap().0.id;
    expect_problem(
        app.send(
            Method::GET,
            &format!("/api/v1/customers/{packer_id}"),
            Some(&support),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // At rest: the phone is sealed and its index gives nothing away.
    let row = emporium_store::db::query("SELECT phone, phone_index FROM users WHERE id = $1")
        .bind(wei_id)
        .fetch_one(app.store.reader())
        .await
        .unwrap();
    let phone: String = row.try_get("phone").unwrap();
    let index: String = row.try_get("phone_index").unwrap();
    assert!(phone.starts_with("enc2:"), "under the customer's own key: {phone}");
    assert!(!index.contains("13800138000"), "{index}");
    // An index missing (a row from before 0015) is written when the store opens, by
    // `index_phones`; so is one computed under another key (before a rotation).
    app.store
        .write(|conn| {
            Box::pin(async move {
                emporium_store::db::query("UPDATE users SET phone_index = NULL")
                    .execute(&mut *conn)
                    .await?;
                emporium_store::db::query("UPDATE users SET phone_index = 'old:0' WHERE username = 'li_na'")
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    assert!(found("13900001111").await.is_empty());
    assert_eq!(app.store.index_phones().await.unwrap(), 2);
    assert_eq!(found("13900001111").await, ["li_na"]);
    assert_eq!(found("+8613800138000").await, ["zhang_wei"]);
    assert_eq!(app.store.index_phones().await.unwrap(), 0, "nothing left to index");
}
app_test!(customers_are_found_by_every_field_and_the_phone_stays_sealed);

fn urlencoding(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn log_in<'a>(app: &'a TestApp, username: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    let page = browser
        .submit(
            "/login",
            "/login",
            &[
                ("username", username),
                ("password", "staff-password"),
                ("next", "/admin"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    browser
}

async fn admin_pages_follow_the_role(app: TestApp) {
    app.staff("owner_1").await;
    app.staff_as("analyst_1", StaffRole::Analyst).await;
    app.staff_as("packer_1", StaffRole::Fulfilment).await;
    let mut analyst = log_in(&app, "analyst_1").await;
    let dashboard = analyst.get("/admin").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.body.contains(r#"href="/admin""#));
    for hidden in [
        "/admin/products",
        "/admin/orders",
        "/admin/customers",
        "/admin/staff",
        "/admin/shipping",
    ] {
        assert!(
            !dashboard.body.contains(&format!(r#"href="{hidden}""#)),
            "analyst nav shows {hidden}"
        );
    }
    for refused in [
        "/admin/products",
        "/admin/orders",
        "/admin/customers",
        "/admin/staff",
        "/admin/refunds",
        "/admin/shipping",
        "/admin/shipping/zones/1",
        "/admin/shipping/methods/1",
    ] {
        let page = analyst.get(refused).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "analyst {refused}");
        assert!(page.body.contains("Staff only") || page.body.contains("仅限工作人员"));
    }
    // Without the reports, /admin leads to the first section the role may use.
    let mut packer = log_in(&app, "packer_1").await;
    let landing = packer.get("/admin").await;
    assert_eq!(landing.status, StatusCode::SEE_OTHER);
    assert_eq!(landing.location.as_deref(), Some("/admin/inventory"));
    let orders = packer.get("/admin/orders").await;
    assert_eq!(orders.status, StatusCode::OK);
    assert!(orders.body.contains(r#"href="/admin/orders""#) && !orders.body.contains(r#"href="/admin/staff""#));
    // A forged post is refused too.
    let csrf = orders.csrf();
    let page = packer
        .post(
            "/admin/staff",
            &[
                ("csrf", &csrf),
                ("username", "mole"),
                ("password", "mole-password"),
                ("role", "owner"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(app.store.credentials("mole").await.unwrap().is_none());
}
app_test!(admin_pages_follow_the_role);

async fn the_staff_page_adds_changes_and_disables_with_a_confirmation(app: TestApp) {
    app.staff("owner_1").await;
    let mut owner = log_in(&app, "owner_1").await;
    let page = owner.get("/admin/staff").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"id="role-analyst""#));
    // Add a staff member.
    let added = owner
        .submit(
            "/admin/staff",
            "/admin/staff",
            &[
                ("username", "packer_1"),
                ("password", "packer-pass-1"),
                ("email", ""),
                ("role", "fulfilment"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let packer_id = app.store.credentials("packer_1").await.unwrap().unwrap().0.id;
    // A bad form comes back with its messages.
    let bad = owner
        .submit(
            "/admin/staff",
            "/admin/staff",
            &[("username", "x"), ("password", "packer-pass-1"), ("role", "fulfilment")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Changing a role asks first; nothing changes until confirmed.
    let ask = owner
        .submit(
            "/admin/staff",
            &format!("/admin/staff/{packer_id}"),
            &[("role", "support")],
        )
        .await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.body.contains(r#"id="confirm-yes""#) && ask.body.contains(r#"name="confirmed" value="1""#));
    assert!(ask.body.contains(r#"name="role" value="support""#));
    let user = app.store.user(packer_id).await.unwrap();
    assert_eq!(user.staff_role, Some(StaffRole::Fulfilment));
    let csrf = ask.csrf();
    let done = owner
        .post(
            &format!("/admin/staff/{packer_id}"),
            &[("csrf", &csrf), ("role", "support"), ("confirmed", "1")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.user(packer_id).await.unwrap().staff_role,
        Some(StaffRole::Support)
    );
    // Disable, confirmed.
    let ask = owner
        .submit(
            "/admin/staff",
            &format!("/admin/staff/{packer_id}"),
            &[("disabled", "1")],
        )
        .await;
    assert!(ask.body.contains(r#"name="disabled" value="1""#));
    let csrf = ask.csrf();
    owner
        .post(
            &format!("/admin/staff/{packer_id}"),
            &[("csrf", &csrf), ("disabled", "1"), ("confirmed", "1")],
        )
        .await;
    assert!(app.store.user(packer_id).await.unwrap().disabled_at.is_some());
    owner.set_cookie("lang", "zh");
    let list = owner.get("/admin/staff").await;
    assert!(list.body.contains("已停用"), "the list in Chinese shows the state");
    // The owner's own row offers no change.
    let me = app.store.credentials("owner_1").await.unwrap().unwrap().0.id;
    assert!(!list.body.contains(&format!(r#"id="change-role-{me}""#)));
}
app_test!(the_staff_page_adds_changes_and_disables_with_a_confirmation);

async fn the_customer_pages_search_show_and_block(app: TestApp) {
    app.staff_as("support_1", StaffRole::Support).await;
    let carol = app.customer("carol").await;
    let profile = json!({"display_name": "Carol C", "phone": "+86 137 0000 2222"});
    json_of(
        app.send(Method::PATCH, "/api/v1/me", Some(&carol), Some(profile)).await,
        StatusCode::OK,
    )
    .await;
    let carol_id = id_of(&app, &carol).await;
    let mut support = log_in(&app, "support_1").await;
    let list = support.get("/admin/customers?q=13700002222").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains(&format!(r#"id="customer-{carol_id}""#)),
        "found by phone"
    );
    let none = support.get("/admin/customers?q=nobody").await;
    assert!(none.body.contains(r#"id="no-customers""#));
    let page = support.get(&format!("/admin/customers/{carol_id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("+86 137 0000 2222"));
    assert!(
        page.body
            .contains(&format!(r#"href="/admin/customers/{carol_id}/messages""#))
    );
    // Block: asked first, then done; the customer's session ends.
    let ask = support
        .submit(
            &format!("/admin/customers/{carol_id}"),
            &format!("/admin/customers/{carol_id}/block"),
            &[],
        )
        .await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.body.contains(r#"id="confirm-message""#));
    assert_eq!(
        app.send(Method::GET, "/api/v1/cart", Some(&carol), None).await.status(),
        StatusCode::OK
    );
    let csrf = ask.csrf();
    let done = support
        .post(
            &format!("/admin/customers/{carol_id}/block"),
            &[("csrf", &csrf), ("confirmed", "1")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.send(Method::GET, "/api/v1/cart", Some(&carol), None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let page = support.get(&format!("/admin/customers/{carol_id}")).await;
    assert!(page.body.contains(r#"id="unblock-customer""#));
    // A blocked customer's login page says so.
    let mut browser = Browser::new(&app);
    let refused = browser
        .submit(
            "/login",
            "/login",
            &[("username", "carol"), ("password", "password123")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("disabled"));
    assert_eq!(
        support.get("/admin/customers/999999").await.status,
        StatusCode::NOT_FOUND
    );
}
app_test!(the_customer_pages_search_show_and_block);
