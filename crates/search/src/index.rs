//! [`SearchIndex`]: the shared handle, its single writer, and the write operations.

mod open;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use tantivy::indexer::IndexWriterOptions;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy};

use crate::analysis::{INDEX_ANALYZER, QUERY_ANALYZER, WORDS_ANALYZER, index_analyzer, query_analyzer, words_analyzer};
use crate::error::SearchError;
use crate::schema::{CommitPayload, Fields, build_schema};
use crate::types::{Facets, Opened, ProductDoc, SearchHits, SearchQuery};

/// Memory the writer may buffer before flushing a segment, shared by its indexing threads.
/// tantivy requires at least 15 MB per thread; 50 MB keeps a rebuild fast without making the
/// server's footprint depend on the catalogue size.
pub const WRITER_MEMORY_BYTES: usize = 50_000_000;
/// Indexing threads (at most): two keep a rebuild of 100,000 products short on a small machine
/// while leaving the rest of the server room.
const MAX_INDEXING_THREADS: usize = 2;

/// The product index: cheap to clone (an `Arc` inside), `Send + Sync`.
///
/// Searches run concurrently on a snapshot; writes are serialized by one `IndexWriter` and each
/// write commits and refreshes the snapshot before returning, so a search started after a
/// write returns sees it.
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

/// The state shared by all clones of a [`SearchIndex`].
pub(crate) struct Inner {
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    /// Splits query text into words.
    pub(crate) query_analyzer: TextAnalyzer,
    /// Splits a compound query word into its parts, as documents were split.
    pub(crate) index_analyzer: TextAnalyzer,
    writer: Mutex<IndexWriter>,
    /// Mirrors the last commit's payload, so reading it needs no disk access.
    feed_position: Mutex<Option<i64>>,
    /// Answers to recent queries on the current snapshot (see [`crate::search::Answers`]).
    pub(crate) answers: Mutex<crate::search::Answers>,
    /// The suggestion vocabulary of each segment, built the first time a suggestion needs it.
    pub(crate) vocabulary: crate::suggest::VocabularyCache,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("len", &self.len())
            .field("feed_position", &self.feed_position())
            .finish()
    }
}

impl SearchIndex {
    /// Opens the index in `dir` (creating the folder), or creates it there.
    ///
    /// An index that cannot be opened, or was written with another [`crate::SCHEMA_VERSION`],
    /// is wiped (only tantivy's own files in `dir` are deleted) and recreated empty:
    /// [`Opened::Recreated`], so the caller rebuilds it from the database. Fails with
    /// [`SearchError::Locked`] if another writer holds the folder; that index is never wiped.
    pub fn open(dir: &Path) -> Result<(SearchIndex, Opened), SearchError> {
        open::open_dir(dir)
    }

