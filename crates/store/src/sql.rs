//! A small builder for the few queries whose shape depends on the request (listing
//! filters and sorts). sqlx's `QueryBuilder` writes `?` placeholders for `Any`, which
//! PostgreSQL rejects; this one writes `$1, $2, …`, which both engines accept.

use crate::db::{Query, Value, query_assembled};

/// SQL text with numbered placeholders and their values. Only fixed fragments written in
/// this crate are ever pushed as text; every value goes through a placeholder.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    text: String,
    binds: Vec<Value>,
}

impl Sql {
    pub(crate) fn new(text: &'static str) -> Self {
        Self {
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    /// Appends a fixed fragment.
    pub(crate) fn push(&mut self, fragment: &'static str) -> &mut Self {
        self.text.push_str(fragment);
        self
    }

    /// Appends a placeholder for `value`.
    pub(crate) fn bind(&mut self, value: Value) -> &mut Self {
        self.binds.push(value);
        self.text.push('$');
        self.text.push_str(&self.binds.len().to_string());
        self
    }

    /// Appends `(…)`, a placeholder per value: the list of an `IN`.
    pub(crate) fn bind_list(&mut self, values: impl IntoIterator<Item = i64>) -> &mut Self {
        self.bind_tuple(values.into_iter().map(Value::Int))
    }

    /// Appends `(…)`, a placeholder per value: a row of a multi-row `VALUES`, or an `IN` list.
    pub(crate) fn bind_tuple(&mut self, values: impl IntoIterator<Item = Value>) -> &mut Self {
        self.text.push('(');
        for (n, v) in values.into_iter().enumerate() {
            if n > 0 {
                self.text.push(',');
            }
            self.bind(v);
        }
        self.text.push(')');
        self
    }

    /// The query, ready to run.
    pub(crate) fn build(self) -> Query {
        query_assembled(self.text, self.binds)
    }
}
