//! Accounts, login sessions and groups.
use super::audit::append_chained;
use super::ingest::{on_conn, Conn};
use super::rows::{role, SessionRow, UserRow};
use super::sql::{now, on_pool, on_writes, SqlCatalog};
use crate::access::Group;
use crate::audit::NewAuditEvent;
use crate::model::*;
use crate::StoreError;

/// Ends every open session of an account (`$1` username, `$2` now).
const END_SESSIONS: &str = "UPDATE sessions SET revoked_at = $2 \
     WHERE revoked_at IS NULL AND user_id = (SELECT id FROM users WHERE username = $1)";

/// Marks the account deleted on an open transaction: the row stays (its name is never
/// issued again); what could log in goes, and so do its group memberships and the grants
/// given to it.
pub(crate) async fn tombstone(conn: &mut Conn<'_>, id: i64, username: &str) -> Result<(), sqlx::Error> {
    let at = now();
    on_conn!(conn, |c| {
        sqlx::query("UPDATE users SET deleted_at = $2, password_hash = NULL WHERE id = $1")
            .bind(id)
            .bind(&at)
            .execute(&mut **c)
            .await?;
        sqlx::query("DELETE FROM group_members WHERE user_id = $1").bind(id).execute(&mut **c).await?;
        sqlx::query("DELETE FROM study_grants WHERE grantee_kind = 'user' AND grantee_id = $1")
            .bind(id)
            .execute(&mut **c)
            .await?;
        sqlx::query(END_SESSIONS).bind(username).bind(&at).execute(&mut **c).await?;
    });
    Ok(())
}

fn named_conflict(e: sqlx::Error, what: &str) -> StoreError {
    match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(what.into()),
        other => other,
    }
}

