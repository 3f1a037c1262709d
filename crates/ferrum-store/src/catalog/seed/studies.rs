//! A synthetic archive for the search benchmark and the query-plan test: studies with
//! skewed names in several scripts (Latin with accents, Greek, Cyrillic, Japanese and
//! Korean with ideographic and phonetic groups), dates, modalities, descriptions,
//! physicians, institutions, several owners (each in a team group, 4% of the studies shared
//! with another owner's team) and a reader who sees about 1% of them (half owned, half
//! shared with the account or its group). Rows are written in multi-row
//! statements with their search columns computed by the same function ingest uses;
//! instances are made set-based from the series. The rows point at blobs that do not
//! exist; never seed a catalog that serves users.
use sqlx::QueryBuilder;

use super::super::sql::{now, on_pool, on_writes, SqlCatalog};
use crate::search::fold;
use crate::search::keys::{SearchColumns, StudySearchInput, SEARCH_VERSION};
use crate::StoreError;

/// What to seed.
#[derive(Debug, Clone)]
pub struct StudySeed {
    pub studies: u64,
    /// Keeps the UIDs of several seedings of one catalog apart.
    pub batch: u32,
    /// Accounts that own the studies (round robin); none: no owner (admins only).
    pub owners: Vec<String>,
    /// An account that owns 0.5% of the studies and is granted 0.5% more (half directly,
    /// half through the group `seed-readers`, which it is made a member of).
    pub reader: Option<String>,
}

/// Instances per seeded series.
const PER_SERIES: i64 = 5;

const FAMILIES: &[&str] = &[
    "MÜLLER",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "García",
    "Martínez",
    "López",
    "González",
    "Rodríguez",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Rossi",
    "Russo",
    "Ferrari",
    "Nguyễn",
    "Trần",
    "Dvořák",
    "Novák",
    "Øster",
    "Jørgensen",
    "Łukasiewicz",
    "Kowalski",
    "O'Brien",
    "Strauß",
    "Παπαδόπουλος",
    "Ιωάννου",
    "Иванов",
    "Смирнов",
    "Kuznetsov",
    "Andersson",
    "Johansson",
    "Virtanen",
    "Korhonen",
    "Yılmaz",
    "Kaya",
    "Silva",
    "Santos",
    "Pereira",
];
const GIVENS: &[&str] = &[
    "Hans",
    "Anna",
    "Peter",
    "Maria",
    "Thomas",
    "Julia",
    "Michael",
    "Laura",
    "John",
    "Mary",
    "James",
    "Linda",
    "José",
    "Lucía",
    "François",
    "Amélie",
    "Giulia",
    "Marco",
    "Søren",
    "Zoë",
    "Jiří",
    "Ωμέγα",
    "Ольга",
    "Сергей",
    "Mehmet",
    "Ana",
    "João",
    "Aino",
    "Björn",
    "Chloé",
];
/// Japanese, Korean and Chinese names: alphabetic, ideographic and phonetic groups.
const EAST_ASIAN: &[&str] = &[
    "Yamada^Tarou=山田^太郎=やまだ^たろう",
    "Tanaka^Hanako=田中^花子=たなか^はなこ",
    "Suzuki^Ichiro=鈴木^一郎=すずき^いちろう",
    "Sato^Yuki=佐藤^雪=さとう^ゆき",
    "Hong^Gildong=洪^吉洞=홍^길동",
    "Kim^Minjun=金^民俊=김^민준",
    "Wang^Wei=王^伟",
    "Li^Na=李^娜",
];
const REFERRING: &[&str] =
    &["Weber^Anna", "Schulz^Peter", "House^Gregory", "Grey^Meredith", "Watson^John", "Kildare^James"];
