//! The durable job queue: work to run later (a notification to deliver, a refund to pay
//! back), claimed with a lease by a conditional update so that of several instances one
//! runs each job, and retried with backoff until it is done.

use emporium_domain::time::Timestamp;

use crate::db::{Conn, Value, query, query_scalar};
use crate::sql::Sql;
use crate::{Store, StoreError};

/// A claimed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Job id.
    pub id: i64,
    /// What to do.
    pub kind: String,
    /// With what.
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// A job to queue inside another operation's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// What to do.
    pub kind: String,
    /// With what.
    pub payload: String,
    /// When.
    pub run_at: Timestamp,
    /// Queued at.
    pub created_at: Timestamp,
}

impl Store {
    /// Queues a job to run at `run_at`.
    pub async fn enqueue_job(
        &self,
        kind: &str,
        payload: String,
        run_at: Timestamp,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let kind = kind.to_owned();
        self.write(move |conn| {
            Box::pin(async move {
                Ok(query_scalar(
                    "INSERT INTO jobs (kind, payload, run_at, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(&kind)
                .bind(&payload)
                .bind(run_at.millis())
                .bind(now.millis())
                .fetch_one(&mut *conn)
                .await?)
            })
        })
        .await
    }

    /// Claims up to `limit` due jobs until `lease_until`: each is locked with a
    /// conditional update, so of several instances exactly one runs a job; a crashed
    /// instance's lock expires and another picks the job up.
    pub async fn claim_jobs(&self, now: Timestamp, lease_until: Timestamp, limit: i64) -> Result<Vec<Job>, StoreError> {
        let due: Vec<i64> = query_scalar(
            "SELECT id FROM jobs WHERE run_at <= $1 AND (locked_until IS NULL OR locked_until <= $1) ORDER BY run_at LIMIT $2",
        )
        .bind(now.millis())
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        let mut claimed = Vec::new();
        for id in due {
            let job = self
                .write(move |conn| Box::pin(async move { claim_job_in(conn, id, now, lease_until).await }))
                .await?;
            claimed.extend(job);
        }
        Ok(claimed)
    }

    /// Finishes a job: done (`None`) deletes it; `Some(run_at)` schedules another attempt.
    pub async fn finish_job(
        &self,
        id: i64,
        retry_at: Option<Timestamp>,
        error: Option<String>,
    ) -> Result<(), StoreError> {
        self.write(move |conn| {
            Box::pin(async move {
                match retry_at {
                    None => query("DELETE FROM jobs WHERE id = $1").bind(id).execute(&mut *conn).await?,
                    Some(at) => {
                        query("UPDATE jobs SET run_at = $1, attempts = attempts + 1, locked_until = NULL, last_error = $2 WHERE id = $3")
                            .bind(at.millis())
                            .bind(&error)
                            .bind(id)
                            .execute(&mut *conn)
                            .await?
                    }
                };
                Ok(())
            })
        })
        .await
    }
}

/// Takes the lease on one job if it is still due and unleased (another instance may have
/// claimed it since it was listed).
async fn claim_job_in(
    conn: &mut Conn,
    id: i64,
    now: Timestamp,
    lease_until: Timestamp,
) -> Result<Option<Job>, StoreError> {
    let row = query(
        "UPDATE jobs SET locked_until = $1 WHERE id = $2 AND run_at <= $3 AND (locked_until IS NULL OR locked_until <= $3)
         RETURNING id, kind, payload, attempts",
    )
    .bind(lease_until.millis())
    .bind(id)
    .bind(now.millis())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(Job {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            payload: r.try_get("payload")?,
            attempts: r.try_get("attempts")?,
        })
    })
    .transpose()
}

/// Queues `jobs` inside the caller's transaction, all in one statement.
pub(crate) async fn enqueue_all_in(conn: &mut Conn, jobs: Vec<NewJob>) -> Result<(), StoreError> {
    if jobs.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new("INSERT INTO jobs (kind, payload, run_at, created_at) VALUES ");
    for (i, job) in jobs.into_iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind_tuple([
            Value::Text(job.kind),
            Value::Text(job.payload),
            Value::Int(job.run_at.millis()),
            Value::Int(job.created_at.millis()),
        ]);
    }
    sql.build().execute(&mut *conn).await?;
    Ok(())
}
