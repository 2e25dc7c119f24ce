//! Running a [`SearchQuery`]: the relaxation tiers, sorting with a deterministic tie-break, and
//! paging.

use std::collections::HashMap;
use std::fmt::Debug;
use std::ops::Range;
use std::sync::PoisonError;

use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::collector::{Count, FacetCollector, SortKeyComputer, TopDocs};
use tantivy::query::Query;
use tantivy::schema::Facet;
use tantivy::{Order, Searcher};

use crate::analysis::query_words;
use crate::error::SearchError;
use crate::index::Inner;
use crate::query::{TextQuery, Tier, with_filters};
use crate::schema::{
    CATEGORY_ROOT, CREATED_AT, FACETS, ID, OPTION_ROOT, OPTION_SEP, PRICE, PRICE_ROOT, RATING, STOCK_ROOT,
    in_stock_facet,
};
use crate::types::{Facets, OptionFacet, SearchHits, SearchQuery, SearchSort};

/// Largest page size.
pub const MAX_LIMIT: usize = 100;
/// Only the first this-many results of a query are served: collecting the top N costs memory and
/// time in N, so (like Elasticsearch's `max_result_window`) deeper pages come back empty and the
/// page reaching this depth reports no further page.
pub const MAX_RESULT_WINDOW: usize = 10_000;

/// Answers kept per snapshot; past this the set is emptied and starts again.
const ANSWERS: usize = 1024;

/// Recent answers on the current snapshot of the index.
///
/// Shoppers repeat the same few queries far more often than the catalogue changes, and a
/// query costs tens to hundreds of microseconds of analysis and scoring. An answer depends
/// only on the query and the snapshot, so it is kept until the next commit changes the
/// snapshot: it is never staler than the index itself.
#[derive(Default)]
pub(crate) struct Answers {
    /// Bumped by every commit.
    snapshot: u64,
    kept: HashMap<SearchQuery, SearchHits>,
    /// Facet counts, under [`SearchQuery::matches_only`].
    facets: HashMap<SearchQuery, Facets>,
}

impl Answers {
    /// The snapshot changed: every kept answer is void.
    pub(crate) fn retire(&mut self) {
        self.snapshot += 1;
        self.kept.clear();
        self.facets.clear();
    }
}

/// See [`crate::SearchIndex::kept_answer`].
pub(crate) fn kept(inner: &Inner, request: &SearchQuery) -> Option<SearchHits> {
    let answers = inner.answers.lock().unwrap_or_else(PoisonError::into_inner);
    answers.kept.get(request).cloned()
}

/// See [`crate::SearchIndex::search`]: a kept answer, or [`run`]'s.
pub(crate) fn answer(inner: &Inner, request: &SearchQuery) -> Result<SearchHits, SearchError> {
    let lock = || inner.answers.lock().unwrap_or_else(PoisonError::into_inner);
    let snapshot = {
        let answers = lock();
        if let Some(hits) = answers.kept.get(request) {
            return Ok(hits.clone());
        }
        answers.snapshot
    };
    // Taken before `run` takes its searcher: a commit in between bumps the snapshot, so an
    // answer from the older searcher is dropped below.
    let hits = run(inner, request)?;
    let mut answers = lock();
    if answers.snapshot == snapshot {
        if answers.kept.len() >= ANSWERS {
            answers.kept.clear();
        }
        answers.kept.insert(request.clone(), hits.clone());
    }
    Ok(hits)
}

/// See [`crate::SearchIndex::kept_facets`].
pub(crate) fn kept_facets(inner: &Inner, request: &SearchQuery) -> Option<Facets> {
    let answers = inner.answers.lock().unwrap_or_else(PoisonError::into_inner);
    answers.facets.get(&request.matches_only()).cloned()
}

/// See [`crate::SearchIndex::facets`]: kept counts, or [`count_facets`]'.
pub(crate) fn facets(inner: &Inner, request: &SearchQuery) -> Result<Facets, SearchError> {
    let key = request.matches_only();
    let lock = || inner.answers.lock().unwrap_or_else(PoisonError::into_inner);
    let snapshot = {
        let answers = lock();
        if let Some(facets) = answers.facets.get(&key) {
            return Ok(facets.clone());
        }
        answers.snapshot
    };
    let facets = count_facets(inner, &key)?;
    let mut answers = lock();
    if answers.snapshot == snapshot {
        if answers.facets.len() >= ANSWERS {
            answers.facets.clear();
        }
        answers.facets.insert(key, facets.clone());
    }
    Ok(facets)
}