    /// An empty index in RAM (tests, benchmarks).
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        let (schema, _) = build_schema();
        let index = SearchIndex::from_index(Index::create_in_ram(schema), None)?;
        index.commit_initial()?;
        Ok(index)
    }

    /// Wraps an opened index whose schema is [`build_schema`]'s.
    fn from_index(index: Index, feed_position: Option<i64>) -> Result<SearchIndex, SearchError> {
        let (_, fields) = build_schema();
        index.tokenizers().register(INDEX_ANALYZER, index_analyzer());
        index.tokenizers().register(QUERY_ANALYZER, query_analyzer());
        index.tokenizers().register(WORDS_ANALYZER, words_analyzer());
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_INDEXING_THREADS);
        let options = IndexWriterOptions::builder()
            .num_worker_threads(threads)
            .memory_budget_per_thread(WRITER_MEMORY_BYTES / threads)
            // Merges run in the background; one thread is plenty for a catalogue.
            .num_merge_threads(1)
            .build();
        let writer = index.writer_with_options(options).map_err(|error| match error {
            tantivy::TantivyError::LockFailure(..) => SearchError::Locked {
                path: Default::default(),
            },
            error => SearchError::Tantivy(error),
        })?;
        // Manual: the reader is reloaded right after each of our own commits, which is exactly
        // when (and only when) the visible content changes.
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex {
            inner: Arc::new(Inner {
                reader,
                fields,
                query_analyzer: query_analyzer(),
                index_analyzer: index_analyzer(),
                writer: Mutex::new(writer),
                feed_position: Mutex::new(feed_position),
                answers: Mutex::new(crate::search::Answers::default()),
                vocabulary: crate::suggest::VocabularyCache::default(),
            }),
        })
    }

    /// Records the schema version in a fresh index, so that a later open recognises it.
    fn commit_initial(&self) -> Result<(), SearchError> {
        let mut writer = self.lock_writer();
        self.commit(&mut writer, None)
    }

    /// Adds or replaces these products (by id), records `feed_position` as how far the change
    /// feed has been applied, commits, and makes the change visible before returning.
    ///
    /// If the same id appears twice, the later document wins. On error nothing is applied.
    pub fn upsert(&self, docs: &[ProductDoc], feed_position: i64) -> Result<(), SearchError> {
        let fields = self.inner.fields;
        self.write(feed_position, |writer| {
            for doc in docs {
                // A delete applies to documents added before it, so this replaces the old
                // version and, for a repeated id, the earlier document of this batch.
                writer.delete_term(fields.id_term(doc.id));
                writer.add_document(fields.document(doc))?;
            }
            Ok(())
        })
    }

    /// Removes products by id (unknown ids are ignored); same commit and visibility as
    /// [`SearchIndex::upsert`].
    pub fn delete(&self, ids: &[i64], feed_position: i64) -> Result<(), SearchError> {
        let fields = self.inner.fields;
        self.write(feed_position, |writer| {
            for &id in ids {
                writer.delete_term(fields.id_term(id));
            }
            Ok(())
        })
    }

    /// Replaces the whole content with `docs` (a full rebuild), records `feed_position`, and
    /// returns the number of documents indexed.
    ///
    /// Documents are streamed into the writer, never collected: memory stays within
    /// [`WRITER_MEMORY_BYTES`] plus tantivy's queue of at most 10,000 documents waiting for an
    /// indexing thread. Searches keep seeing the previous content until the final commit, and on
    /// error (or a panic in `docs`) the previous content stays. Ids are assumed unique, as a
    /// table scan yields them.
    pub fn rebuild(&self, docs: impl Iterator<Item = ProductDoc>, feed_position: i64) -> Result<u64, SearchError> {
        let started = Instant::now();
        let fields = self.inner.fields;
        let mut count = 0_u64;
        self.write(feed_position, |writer| {
            writer.delete_all_documents()?;
            for doc in docs {
                writer.add_document(fields.document(&doc))?;
                count += 1;
            }
            Ok(())
        })?;
        tracing::info!(
            docs = count,
            duration_ms = started.elapsed().as_millis() as u64,
            "search index rebuilt"
        );
        Ok(count)
    }

    /// The feed position recorded by the last commit (`None` for a new index).
    pub fn feed_position(&self) -> Option<i64> {
        *self.inner.feed_position.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Number of documents (products) visible to searches.
    pub fn len(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }

    /// Whether the index holds no product.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs a query and returns one page of product ids.
    ///
    /// The text is split into words (see the crate documentation). The first of these that
    /// matches anything (within the filters) answers the query:
    /// 1. all words, exactly (after lower-casing and stemming; a compound word, or all of its
    ///    parts);
    /// 2. all words, Latin words of five or more letters allowed one typo;
    /// 3. any word (typos allowed), products matching more words first.
    ///
    /// Text without any word (empty, punctuation, emoji) matches every product within the
    /// filters, and [`crate::SearchSort::Relevance`] then means newest first. Ties in any order
    /// are broken by product id, so paging through an unchanged index is exact.
    ///
    /// Only the first [`crate::MAX_RESULT_WINDOW`] results are served. Fails only for a `limit`
    /// outside `1..=`[`crate::MAX_LIMIT`] or an engine error; never because of the text.
    pub fn search(&self, query: &SearchQuery) -> Result<SearchHits, SearchError> {
        crate::search::answer(&self.inner, query)
    }

    /// What [`search`](Self::search) would answer, if it is kept from an earlier identical
    /// query on the current snapshot: no analysis or scoring, so callers on an async
    /// runtime may call this in place and send only a miss to a blocking thread.
    pub fn kept_answer(&self, query: &SearchQuery) -> Option<SearchHits> {
        crate::search::kept(&self.inner, query)
    }

    /// A query close to `query`'s text that finds something with the same filters, for a
    /// search that found nothing: a spelling correction (`hedphnoes` → `headphones`) or the
    /// catalogue's Chinese words for pinyin (`shouji` → `手机`, `lv cha` → `绿茶`).
    ///
    /// Made of the words of product and category names; `None` when nothing close finds a
    /// product. The first call after the index changed reads the new segments' words.
    pub fn suggest(&self, query: &SearchQuery) -> Result<Option<String>, SearchError> {
        crate::suggest::suggest(&self.inner, query)
    }

    /// Counts what `query` matches (its page and order aside) by category, price band,
    /// option value and stock. Kept per snapshot like answers.
    pub fn facets(&self, query: &SearchQuery) -> Result<Facets, SearchError> {
        crate::search::facets(&self.inner, query)
    }

    /// What [`facets`](Self::facets) would answer if it is kept (see
    /// [`kept_answer`](Self::kept_answer)).
    pub fn kept_facets(&self, query: &SearchQuery) -> Option<Facets> {
        crate::search::kept_facets(&self.inner, query)
    }

    /// Runs `apply` on the writer, then commits with `feed_position` and refreshes the reader;
    /// on any error, rolls back so the next write starts from the last commit.
    fn write(
        &self,
        feed_position: i64,
        apply: impl FnOnce(&mut IndexWriter) -> tantivy::Result<()>,
    ) -> Result<(), SearchError> {
        let mut writer = self.lock_writer();
        let result = apply(&mut writer)
            .map_err(SearchError::from)
            .and_then(|()| self.commit(&mut writer, Some(feed_position)));
        // The error itself is the caller's to log; a failed rollback is only ever seen here.
        if result.is_err()
            && let Err(error) = writer.rollback()
        {
            tracing::error!(%error, "search index rollback failed");
        }
        result
    }

    fn commit(&self, writer: &mut IndexWriter, feed_position: Option<i64>) -> Result<(), SearchError> {
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&CommitPayload::current(feed_position).encode());
        prepared.commit()?;
        *self.inner.feed_position.lock().unwrap_or_else(PoisonError::into_inner) = feed_position;
        self.inner.reader.reload()?;
        // After the reload, so an answer computed on the old snapshot is never kept.
        self.inner
            .answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retire();
        Ok(())
    }

    /// Locks the writer. A panic while it was held (in a caller's `rebuild` iterator, say) may
    /// have left uncommitted changes: those are rolled back before anyone writes again.
    fn lock_writer(&self) -> MutexGuard<'_, IndexWriter> {
        match self.inner.writer.lock() {
            Ok(writer) => writer,
            Err(poisoned) => {
                let mut writer = poisoned.into_inner();
                if let Err(error) = writer.rollback() {
                    tracing::error!(%error, "search index rollback after a panic failed");
                }
                self.inner.writer.clear_poison();
                writer
            }
        }
    }
}
