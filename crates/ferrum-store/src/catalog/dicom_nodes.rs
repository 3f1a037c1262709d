//! Known remote DICOM application entities, one row per AE title, each bound to an account
//! by id (so that the account's current state, not its state when the node was made, decides
//! what the node may do).
use super::audit::append_chained;
use super::ingest::Conn;
use super::sql::{now, on_pool, on_writes, SqlCatalog};
use crate::audit::NewAuditEvent;
use crate::model::{DicomNode, DicomNodeChange, DicomService, NewDicomNode};
use crate::StoreError;

#[derive(sqlx::FromRow)]
struct NodeRow {
    ae_title: String,
    host: String,
    port: i64,
    username: String,
    user_id: i64,
    account_active: bool,
    services: String,
    created_at: String,
    updated_at: String,
}

impl TryFrom<NodeRow> for DicomNode {
    type Error = StoreError;

    fn try_from(r: NodeRow) -> Result<Self, StoreError> {
        let services = r
            .services
            .split_whitespace()
            .map(|s| DicomService::parse(s).ok_or_else(|| StoreError::Other(format!("unknown DICOM service {s:?}"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(DicomNode {
            ae_title: r.ae_title,
            host: r.host,
            port: u16::try_from(r.port).map_err(|_| StoreError::Other("DICOM node port out of range".into()))?,
            account: r.username,
            account_id: r.user_id,
            account_active: r.account_active,
            services,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const SELECT: &str = "SELECT n.ae_title, n.host, n.port, u.username, n.user_id, \
                      (u.deleted_at IS NULL AND u.disabled_at IS NULL) AS account_active, n.services, \
                      n.created_at, n.updated_at FROM dicom_nodes n JOIN users u ON u.id = n.user_id";

/// The services as the column keeps them: sorted, without repeats, space-separated.
fn services_column(services: &[DicomService]) -> String {
    let mut s = services.to_vec();
    s.sort_unstable();
    s.dedup();
    s.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(" ")
}

const NO_ACCOUNT: &str = "no such account";

#[async_trait::async_trait]
impl super::DicomNodeCatalog for SqlCatalog {
    async fn create_dicom_node(&self, node: &NewDicomNode, audit: &NewAuditEvent) -> Result<DicomNode, StoreError> {
        let begin = self.dialect().begin_write;
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(begin).await?;
            let at = now();
            let done = sqlx::query(
                "INSERT INTO dicom_nodes (ae_title, host, port, user_id, services, created_at, updated_at) \
                 SELECT $1, $2, $3, id, $4, $5, $5 FROM users WHERE username = $6 AND deleted_at IS NULL",
            )
            .bind(&node.ae_title)
            .bind(&node.host)
            .bind(i64::from(node.port))
            .bind(services_column(&node.services))
            .bind(&at)
            .bind(&node.account)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::Invalid(NO_ACCOUNT.into()));
            }
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        self.find_dicom_node(&node.ae_title).await?.ok_or(StoreError::NotFound)
    }

    async fn list_dicom_nodes(&self) -> Result<Vec<DicomNode>, StoreError> {
        let sql = format!("{SELECT} ORDER BY n.ae_title");
        let rows: Vec<NodeRow> = on_pool!(&self.pool, |p| sqlx::query_as(&sql).fetch_all(p).await?);
        rows.into_iter().map(DicomNode::try_from).collect()
    }

    async fn find_dicom_node(&self, ae_title: &str) -> Result<Option<DicomNode>, StoreError> {
        let sql = format!("{SELECT} WHERE n.ae_title = $1");
        let row: Option<NodeRow> =
            on_pool!(&self.pool, |p| sqlx::query_as(&sql).bind(ae_title).fetch_optional(p).await?);
        row.map(DicomNode::try_from).transpose()
    }

    async fn update_dicom_node(
        &self,
        ae_title: &str,
        change: &DicomNodeChange,
        audit: &NewAuditEvent,
    ) -> Result<DicomNode, StoreError> {
        let begin = self.dialect().begin_write;
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(begin).await?;
            let user_id: Option<i64> = match &change.account {
                Some(name) => {
                    let id = sqlx::query_scalar("SELECT id FROM users WHERE username = $1 AND deleted_at IS NULL")
                        .bind(name)
                        .fetch_optional(&mut *tx)
                        .await?;
                    Some(id.ok_or_else(|| StoreError::Invalid(NO_ACCOUNT.into()))?)
                }
                None => None,
            };
            let done = sqlx::query(
                "UPDATE dicom_nodes SET host = COALESCE($2, host), port = COALESCE($3, port), \
                 user_id = COALESCE($4, user_id), services = COALESCE($5, services), updated_at = $6 \
                 WHERE ae_title = $1",
            )
            .bind(ae_title)
            .bind(&change.host)
            .bind(change.port.map(i64::from))
            .bind(user_id)
            .bind(change.services.as_deref().map(services_column))
            .bind(now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound);
            }
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        self.find_dicom_node(ae_title).await?.ok_or(StoreError::NotFound)
    }

    async fn delete_dicom_node(&self, ae_title: &str, audit: &NewAuditEvent) -> Result<(), StoreError> {
        let begin = self.dialect().begin_write;
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(begin).await?;
            let done = sqlx::query("DELETE FROM dicom_nodes WHERE ae_title = $1")
                .bind(ae_title)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound);
            }
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