/// Counts the matches of a query by category, price band, option value and stock: one
/// collector pass over the matches, and one more per option filtered on (counted without
/// its own filter).
fn count_facets(inner: &Inner, request: &SearchQuery) -> Result<Facets, SearchError> {
    let searcher = inner.reader.searcher();
    let Some(query) = matching(inner, &searcher, request)? else {
        return Ok(Facets::default());
    };
    let mut collector = FacetCollector::for_field(FACETS);
    for root in [CATEGORY_ROOT, PRICE_ROOT, OPTION_ROOT, STOCK_ROOT] {
        collector.add_facet(Facet::from_path([root]));
    }
    let (total, counts) = searcher.search(&*query, &(Count, collector))?;
    let step = |facet: &Facet| facet.to_path().get(1).map(|s| (*s).to_owned());
    let mut facets = Facets {
        total: total as u64,
        categories: counts
            .get(Facet::from_path([CATEGORY_ROOT]))
            .filter_map(|(f, n)| Some((step(f)?.parse().ok()?, n)))
            .collect(),
        price_bands: counts
            .get(Facet::from_path([PRICE_ROOT]))
            .filter_map(|(f, n)| Some((step(f)?.parse().ok()?, n)))
            .collect(),
        options: option_counts(counts.get(Facet::from_path([OPTION_ROOT])), None),
        in_stock: counts
            .get(Facet::from_path([STOCK_ROOT]))
            .find(|(f, _)| **f == in_stock_facet())
            .map_or(0, |(_, n)| n),
    };
    facets.categories.sort_unstable();
    facets.price_bands.sort_unstable();
    for filtered in &request.options {
        let without = SearchQuery {
            options: request
                .options
                .iter()
                .filter(|o| o.name != filtered.name)
                .cloned()
                .collect(),
            ..request.clone()
        };
        let mut values = Vec::new();
        if let Some(query) = matching(inner, &searcher, &without)? {
            let mut collector = FacetCollector::for_field(FACETS);
            collector.add_facet(Facet::from_path([OPTION_ROOT]));
            let counts = searcher.search(&*query, &collector)?;
            values = option_counts(counts.get(Facet::from_path([OPTION_ROOT])), Some(&filtered.name))
                .pop()
                .map(|o| o.values)
                .unwrap_or_default();
        }
        match facets.options.iter_mut().find(|o| o.name == filtered.name) {
            Some(option) => option.values = values,
            None => facets.options.push(OptionFacet {
                name: filtered.name.clone(),
                values,
            }),
        }
    }
    facets.options.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(facets)
}