const INSTITUTIONS: &[&str] = &[
    "St. Mary Hospital",
    "City Clinic",
    "University Medical Center",
    "Tokyo Center",
    "Klinikum Nord",
    "Hôpital Saint-Louis",
];
/// Modality, its weight, study descriptions, and series (description, body part).
type Kind = (&'static str, u32, &'static [&'static str], &'static [(&'static str, &'static str)]);
const KINDS: &[Kind] = &[
    (
        "CT",
        35,
        &["CT Thorax", "CT Abdomen Pelvis", "CT Head", "CT Angiography"],
        &[("Axial 5mm", "CHEST"), ("Lung window", "CHEST"), ("Portal venous", "ABDOMEN"), ("Brain", "HEAD")],
    ),
    (
        "MR",
        25,
        &["MR Brain", "MR Knee", "MR Lumbar Spine", "MR Shoulder"],
        &[("T1 sagittal", "HEAD"), ("T2 axial", "HEAD"), ("PD fat sat", "KNEE"), ("T2 sagittal", "LSPINE")],
    ),
    ("CR", 15, &["Chest X-ray", "Hand X-ray"], &[("PA", "CHEST"), ("Lateral", "CHEST"), ("AP", "HAND")]),
    ("US", 10, &["US Abdomen", "US Thyroid"], &[("Liver", "ABDOMEN"), ("Thyroid", "NECK")]),
    ("DX", 6, &["Pelvis X-ray"], &[("AP", "PELVIS")]),
    ("MG", 4, &["Mammography screening"], &[("CC", "BREAST"), ("MLO", "BREAST")]),
    ("PT", 3, &["PET CT whole body"], &[("Whole body", "WHOLEBODY")]),
    ("NM", 1, &["Bone scan"], &[("Whole body", "WHOLEBODY")]),
    ("XA", 1, &["Coronary angiography"], &[("LAO", "HEART")]),
];

/// A small deterministic generator (SplitMix64): the same archive every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Skewed towards the start of the list: the first entries are the common names.
    fn skewed(&mut self, n: usize) -> usize {
        let r = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((r * r) * n as f64) as usize % n
    }
}

