//! The index on disk: reopening, the feed position, locking, corruption and schema versions.

use std::fs;
use std::path::Path;

use emporium_search::{Opened, SCHEMA_VERSION, SearchError, SearchIndex};

use crate::support::{ids, product};

fn open(dir: &Path) -> (SearchIndex, Opened) {
    SearchIndex::open(dir).expect("open")
}

#[test]
fn an_index_survives_a_restart_with_its_feed_position() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("search");
    let (index, opened) = open(&dir);
    assert_eq!(opened, Opened::Created);
    assert!(index.is_empty());
    index
        .upsert(&[product(1, "华为 Mate 60 手机", "", None)], 42)
        .expect("upsert");
    drop(index);

    let (index, opened) = open(&dir);
    assert_eq!(
        opened,
        Opened::Existing {
            feed_position: Some(42)
        }
    );
    assert_eq!(index.feed_position(), Some(42));
    assert_eq!(ids(&index, "手机"), [1]);
    index
        .upsert(&[product(2, "Phone", "", None)], 43)
        .expect("writes after reopening");
}

#[test]
fn a_created_index_reopens_as_existing_without_position() {
    let tmp = tempfile::tempdir().expect("tempdir");
    drop(open(tmp.path()));
    assert_eq!(open(tmp.path()).1, Opened::Existing { feed_position: None });
}

#[test]
fn a_second_writer_on_the_same_folder_is_refused_without_harm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (index, _) = open(tmp.path());
    index.upsert(&[product(1, "Kettle", "", None)], 1).expect("upsert");
    assert!(matches!(SearchIndex::open(tmp.path()), Err(SearchError::Locked { .. })));
    drop(index);
    assert_eq!(
        open(tmp.path()).1,
        Opened::Existing { feed_position: Some(1) },
        "nothing was wiped"
    );
}

fn assert_recreated(dir: &Path, reason_contains: &str) {
    let (index, opened) = open(dir);
    match opened {
        Opened::Recreated { reason } => assert!(reason.contains(reason_contains), "{reason}"),
        other => panic!("expected Recreated, got {other:?}"),
    }
    assert!(index.is_empty());
    assert_eq!(index.feed_position(), None);
    index
        .upsert(&[product(5, "Fresh", "", None)], 1)
        .expect("the new index works");
    drop(index);
    assert_eq!(open(dir).1, Opened::Existing { feed_position: Some(1) });
}

#[test]
fn a_corrupt_index_is_recreated_and_other_files_are_kept() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (index, _) = open(tmp.path());
    index.upsert(&[product(1, "Kettle", "", None)], 9).expect("upsert");
    drop(index);
    fs::write(tmp.path().join("meta.json"), b"{ this is not json").expect("corrupt");
    fs::write(tmp.path().join("notes.txt"), b"mine").expect("unrelated file");

    assert_recreated(tmp.path(), "cannot open");
    assert_eq!(fs::read(tmp.path().join("notes.txt")).expect("kept"), b"mine");
}

#[test]
fn an_index_with_missing_segment_files_is_recreated() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (index, _) = open(tmp.path());
    index.upsert(&[product(1, "Kettle", "", None)], 9).expect("upsert");
    drop(index);
    for entry in fs::read_dir(tmp.path()).expect("list") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|ext| ext == "idx") {
            fs::remove_file(path).expect("remove a segment file");
        }
    }
    assert_recreated(tmp.path(), "segments");
}

/// Writes a commit with another payload, as an older (or newer) version of this crate would.
fn commit_payload(dir: &Path, payload: &str) {
    let index = tantivy::Index::open_in_dir(dir).expect("open with tantivy");
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).expect("writer");
    let mut commit = writer.prepare_commit().expect("prepare");
    commit.set_payload(payload);
    commit.commit().expect("commit");
}

#[test]
fn an_index_of_another_schema_version_is_recreated() {
    let tmp = tempfile::tempdir().expect("tempdir");
    drop(open(tmp.path()));
    commit_payload(
        tmp.path(),
        &format!("emporium-search schema={} feed=7", SCHEMA_VERSION + 1),
    );
    assert_recreated(tmp.path(), &format!("schema version {}", SCHEMA_VERSION + 1));
}

#[test]
fn an_index_without_our_payload_is_recreated() {
    let tmp = tempfile::tempdir().expect("tempdir");
    drop(open(tmp.path()));
    commit_payload(tmp.path(), "written by something else");
    assert_recreated(tmp.path(), "payload");
}

#[test]
fn a_foreign_tantivy_index_is_recreated() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut schema = tantivy::schema::Schema::builder();
    schema.add_text_field("title", tantivy::schema::TEXT);
    let index = tantivy::Index::create_in_dir(tmp.path(), schema.build()).expect("foreign index");
    drop(index);
    commit_payload(tmp.path(), &format!("emporium-search schema={SCHEMA_VERSION} feed=7"));
    assert_recreated(tmp.path(), "schema differs");
}