#[async_trait::async_trait]
impl super::AccountCatalog for SqlCatalog {
    async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        audit: &NewAuditEvent,
    ) -> Result<User, StoreError> {
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            sqlx::query("INSERT INTO users (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4)")
                .bind(username)
                .bind(password_hash)
                .bind(role.as_str())
                .bind(now())
                .execute(&mut *tx)
                .await
                .map_err(|e| named_conflict(e, "this username is taken or was used before"))?;
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        self.find_user(username).await?.ok_or(StoreError::NotFound)
    }

    async fn find_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = on_pool!(&self.pool, |p| sqlx::query_as("SELECT * FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(p)
            .await?);
        row.map(User::try_from).transpose()
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> =
            on_pool!(&self.pool, |p| sqlx::query_as("SELECT * FROM users WHERE deleted_at IS NULL ORDER BY username")
                .fetch_all(p)
                .await?);
        rows.into_iter().map(User::try_from).collect()
    }

    async fn update_user(
        &self,
        username: &str,
        change: &UserChange,
        audit: &[NewAuditEvent],
    ) -> Result<User, StoreError> {
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            // $4: 1 disables, 0 enables, NULL leaves it. Enabling also clears a lockout the
            // disabled account may have run into.
            let done = sqlx::query(
                "UPDATE users SET role = COALESCE($2, role), password_hash = COALESCE($3, password_hash), \
                 failed_logins = CASE WHEN $3 IS NULL AND COALESCE($4, 1) = 1 THEN failed_logins ELSE 0 END, \
                 locked_until = CASE WHEN $3 IS NULL AND COALESCE($4, 1) = 1 THEN locked_until ELSE NULL END, \
                 disabled_at = CASE WHEN $4 IS NULL THEN disabled_at WHEN $4 = 1 THEN COALESCE(disabled_at, $5) \
                 ELSE NULL END \
                 WHERE username = $1 AND deleted_at IS NULL",
            )
            .bind(username)
            .bind(change.role.map(Role::as_str))
            .bind(&change.password_hash)
            .bind(change.disabled.map(i64::from))
            .bind(now())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            if change.password_hash.is_some() || change.disabled == Some(true) {
                sqlx::query(END_SESSIONS).bind(username).bind(now()).execute(&mut *tx).await?;
            }
            for event in audit {
                append_chained(&mut Conn::from(&mut *tx), event).await?;
            }
            tx.commit().await?;
        });
        self.find_user(username).await?.ok_or(StoreError::NotFound)
    }

    async fn delete_user(&self, username: &str, audit: &NewAuditEvent) -> Result<(), StoreError> {
        // The row stays (its name is never issued again); what could log in goes, and so do
        // its group memberships and the grants given to it.
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let id: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1 AND deleted_at IS NULL")
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(id) = id else {
                return Err(StoreError::NotFound);
            };
            tombstone(&mut Conn::from(&mut *tx), id, username).await?;
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(p).await?))
    }

    async fn claim_login_attempt(
        &self,
        user_id: i64,
        now: &str,
        max_failures: i64,
        lock_until: &str,
    ) -> Result<bool, StoreError> {
        let done = on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            sqlx::query(
                "UPDATE users SET failed_logins = failed_logins + 1, \
             locked_until = CASE WHEN failed_logins + 1 >= $3 THEN $4 ELSE locked_until END \
             WHERE id = $1 AND deleted_at IS NULL AND (locked_until IS NULL OR locked_until <= $2)",
            )
            .bind(user_id)
            .bind(now)
            .bind(max_failures)
            .bind(lock_until)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    async fn record_login_success(&self, user_id: i64) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                .bind(user_id)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError> {
        let at = now();
        on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            {
                sqlx::query(
            "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at, address, user_agent) \
             VALUES ($1, $2, $3, $4, $4, $5, $6, $7)"
        )
        .bind(&session.id)
        .bind(session.user_id)
        .bind(&session.refresh_hash)
        .bind(&at)
        .bind(&session.expires_at)
        .bind(&session.address)
        .bind(&session.user_agent)
        .execute(&mut *c)
        .await?
        .rows_affected()
            }
        });
        Ok(())
    }

    async fn find_session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let row: Option<SessionRow> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT s.id, u.id AS user_id, s.refresh_hash, s.created_at, \
             COALESCE(s.last_used_at, s.created_at) AS last_used_at, s.expires_at, s.revoked_at, \
             u.username, u.role, u.deleted_at, u.disabled_at, u.totp_secret IS NOT NULL AS mfa_enabled, \
             (SELECT value FROM settings WHERE key = 'mfa_required_roles') AS mfa_required_roles \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await?);
        row.map(|r| {
            Ok(Session {
                id: r.id,
                user_id: r.user_id,
                username: r.username,
                role: role(&r.role)?,
                user_deleted: r.deleted_at.is_some(),
                user_disabled: r.disabled_at.is_some(),
                mfa_enabled: r.mfa_enabled,
                refresh_hash: r.refresh_hash,
                created_at: r.created_at,
                last_used_at: r.last_used_at,
                expires_at: r.expires_at,
                revoked_at: r.revoked_at,
                mfa_required_roles: r.mfa_required_roles,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, id: &str, now: &str, if_before: &str) -> Result<(), StoreError> {
        // One conditional statement: most requests match no row and write nothing.
        on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            sqlx::query(
                "UPDATE sessions SET last_used_at = $2 WHERE id = $1 AND revoked_at IS NULL \
             AND COALESCE(last_used_at, created_at) < $3",
            )
            .bind(id)
            .bind(now)
            .bind(if_before)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    async fn list_sessions(&self, user_id: i64, now: &str, idle_cutoff: &str) -> Result<Vec<SessionInfo>, StoreError> {
        let rows: Vec<(String, String, String, Option<String>, Option<String>)> = on_pool!(&self.pool, |p| {
            sqlx::query_as(
                "SELECT id, created_at, COALESCE(last_used_at, created_at) AS used, address, user_agent \
                 FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
                 AND COALESCE(last_used_at, created_at) >= $3 ORDER BY used DESC, id",
            )
            .bind(user_id)
            .bind(now)
            .bind(idle_cutoff)
            .fetch_all(p)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, created_at, last_used_at, address, user_agent)| SessionInfo {
                id,
                created_at,
                last_used_at,
                address,
                user_agent,
            })
            .collect())
    }

    async fn revoke_user_session(&self, user_id: i64, id: &str, audit: &NewAuditEvent) -> Result<bool, StoreError> {
        Ok(on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let done = sqlx::query(
                "UPDATE sessions SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(user_id)
            .bind(now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 1 {
                append_chained(&mut Conn::from(&mut *tx), audit).await?;
                tx.commit().await?;
            }
            done == 1
        }))
    }

    async fn revoke_other_sessions(&self, user_id: i64, keep: &str, audit: &NewAuditEvent) -> Result<u64, StoreError> {
        Ok(on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let ended = sqlx::query(
                "UPDATE sessions SET revoked_at = $3 WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL",
            )
            .bind(user_id)
            .bind(keep)
            .bind(now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            append_chained(&mut Conn::from(&mut *tx), &with_detail(audit, "ended", ended)).await?;
            tx.commit().await?;
            ended
        }))
    }

    async fn change_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: &str,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let done = sqlx::query(
                "UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL \
                 WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(user_id)
            .bind(password_hash)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("UPDATE sessions SET revoked_at = $3 WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL")
                .bind(user_id)
                .bind(keep_session)
                .bind(now())
                .execute(&mut *tx)
                .await?;
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    async fn unlock_user(&self, username: &str, audit: &NewAuditEvent) -> Result<User, StoreError> {
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let done = sqlx::query(
                "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE username = $1 AND deleted_at IS NULL",
            )
            .bind(username)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound);
            }
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        self.find_user(username).await?.ok_or(StoreError::NotFound)
    }

    async fn rotate_session(&self, id: &str, old_hash: &str, new_hash: &str) -> Result<bool, StoreError> {
        let done = on_writes!(&self.writes, |p| {
            let mut c = p.acquire().await?;
            sqlx::query(
                "UPDATE sessions SET refresh_hash = $3 WHERE id = $1 AND refresh_hash = $2 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(old_hash)
            .bind(new_hash)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    async fn revoke_session(&self, id: &str, audit: &NewAuditEvent) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            sqlx::query("UPDATE sessions SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1")
                .bind(id)
                .bind(now())
                .execute(&mut *tx)
                .await?;
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    async fn groups_of(&self, user_id: i64) -> Result<Vec<i64>, StoreError> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar(
            "SELECT group_id FROM group_members WHERE user_id = $1 ORDER BY group_id"
        )
        .bind(user_id)
        .fetch_all(p)
        .await?))
    }

    async fn create_group(&self, name: &str, audit: &NewAuditEvent) -> Result<Group, StoreError> {
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            sqlx::query("INSERT INTO groups (name, created_at) VALUES ($1, $2)")
                .bind(name)
                .bind(now())
                .execute(&mut *tx)
                .await
                .map_err(|e| named_conflict(e, "a group of this name exists"))?;
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        self.group(name).await?.ok_or(StoreError::NotFound)
    }

    async fn list_groups(&self) -> Result<Vec<Group>, StoreError> {
        let rows: Vec<(String, String, Option<String>)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT g.name, g.created_at, u.username FROM groups g \
             LEFT JOIN group_members m ON m.group_id = g.id LEFT JOIN users u ON u.id = m.user_id \
             ORDER BY g.name, u.username"
        )
        .fetch_all(p)
        .await?);
        let mut groups: Vec<Group> = Vec::new();
        for (name, created_at, member) in rows {
            if groups.last().is_none_or(|g| g.name != name) {
                groups.push(Group { name, members: Vec::new(), created_at });
            }
            if let (Some(m), Some(g)) = (member, groups.last_mut()) {
                g.members.push(m);
            }
        }
        Ok(groups)
    }

    async fn rename_group(&self, name: &str, new_name: &str, audit: &NewAuditEvent) -> Result<Group, StoreError> {
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let done = sqlx::query("UPDATE groups SET name = $2 WHERE name = $1")
                .bind(name)
                .bind(new_name)
                .execute(&mut *tx)
                .await
                .map_err(|e| named_conflict(e, "a group of this name exists"))?
                .rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound);
            }
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        self.group(new_name).await?.ok_or(StoreError::NotFound)
    }

    async fn delete_group(&self, name: &str, audit: &NewAuditEvent) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            sqlx::query(
                "DELETE FROM study_grants WHERE grantee_kind = 'group' \
                 AND grantee_id = (SELECT id FROM groups WHERE name = $1)",
            )
            .bind(name)
            .execute(&mut *tx)
            .await?;
            let done = sqlx::query("DELETE FROM groups WHERE name = $1").bind(name).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    async fn add_member(&self, group: &str, username: &str, audit: &NewAuditEvent) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let done = sqlx::query(
                "INSERT INTO group_members (group_id, user_id, added_at) \
                 SELECT g.id, u.id, $3 FROM groups g, users u \
                 WHERE g.name = $1 AND u.username = $2 AND u.deleted_at IS NULL \
                 ON CONFLICT (group_id, user_id) DO NOTHING",
            )
            .bind(group)
            .bind(username)
            .bind(now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                // A member already, or no such group or account.
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM group_members m JOIN groups g ON g.id = m.group_id \
                     JOIN users u ON u.id = m.user_id WHERE g.name = $1 AND u.username = $2",
                )
                .bind(group)
                .bind(username)
                .fetch_one(&mut *tx)
                .await?;
                if n == 0 {
                    return Err(StoreError::NotFound);
                }
            }
            append_chained(&mut Conn::from(&mut *tx), audit).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    async fn remove_member(&self, group: &str, username: &str, audit: &NewAuditEvent) -> Result<(), StoreError> {
        on_writes!(&self.writes, |p| {
            let mut tx = p.begin_with(self.dialect().begin_write).await?;
            let done = sqlx::query(
                "DELETE FROM group_members WHERE group_id = (SELECT id FROM groups WHERE name = $1) \
                 AND user_id = (SELECT id FROM users WHERE username = $2)",
            )
            .bind(group)
            .bind(username)
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

impl SqlCatalog {
    async fn group(&self, name: &str) -> Result<Option<Group>, StoreError> {
        Ok(super::AccountCatalog::list_groups(self).await?.into_iter().find(|g| g.name == name))
    }
}

/// `event` with one more fact in its detail (a number only the change itself knows).
fn with_detail(event: &NewAuditEvent, key: &str, value: impl Into<serde_json::Value>) -> NewAuditEvent {
    let mut event = event.clone();
    match &mut event.detail {
        Some(serde_json::Value::Object(map)) => {
            map.insert(key.to_owned(), value.into());
        }
        _ => event.detail = Some(serde_json::json!({ key: value.into() })),
    }
    event
}