/// Groups `/o/<name>\x1f<value>` counts by option (only `only`'s when given).
fn option_counts<'a>(counts: impl Iterator<Item = (&'a Facet, u64)>, only: Option<&str>) -> Vec<OptionFacet> {
    let mut options: Vec<OptionFacet> = Vec::new();
    for (facet, n) in counts {
        let Some((name, value)) = facet.to_path().get(1).and_then(|s| s.split_once(OPTION_SEP)) else {
            continue;
        };
        if only.is_some_and(|only| only != name) {
            continue;
        }
        match options.iter_mut().find(|o| o.name == name) {
            Some(option) => option.values.push((value.to_owned(), n)),
            None => options.push(OptionFacet {
                name: name.to_owned(),
                values: vec![(value.to_owned(), n)],
            }),
        }
    }
    for option in &mut options {
        option.values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    options
}

/// The query whose matches a search answers: the filters alone without words, else the
/// first relaxation tier that matches anything (`None` when none does).
fn matching(inner: &Inner, searcher: &Searcher, request: &SearchQuery) -> Result<Option<Box<dyn Query>>, SearchError> {
    if let (Some(min), Some(max)) = (request.min_price, request.max_price)
        && min > max
    {
        return Ok(None);
    }
    let words = query_words(
        &mut inner.query_analyzer.clone(),
        &mut inner.index_analyzer.clone(),
        &request.text,
    );
    if words.is_empty() {
        return Ok(Some(with_filters(&inner.fields, None, request)));
    }
    let text = TextQuery::new(&inner.fields, &words);
    for tier in text.tiers() {
        let query = with_filters(&inner.fields, Some(text.build(tier, false)), request);
        if searcher.search(&*query, &Count)? > 0 {
            return Ok(Some(query));
        }
    }
    Ok(None)
}

/// Runs a query on the current snapshot.
fn run(inner: &Inner, request: &SearchQuery) -> Result<SearchHits, SearchError> {
    let (offset, limit) = (request.offset, request.limit);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(SearchError::InvalidLimit { limit });
    }
    if offset >= MAX_RESULT_WINDOW {
        return Ok(SearchHits::default());
    }
    if let (Some(min), Some(max)) = (request.min_price, request.max_price)
        && min > max
    {
        return Ok(SearchHits::default());
    }
    let searcher = inner.reader.searcher();
    // One more than the page, to learn whether another page exists (within the window).
    let window = offset..(offset + limit + 1).min(MAX_RESULT_WINDOW);
    let words = query_words(
        &mut inner.query_analyzer.clone(),
        &mut inner.index_analyzer.clone(),
        &request.text,
    );

    if words.is_empty() {
        let sort = match request.sort {
            SearchSort::Relevance => SearchSort::Newest,
            sort => sort,
        };
        let query = with_filters(&inner.fields, None, request);
        return Ok(page(top_ids(&searcher, &*query, sort, window)?, limit));
    }

    let text = TextQuery::new(&inner.fields, &words);
    let scored = request.sort == SearchSort::Relevance;
    for tier in text.tiers() {
        let query = with_filters(&inner.fields, Some(text.build(tier, scored)), request);
        let ids = top_ids(&searcher, &*query, request.sort, window.clone())?;
        // An empty page past the end of a non-empty tier is still that tier's answer: falling
        // through would splice another tier's results into the pagination.
        if !ids.is_empty() || (offset > 0 && searcher.search(&*query, &Count)? > 0) {
            tracing::debug!(?tier, words = words.len(), hits = ids.len(), "search answered");
            let mut hits = page(ids, limit);
            hits.partial = tier == Tier::AnyWord;
            return Ok(hits);
        }
    }
    Ok(SearchHits::default())
}

fn page(mut ids: Vec<i64>, limit: usize) -> SearchHits {
    let has_more = ids.len() > limit;
    ids.truncate(limit);
    SearchHits {
        ids,
        has_more,
        partial: false,
    }
}

/// Ids of the documents in `window` of the sorted matches.
///
/// Every order ends with the product id, so equal keys (same price, same score) always come out
/// in the same order and offset pagination over an unchanged index neither repeats nor skips.
/// The id is also the last sort key's value, so hits need no document-store lookup.
fn top_ids(
    searcher: &Searcher,
    query: &dyn Query,
    sort: SearchSort,
    window: Range<usize>,
) -> tantivy::Result<Vec<i64>> {
    let id_asc = (SortByStaticFastValue::<i64>::for_field(ID), Order::Asc);
    let by_i64 = |field: &str, order| (SortByStaticFastValue::<i64>::for_field(field), order);
    match sort {
        SearchSort::Relevance => collect(searcher, query, window, ((SortBySimilarityScore, Order::Desc), id_asc)),
        SearchSort::PriceAsc => collect(searcher, query, window, (by_i64(PRICE, Order::Asc), id_asc)),
        SearchSort::PriceDesc => collect(searcher, query, window, (by_i64(PRICE, Order::Desc), id_asc)),
        // Among products created in the same millisecond, the later id is the newer one.
        SearchSort::Newest => collect(
            searcher,
            query,
            window,
            (by_i64(CREATED_AT, Order::Desc), by_i64(ID, Order::Desc)),
        ),
        SearchSort::Rating => {
            let rating = (SortByStaticFastValue::<f64>::for_field(RATING), Order::Desc);
            collect(searcher, query, window, (rating, id_asc))
        }
    }
}

fn collect<K, C>(searcher: &Searcher, query: &dyn Query, window: Range<usize>, key: C) -> tantivy::Result<Vec<i64>>
where
    K: 'static + Clone + Send + Sync + Debug,
    C: SortKeyComputer<SortKey = (K, Option<i64>)> + Send + 'static,
{
    let hits = searcher.search(query, &TopDocs::for_doc_range(window).order_by(key))?;
    // Every document has an id; `None` could only come from a foreign index and is skipped.
    Ok(hits.into_iter().filter_map(|((_, id), _)| id).collect())
}
