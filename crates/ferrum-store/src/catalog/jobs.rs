//! Background jobs, claimed from the catalog so that several server instances share them.
use super::sql::{now, on_pool, on_writes, timestamp, SqlCatalog};
use crate::model::*;
use crate::StoreError;

const ENQUEUE_JOB: &str = "INSERT INTO jobs (kind, subject, run_after, created_at) VALUES ($1, $2, $3, $4) \
    ON CONFLICT (kind, subject) DO UPDATE SET generation = jobs.generation + 1, attempts = 0, \
    run_after = CASE WHEN excluded.run_after < jobs.run_after THEN excluded.run_after ELSE jobs.run_after END";
const COMPLETE_JOB: &str = "DELETE FROM jobs WHERE id = $1 AND generation = $2";
const RELEASE_JOB: &str = "UPDATE jobs SET locked_until = NULL, attempts = 0 WHERE id = $1";
const FAIL_JOB: &str =
    "UPDATE jobs SET locked_until = NULL, run_after = $2, last_error = $3 WHERE id = $1 AND generation = $4";

const JOB_BACKLOG: &str =
    "SELECT kind, COUNT(*) AS due, MIN(run_after) AS oldest_due_at FROM jobs WHERE run_after <= $1 GROUP BY kind";

/// Claims due jobs; `lock` is what the backend adds so that concurrent claimers skip rows
/// another has selected.
fn claim_jobs_sql(lock: &str) -> String {
    format!(
        "UPDATE jobs SET locked_until = $2, attempts = attempts + 1 WHERE id IN \
         (SELECT id FROM jobs WHERE run_after <= $1 AND (locked_until IS NULL OR locked_until <= $1) \
          ORDER BY run_after, id LIMIT $3 {lock}) \
         RETURNING id, kind, subject, generation, attempts"
    )
}

#[async_trait::async_trait]
impl super::JobCatalog for SqlCatalog {
    async fn enqueue_jobs(&self, jobs: &[NewJob]) -> Result<(), StoreError> {
        let at = now();
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            for job in jobs {
                sqlx::query(ENQUEUE_JOB)
                    .bind(&job.kind)
                    .bind(&job.subject)
                    .bind(&job.run_after)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    async fn claim_jobs(&self, limit: u32, lease: std::time::Duration) -> Result<Vec<Job>, StoreError> {
        let now = chrono::Utc::now();
        let until = now + chrono::Duration::from_std(lease).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let sql = claim_jobs_sql(self.dialect().claim_lock);
        let mut jobs: Vec<Job> = on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            sqlx::query_as(&sql)
                .bind(timestamp(now))
                .bind(timestamp(until))
                .bind(i64::from(limit))
                .fetch_all(&mut *c)
                .await?
        });
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    async fn complete_job(&self, job: &Job) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            let done = sqlx::query(COMPLETE_JOB).bind(job.id).bind(job.generation).execute(&mut *c).await?;
            if done.rows_affected() == 0 {
                sqlx::query(RELEASE_JOB).bind(job.id).execute(&mut *c).await?;
            }
        });
        Ok(())
    }

    async fn job_backlog(&self) -> Result<Vec<JobBacklog>, StoreError> {
        let at = now();
        Ok(on_pool!(&self.pool, |p| sqlx::query_as(JOB_BACKLOG).bind(&at).fetch_all(p).await?))
    }

    async fn fail_job(&self, job: &Job, error: &str, retry_after: &str) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            let failed = sqlx::query(FAIL_JOB)
                .bind(job.id)
                .bind(retry_after)
                .bind(error)
                .bind(job.generation)
                .execute(&mut *c)
                .await?;
            if failed.rows_affected() == 0 {
                // Queued again while it ran: due again now, as a fresh job.
                sqlx::query(RELEASE_JOB).bind(job.id).execute(&mut *c).await?;
            }
        });
        Ok(())
    }
}