/// A series: UID, modality, description, body part.
pub type SeedSeries = (String, &'static str, &'static str, &'static str);

/// One seeded study's attributes (DICOM values: the name as `Family^Given` or with its
/// `=`-separated groups, dates `YYYYMMDD`, times `HHMMSS`).
pub struct SeedStudy {
    pub uid: String,
    pub name: String,
    pub patient_id: String,
    pub birth: String,
    pub sex: &'static str,
    pub date: String,
    pub time: String,
    pub accession: String,
    pub description: &'static str,
    pub referring: &'static str,
    pub institution: &'static str,
    owner: Option<(i64, String)>,
    pub series: Vec<SeedSeries>,
}

/// The first `n` studies a seeding of `batch` writes, with the same attributes (owners
/// aside), so that another archive can be loaded with the same studies from files.
pub fn seeded_studies(batch: u32, n: u64) -> impl Iterator<Item = SeedStudy> {
    let mut rng = Rng(u64::from(batch) * 7919 + 1);
    (1..=n).map(move |i| make(i, batch, &mut rng, &[], None))
}

fn make(i: u64, batch: u32, rng: &mut Rng, owners: &[(i64, String)], reader: Option<&(i64, String)>) -> SeedStudy {
    let name = if rng.below(10) == 0 {
        EAST_ASIAN[rng.skewed(EAST_ASIAN.len())].to_owned()
    } else {
        format!("{}^{}", FAMILIES[rng.skewed(FAMILIES.len())], GIVENS[rng.below(GIVENS.len())])
    };
    let mut pick = rng.below(100) as u32;
    let kind = KINDS
        .iter()
        .find(|k| {
            if pick < k.1 {
                true
            } else {
                pick -= k.1;
                false
            }
        })
        .unwrap_or(&KINDS[0]);
    // Recent years are busier: the year is skewed towards 2025.
    let year = 2025 - rng.skewed(11) as u32;
    let date = format!("{year}{:02}{:02}", 1 + rng.below(12), 1 + rng.below(28));
    let time = format!("{:02}{:02}{:02}", 7 + rng.below(12), rng.below(60), rng.below(60));
    let uid = format!("2.25.8.{batch}.{i}");
    let n_series = 1 + rng.below(3);
    let mut series = Vec::with_capacity(n_series);
    for s in 0..n_series {
        let (desc, body) = kind.3[rng.below(kind.3.len())];
        // A PET study comes with its CT.
        let modality = if kind.0 == "PT" && s == 1 { "CT" } else { kind.0 };
        series.push((format!("{uid}.{}", s + 1), modality, desc, body));
    }
    let owner = match reader {
        Some(r) if i.is_multiple_of(200) => Some(r.clone()),
        _ if owners.is_empty() => None,
        _ => Some(owners[(i as usize) % owners.len()].clone()),
    };
    SeedStudy {
        uid,
        name,
        patient_id: format!("P{:07}", rng.below(60_000)),
        birth: format!("19{:02}{:02}{:02}", 20 + rng.below(80), 1 + rng.below(12), 1 + rng.below(28)),
        sex: if rng.below(2) == 0 { "F" } else { "M" },
        date,
        time,
        accession: format!("A{batch:02}{i:08}"),
        description: kind.2[rng.below(kind.2.len())],
        referring: REFERRING[rng.below(REFERRING.len())],
        institution: INSTITUTIONS[rng.skewed(INSTITUTIONS.len())],
        owner,
        series,
    }
}

/// Rows per multi-row statement.
const CHUNK: usize = 500;

async fn ids(catalog: &SqlCatalog, names: &[String]) -> Result<Vec<(i64, String)>, StoreError> {
    let mut out = Vec::new();
    for name in names {
        let id: Option<i64> = on_pool!(&catalog.pool, |p| sqlx::query_scalar(
            "SELECT id FROM users WHERE username = $1 AND deleted_at IS NULL"
        )
        .bind(name)
        .fetch_optional(p)
        .await?);
        let id = id.ok_or_else(|| StoreError::Invalid(format!("no account {name} to own seeded studies")))?;
        out.push((id, name.clone()));
    }
    Ok(out)
}

/// Adds `spec.studies` synthetic studies (1–3 series of five instances each) to the catalog
/// at `url`, creating its schema first, then refreshes the planner's statistics.
pub async fn seed_studies(url: &str, spec: &StudySeed) -> Result<(), StoreError> {
    let catalog = SqlCatalog::open(url, 2).await?;
    let owners = ids(&catalog, &spec.owners).await?;
    let reader = match &spec.reader {
        Some(r) => ids(&catalog, std::slice::from_ref(r)).await?.pop(),
        None => None,
    };
    let at = now();
    let mut rng = Rng(u64::from(spec.batch) * 7919 + 1);
    let group: Option<i64> = match &reader {
        None => None,
        Some((reader_id, _)) => on_writes!(&catalog.writes, |p| {
            let mut c = p.acquire().await?;
            {
                sqlx::query(
                    "INSERT INTO groups (name, created_at) VALUES ('seed-readers', $1) ON CONFLICT (name) DO NOTHING",
                )
                .bind(&at)
                .execute(&mut *c)
                .await?;
                let id: i64 =
                    sqlx::query_scalar("SELECT id FROM groups WHERE name = 'seed-readers'").fetch_one(&mut *c).await?;
                sqlx::query(
                "INSERT INTO group_members (group_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(reader_id)
            .bind(&at)
            .execute(&mut *c)
            .await?;
                Some(id)
            }
        }),
    };
    // A team group per owner, the owner its member, for the studies shared between teams.
    let mut teams = Vec::with_capacity(owners.len());
    for (owner_id, owner) in &owners {
        let name = format!("seed-team-{owner}");
        let id: i64 = on_writes!(&catalog.writes, |p| {
            let mut c = p.acquire().await?;
            sqlx::query("INSERT INTO groups (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(&name)
                .bind(&at)
                .execute(&mut *c)
                .await?;
            let id: i64 =
                sqlx::query_scalar("SELECT id FROM groups WHERE name = $1").bind(&name).fetch_one(&mut *c).await?;
            sqlx::query(
                "INSERT INTO group_members (group_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(owner_id)
            .bind(&at)
            .execute(&mut *c)
            .await?;
            id
        });
        teams.push(id);
    }
    let mut i = 1u64;
    while i <= spec.studies {
        let end = (i + CHUNK as u64 - 1).min(spec.studies);
        let rows: Vec<SeedStudy> = (i..=end).map(|n| make(n, spec.batch, &mut rng, &owners, reader.as_ref())).collect();
        let cols: Vec<SearchColumns> = rows
            .iter()
            .map(|s| {
                SearchColumns::compute(&StudySearchInput {
                    patient_name: Some(s.name.clone()),
                    patient_id: Some(s.patient_id.clone()),
                    accession_number: Some(s.accession.clone()),
                    study_description: Some(s.description.to_owned()),
                    referring_physician_name: Some(s.referring.to_owned()),
                    institution_name: Some(s.institution.to_owned()),
                    series: s.series.iter().map(|x| (Some(x.2.to_owned()), Some(x.3.to_owned()))).collect(),
                })
            })
            .collect();
        let mut grants: Vec<(&str, &'static str, i64)> = match (&reader, group) {
            (Some((rid, _)), Some(gid)) => (i..=end)
                .zip(&rows)
                .filter(|(n, _)| n % 200 == 100)
                .map(
                    |(n, s)| {
                        if n % 400 == 100 {
                            (s.uid.as_str(), "user", *rid)
                        } else {
                            (s.uid.as_str(), "group", gid)
                        }
                    },
                )
                .collect(),
            _ => Vec::new(),
        };
        // 4% of the studies shared with another owner's team.
        if !teams.is_empty() {
            grants.extend(
                (i..=end)
                    .zip(&rows)
                    .filter(|(n, _)| n % 25 == 5)
                    .map(|(n, s)| (s.uid.as_str(), "group", teams[(n as usize + 1) % teams.len()])),
            );
        }
        on_writes!(&catalog.writes, |p| {
            let mut tx = p.begin_with(catalog.dialect().begin_write).await?;
            let mut qb = QueryBuilder::new(
                "INSERT INTO studies (study_uid, patient_name, patient_name_folded, patient_id, patient_birth_date, \
                 patient_sex, study_date, study_time, accession_number, study_description, study_description_folded, \
                 referring_physician_name, institution_name, uploaded_by, uploaded_at, updated_at, owner_id, \
                 num_series, num_instances, modalities, patient_id_key, accession_key, search_text, search_version) ",
            );
            qb.push_values(rows.iter().zip(&cols), |mut b, (s, c)| {
                let mut modalities: Vec<&str> = s.series.iter().map(|x| x.1).collect();
                modalities.sort_unstable();
                modalities.dedup();
                b.push_bind(s.uid.clone())
                    .push_bind(s.name.clone())
                    .push_bind(c.patient_name_folded.clone())
                    .push_bind(s.patient_id.clone())
                    .push_bind(s.birth.clone())
                    .push_bind(s.sex)
                    .push_bind(s.date.clone())
                    .push_bind(s.time.clone())
                    .push_bind(s.accession.clone())
                    .push_bind(s.description)
                    .push_bind(fold(s.description))
                    .push_bind(s.referring)
                    .push_bind(s.institution)
                    .push_bind(s.owner.as_ref().map(|o| o.1.clone()).unwrap_or_else(|| "seed".into()))
                    // Upload times spread over the past: one study a minute, newest last.
                    .push_bind(seed_time(spec.studies, s))
                    .push_bind(at.clone())
                    .push_bind(s.owner.as_ref().map(|o| o.0))
                    .push_bind(s.series.len() as i64)
                    .push_bind(s.series.len() as i64 * PER_SERIES)
                    .push_bind(modalities.join(","))
                    .push_bind(c.patient_id_key.clone())
                    .push_bind(c.accession_key.clone())
                    .push_bind(c.search_text.clone())
                    .push_bind(SEARCH_VERSION);
            });
            qb.build().execute(&mut *tx).await?;
            let series: Vec<(&SeedStudy, &SeedSeries, usize)> =
                rows.iter().flat_map(|s| s.series.iter().enumerate().map(move |(n, x)| (s, x, n + 1))).collect();
            let mut qb = QueryBuilder::new(
                "INSERT INTO series (series_uid, study_uid, modality, series_number, series_description, \
                 body_part_examined, created_at) ",
            );
            qb.push_values(&series, |mut b, (s, x, n)| {
                b.push_bind(x.0.clone())
                    .push_bind(s.uid.clone())
                    .push_bind(x.1)
                    .push_bind(*n as i64)
                    .push_bind(x.2)
                    .push_bind(x.3)
                    .push_bind(at.clone());
            });
            qb.build().execute(&mut *tx).await?;
            let keys: Vec<(&str, &'static str, &String)> = rows
                .iter()
                .zip(&cols)
                .flat_map(|(s, c)| c.keys.iter().map(move |(f, k)| (s.uid.as_str(), f.as_str(), k)))
                .collect();
            for chunk in keys.chunks(3000) {
                let mut qb = QueryBuilder::new("INSERT INTO study_keys (study_uid, field, key) ");
                qb.push_values(chunk, |mut b, (uid, f, k)| {
                    b.push_bind(uid.to_string()).push_bind(*f).push_bind(k.to_string());
                });
                qb.build().execute(&mut *tx).await?;
            }
            if !grants.is_empty() {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO study_grants (study_uid, grantee_kind, grantee_id, level, granted_at) ",
                );
                qb.push_values(&grants, |mut b, (uid, kind, id)| {
                    b.push_bind(uid.to_string()).push_bind(*kind).push_bind(*id).push_bind(1i64).push_bind(at.clone());
                });
                qb.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        i = end + 1;
    }
    let prefix = format!("2.25.8.{}.%", spec.batch);
    on_writes!(&catalog.writes, |p| {
        let mut tx = p.begin_with(catalog.dialect().begin_write).await?;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO instances (sop_uid, series_uid, study_uid, instance_number, transfer_syntax_uid, size_bytes, \
             sha256, blob_key, uploaded_by, created_at) \
             SELECT se.series_uid || '.' || n.i, se.series_uid, se.study_uid, n.i, '1.2.840.10008.1.2.1', 524288, \
             'seed.' || se.series_uid || '.' || n.i, 'dicom/seed/' || se.series_uid || '.' || n.i || '.dcm', 'seed', $2 \
             FROM series se, n WHERE se.series_uid LIKE $3",
        )
        .bind(PER_SERIES)
        .bind(&at)
        .bind(&prefix)
        .execute(&mut *tx)
        .await?;
        // No file behind a seeded instance: its kept metadata is the empty data set the
        // backfill would leave, so that a server on a seeded archive does not spend its
        // first minutes finding that out a million times.
        sqlx::query(
            "INSERT INTO instance_metadata (sop_uid, dataset) SELECT sop_uid, '{}' FROM instances WHERE series_uid LIKE $1",
        )
        .bind(&prefix)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    });
    // The planner's statistics (and, on PostgreSQL, the visibility map that index-only
    // scans need), as a catalog in service has them from autovacuum or `PRAGMA optimize`.
    on_writes!(&catalog.writes, |p| {
        let mut c = p.acquire().await?;
        {
            let sql = if catalog.dialect().fts5 { "ANALYZE" } else { "VACUUM ANALYZE" };
            sqlx::query(sql).execute(&mut *c).await?;
        }
    });
    Ok(())
}

/// Study `i` of `n` was uploaded `n - i` minutes before 2026-01-01.
fn seed_time(n: u64, s: &SeedStudy) -> String {
    let i: u64 = s.uid.rsplit('.').next().and_then(|x| x.parse().ok()).unwrap_or(0);
    let base = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").map(|t| t.with_timezone(&chrono::Utc));
    let base = base.unwrap_or_else(|_| chrono::Utc::now());
    super::super::sql::timestamp(base - chrono::Duration::minutes(n.saturating_sub(i) as i64))
}
