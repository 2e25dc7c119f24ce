//! Upserts, deletes and rebuilds: replacement by id, immediate visibility, the feed position.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread;

use emporium_search::SearchIndex;

use crate::support::{ids, product, sorted};

fn new_index() -> SearchIndex {
    SearchIndex::in_memory().expect("in-memory index")
}

#[test]
fn a_new_index_is_empty_without_feed_position() {
    let index = new_index();
    assert!(index.is_empty());
    assert_eq!(index.len(), 0);
    assert_eq!(index.feed_position(), None);
    assert!(ids(&index, "").is_empty());
}

#[test]
fn upsert_is_visible_on_return_and_replaces_by_id() {
    let index = new_index();
    index
        .upsert(&[product(1, "Blue Kettle", "Boils water", None)], 5)
        .expect("upsert");
    assert_eq!(ids(&index, "kettle"), [1]);
    assert_eq!(index.feed_position(), Some(5));

    index
        .upsert(&[product(1, "Red Teapot", "Brews tea", None)], 6)
        .expect("upsert");
    assert_eq!(
        ids(&index, "kettle"),
        Vec::<i64>::new(),
        "the old name no longer finds it"
    );
    assert_eq!(ids(&index, "teapot"), [1]);
    assert_eq!(index.len(), 1);
    assert_eq!(index.feed_position(), Some(6));
}

#[test]
fn the_last_of_repeated_ids_in_one_batch_wins() {
    let index = new_index();
    let batch = [
        product(7, "First Name", "", None),
        product(8, "Other", "", None),
        product(7, "Second Name", "", None),
    ];
    index.upsert(&batch, 1).expect("upsert");
    assert_eq!(index.len(), 2);
    assert_eq!(ids(&index, "second"), [7]);
    assert!(ids(&index, "first").is_empty());
}

#[test]
fn delete_removes_on_return_and_ignores_unknown_ids() {
    let index = new_index();
    index
        .upsert(
            &[
                product(1, "Blue Kettle", "", None),
                product(2, "Steel Kettle", "", None),
            ],
            1,
        )
        .expect("upsert");
    index.delete(&[1, 999], 2).expect("delete");
    assert_eq!(ids(&index, "kettle"), [2]);
    assert_eq!(index.len(), 1);
    assert_eq!(index.feed_position(), Some(2));
    index
        .delete(&[], 3)
        .expect("an empty delete still records the position");
    assert_eq!(index.feed_position(), Some(3));
}

#[test]
fn rebuild_replaces_everything() {
    let index = new_index();
    index
        .upsert(
            &[
                product(1, "Blue Kettle", "", None),
                product(2, "Steel Kettle", "", None),
            ],
            10,
        )
        .expect("upsert");
    let docs = (100..3_100).map(|id| product(id, &format!("Item{id} 茶杯 Mug"), "Ceramic", Some("Kitchen")));
    assert_eq!(index.rebuild(docs, 20).expect("rebuild"), 3_000);
    assert_eq!(index.len(), 3_000);
    assert_eq!(index.feed_position(), Some(20));
    assert!(
        ids(&index, "kettle").is_empty(),
        "documents from before the rebuild are gone"
    );
    assert_eq!(ids(&index, "item2500"), [2500]);
    assert_eq!(
        index
            .search(&emporium_search::SearchQuery {
                limit: 100,
                ..crate::support::query("茶杯")
            })
            .expect("search")
            .ids
            .len(),
        100
    );

    assert_eq!(index.rebuild(std::iter::empty(), 21).expect("empty rebuild"), 0);
    assert!(index.is_empty());
}

#[test]
fn a_rebuild_that_panics_keeps_the_previous_content_and_the_index_usable() {
    let index = new_index();
    index.upsert(&[product(1, "Blue Kettle", "", None)], 1).expect("upsert");
    let failing = (100..200).map(|id| {
        if id == 150 {
            panic!("the database went away")
        } else {
            product(id, "Mug", "", None)
        }
    });
    assert!(catch_unwind(AssertUnwindSafe(|| index.rebuild(failing, 2))).is_err());

    assert_eq!(ids(&index, "kettle"), [1]);
    assert_eq!(index.len(), 1);
    assert_eq!(index.feed_position(), Some(1));
    index
        .upsert(&[product(2, "Steel Kettle", "", None)], 3)
        .expect("writes work after the panic");
    assert_eq!(
        sorted(ids(&index, "kettle")),
        [1, 2],
        "the half-done rebuild was rolled back, not committed"
    );
}

#[test]
fn concurrent_writers_and_readers_each_see_their_own_writes() {
    let index = new_index();
    thread::scope(|scope| {
        for writer in 0..4_i64 {
            let index = index.clone();
            scope.spawn(move || {
                for n in 0..10 {
                    let id = writer * 100 + n;
                    index
                        .upsert(&[product(id, &format!("Gadget{id}"), "", None)], id)
                        .expect("upsert");
                    assert_eq!(
                        ids(&index, &format!("gadget{id}")),
                        [id],
                        "visible to the writer on return"
                    );
                }
            });
        }
        let reader = index.clone();
        scope.spawn(move || {
            for _ in 0..20 {
                reader
                    .search(&crate::support::query("gadget"))
                    .expect("search during writes");
            }
        });
    });
    assert_eq!(index.len(), 40);
}

#[test]
fn a_search_begun_after_an_upsert_returned_sees_it_while_answers_are_kept() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let index = new_index();
    let upserted = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let searchers: Vec<_> = (0..3)
        .map(|_| {
            let (index, upserted, done) = (index.clone(), upserted.clone(), done.clone());
            thread::spawn(move || {
                let mut searches = 0;
                while !done.load(Ordering::Acquire) {
                    let floor = upserted.load(Ordering::Acquire);
                    let found = ids(&index, "kettle").len();
                    assert!(found >= floor, "{found} found after {floor} upserts returned");
                    searches += 1;
                }
                searches
            })
        })
        .collect();
    for i in 1..=60 {
        index
            .upsert(&[product(i, &format!("Kettle {i}"), "", None)], i)
            .expect("upsert");
        upserted.store(i as usize, Ordering::Release);
    }
    done.store(true, Ordering::Release);
    let searches: usize = searchers.into_iter().map(|t| t.join().expect("searcher")).sum();
    assert!(searches > 60, "the searches raced the upserts ({searches})");
    assert_eq!(ids(&index, "kettle").len(), 60);
}
