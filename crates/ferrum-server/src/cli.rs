//! The `ferrum` command line: `serve` (the default), `migrate`, `user add`, `user unlock`,
//! `keys rotate`, `keys list`, `import`, `audit verify|export|prune`, `erase study|series|patient`,
//! `export`, `dicom-node add|list|remove`, `config check`, `backup`, `restore`.
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use ferrum_store::audit::{Action, NewAuditEvent, Outcome};
use ferrum_store::model::Role;

use crate::auth::{password, Username};
use crate::config::Settings;
use crate::startup::{Application, Services};

#[derive(Parser)]
#[command(name = "ferrum", version, about = "Ferrum PACS: DICOM upload, catalog and viewer backend")]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Create or update the catalog schema, then exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Access-token signing keys of the embedded default (`<data dir>/jwt-keys`).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Encryption at rest of the local blob directory (FERRUM_ENCRYPTION_KEY_FILE).
    Encryption {
        #[command(subcommand)]
        command: EncryptionCommand,
    },
    /// Ingest files, folders and ZIP archives through the same pipeline as uploads.
    Import {
        /// Files, folders (walked recursively) and ZIP archives.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The account recorded as uploader.
        #[arg(long = "as", default_value = "admin")]
        uploader: String,
    },
    /// Known remote DICOM application entities (the DICOM listener refuses any other).
    DicomNode {
        #[command(subcommand)]
        command: DicomNodeCommand,
    },
    /// Back up the embedded default (catalog snapshot, blobs, data keys, secrets) into an
    /// encrypted repository; copies only content the repository lacks, then prunes snapshots
    /// older than FERRUM_BACKUP_KEEP_DAYS. Safe while servers run. Audited as `system`.
    Backup {
        /// The repository (created when missing).
        dir: PathBuf,
        /// The key file: one 256-bit key per line as 64 hex digits, mode 600; the first seals.
        #[arg(long, env = "FERRUM_BACKUP_KEY_FILE")]
        key_file: Option<PathBuf>,
        #[arg(long, env = "FERRUM_BACKUP_KEEP_DAYS", default_value_t = 7)]
        keep_days: u32,
    },
    /// Restore a snapshot of DIR (the newest unless --snapshot) into FERRUM_DATA_DIR, which
    /// must be empty or missing; every file is checked against its recorded SHA-256.
    Restore {
        dir: PathBuf,
        #[arg(long, env = "FERRUM_BACKUP_KEY_FILE")]
        key_file: Option<PathBuf>,
        #[arg(long)]
        snapshot: Option<String>,
        /// Only list the snapshots, one JSON object a line.
        #[arg(long)]
        list: bool,
    },
    /// The effective configuration, and whether the server could run with it.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Read and check the audit trail.
    Audit {
        #[command(subcommand)]
        command: crate::audit::cli::AuditCommand,
    },
    /// Erase a study, a series, or every study of a patient: catalog rows, links and grants
    /// at once, stored objects after FERRUM_BLOB_DELETE_GRACE_SECS (by a running server's
    /// background job). Audited as `system`.
    Erase {
        #[command(subcommand)]
        command: EraseCommand,
    },
    /// Export a study, every study of a patient, or everything an account uploaded, as the
    /// API's archive (PATIENT/STUDY/SERIES tree, DICOMDIR, manifest.json). Audited as `system`.
    Export {
        #[command(flatten)]
        what: ExportWhat,
        /// A ZIP file to create (must not exist), or a folder to unpack into (a path ending
        /// in `/`, or an existing empty folder).
        #[arg(long)]
        out: PathBuf,
        /// De-identify every object (PS3.15 basic profile, modified dates, clean descriptors,
        /// patient characteristics kept), one context for the whole export; objects that
        /// declare burned-in annotation are left out and counted.
        #[arg(long)]
        deidentify: bool,
        /// With --deidentify: write the objects with burned-in annotation too (de-identified
        /// headers; their pixels may still show a name).
        #[arg(long, requires = "deidentify")]
        keep_burned_in: bool,
    },
}

#[derive(clap::Args)]
#[group(required = true, multiple = false)]
pub struct ExportWhat {
    /// A study, by Study Instance UID.
    #[arg(long)]
    study: Option<String>,
    /// Every study with this patient ID.
    #[arg(long)]
    patient: Option<String>,
    /// Every instance this account uploaded.
    #[arg(long)]
    user: Option<String>,
}

impl ExportWhat {
    fn scope(self) -> ferrum_store::model::ExportScope {
        use ferrum_store::model::ExportScope;
        match (self.study, self.patient, self.user) {
            (Some(uid), _, _) => ExportScope::Study(uid),
            (_, Some(id), _) => ExportScope::Patient(id),
            (_, _, Some(name)) => ExportScope::Uploader(name),
            (None, None, None) => unreachable!("clap requires one of --study, --patient, --user"),
        }
    }
}

#[derive(Subcommand)]
pub enum DicomNodeCommand {
    /// Add a node: its AE title, the host it calls from (and where C-MOVE reaches it), the
    /// account whose permissions it acts with, the services it may use.
    Add {
        ae_title: String,
        #[arg(long)]
        host: String,
        #[arg(long)]
        port: u16,
        #[arg(long)]
        account: String,
        /// Comma-separated: store, find, move, get.
        #[arg(long, default_value = "store,find")]
        services: String,
    },
    /// The nodes, one JSON object a line.
    List,
    /// Remove a node: its associations are refused from then on.
    Remove { ae_title: String },
}

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Print every setting and where it came from (secrets redacted), then check live that
    /// the catalog answers, the blob store writes, reads and deletes a probe object, and the
    /// HTTP and DICOM ports can be bound; exits 1 naming what failed.
    Check,
}

#[derive(Subcommand)]
pub enum EraseCommand {
    /// A study, by Study Instance UID.
    Study { uid: String },
    /// A series, by Series Instance UID (its study goes too if it was the last series).
    Series { uid: String },
    /// Every study with this patient ID.
    Patient { id: String },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add an account; prints a generated password unless one is given.
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        #[arg(long, env = "FERRUM_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },

    /// Lift the lockout of an account after repeated failed logins.
    Unlock { name: String },
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Add a new signing key; earlier keys keep verifying the tokens they signed. A running
    /// server signs with it from its next start. Keys set by FERRUM_JWT_KEYS or
    /// FERRUM_JWT_SECRET rotate in the configuration instead.
    Rotate,
    /// The key ids, the signing one first.
    List,
}

#[derive(Subcommand)]
pub enum EncryptionCommand {
    /// Re-wrap every data key under the first master key of FERRUM_ENCRYPTION_KEY_FILE, so
    /// that the older keys below it can then be removed. Safe while the server runs (it opens
    /// keys wrapped by any key in the file).
    Rewrap,
    /// The master key ids in the key file, the wrapping one first.
    Status,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    Radiologist,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Radiologist => Role::Radiologist,
        }
    }
}

/// `ferrum dicom-node add|list|remove`, audited as `system` (committed with the change).
async fn dicom_node(settings: &Settings, command: DicomNodeCommand) -> anyhow::Result<()> {
    use crate::routes::dicom_nodes::{parse_ae_title, parse_host, parse_services};
    let services = Services::open(settings).await?;
    let catalog = &services.catalog;
    let event = |action: Action, ae_title: &str| {
        let mut event = NewAuditEvent::new("system", action, Outcome::Allowed);
        event.detail = Some(serde_json::json!({ "via": "cli", "ae_title": ae_title }));
        event
    };
    let message = |e: crate::error::ApiError| anyhow::anyhow!("{e}");
    match command {
        DicomNodeCommand::Add { ae_title, host, port, account, services: list } => {
            let list: Vec<String> = list.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
            anyhow::ensure!(port > 0, "--port must be between 1 and 65535");
            let node = ferrum_store::model::NewDicomNode {
                ae_title: parse_ae_title(&ae_title).map_err(message)?,
                host: parse_host(&host).map_err(message)?,
                port,
                account,
                services: parse_services(&list).map_err(message)?,
            };
            let audit = event(Action::CreateDicomNode, &node.ae_title);
            match catalog.create_dicom_node(&node, &audit).await {
                Ok(node) => println!("{}", serde_json::to_string(&node)?),
                Err(ferrum_store::StoreError::Conflict(_)) => anyhow::bail!("a DICOM node `{}` exists", node.ae_title),
                Err(ferrum_store::StoreError::Invalid(_)) => anyhow::bail!("no account `{}`", node.account),
                Err(e) => return Err(e.into()),
            }
        }
        DicomNodeCommand::List => {
            for node in catalog.list_dicom_nodes().await? {
                println!("{}", serde_json::to_string(&node)?);
            }
        }
        DicomNodeCommand::Remove { ae_title } => {
            match catalog.delete_dicom_node(&ae_title, &event(Action::DeleteDicomNode, &ae_title)).await {
                Ok(()) => println!("Removed `{ae_title}`."),
                Err(ferrum_store::StoreError::NotFound) => anyhow::bail!("no DICOM node `{ae_title}`"),
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

/// The event of an account change made from the command line (committed with it).
fn cli_event(action: Action, account: &str) -> NewAuditEvent {
    let mut event = NewAuditEvent::new("system", action, Outcome::Allowed);
    event.detail = Some(serde_json::json!({ "via": "cli", "account": format!("user:{account}") }));
    event
}

pub async fn run() -> anyhow::Result<()> {
    // Before anything is created: the catalog, blobs, spool and secrets are the user's own.
    crate::private_files::restrict_new_files();
    let clap_command = <Cli as clap::CommandFactory>::command();
    let matches = clap_command.clone().get_matches();
    let cli = <Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    crate::telemetry::init(&cli.settings.log, cli.settings.log_format);
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            crate::shutdown::on_signal(app.stop_token());
            // On stdout, for people and for scripts that start the server on port 0 (the
            // DICOM line first: scripts wait for the HTTP one).
            if let Some(addr) = app.dicom_addr() {
                println!("ferrum DICOM listening on {addr}");
            }
            println!("ferrum listening on {}", app.url());
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            settings.validate()?;
            Services::open(&settings).await?;
            println!("catalog schema is up to date");
        }
        Command::User { command: UserCommand::Add { name, role, password: given } } => {
            let name = Username::parse(&name).map_err(anyhow::Error::msg).context("NAME")?;
            let services = Services::open(&settings).await?;
            let (pw, generated) = match given {
                Some(p) => (p, false),
                None => (password::generate(), true),
            };
            let hash = password::hash(pw.clone()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let audit = cli_event(Action::CreateUser, name.as_str());
            services.catalog.create_user(name.as_str(), &hash, role.into(), &audit).await?;
            if generated {
                println!("Created `{name}`; password `{pw}` (shown once).");
            } else {
                println!("Created `{name}`.");
            }
        }
        Command::User { command: UserCommand::Unlock { name } } => {
            let services = Services::open(&settings).await?;
            match services.catalog.unlock_user(&name, &cli_event(Action::AccountUnlock, &name)).await {
                Ok(_) => {}
                Err(ferrum_store::StoreError::NotFound) => anyhow::bail!("no account `{name}`"),
                Err(e) => return Err(e.into()),
            }
            println!("Unlocked `{name}`.");
        }
        Command::Keys { command } => {
            if settings.jwt_keys.is_some() || settings.jwt_secret.is_some() {
                anyhow::bail!(
                    "the signing keys come from FERRUM_JWT_KEYS / FERRUM_JWT_SECRET: rotate by putting a new \
                     KID:SECRET first in FERRUM_JWT_KEYS on every instance"
                );
            }
            crate::private_files::create_private_dir(&settings.data_dir)?;
            match command {
                KeysCommand::Rotate => {
                    let kid = crate::auth::token::rotate_file(&settings.data_dir)?;
                    println!("New signing key `{kid}`; restart the server to sign with it (nobody is logged out).");
                }
                KeysCommand::List => {
                    let keys = crate::auth::token::TokenKeys::load(None, None, &settings.data_dir, 60)?;
                    println!("{}", keys.signing_kid());
                    for kid in crate::auth::token::file_kids(&settings.data_dir)?.iter().skip(1) {
                        println!("{kid}");
                    }
                }
            }
        }
        Command::Encryption { command } => {
            let keys = crate::startup::open_key_store(&settings)?.ok_or_else(|| {
                anyhow::anyhow!("FERRUM_ENCRYPTION_KEY_FILE is not set: the blob directory is not encrypted")
            })?;
            match command {
                EncryptionCommand::Rewrap => {
                    let done = tokio::task::spawn_blocking(move || keys.rewrap_all()).await??;
                    println!(
                        "data keys re-wrapped: {}, already under the current master key: {}",
                        done.rewrapped, done.already_current
                    );
                }
                EncryptionCommand::Status => println!("wrapping with master key {}", keys.masters().current_id()),
            }
        }
        Command::DicomNode { command } => dicom_node(&settings, command).await?,
        Command::Import { paths, uploader } => crate::import::run(&settings, paths, uploader).await?,
        Command::Erase { command } => {
            let services = Services::open(&settings).await?;
            let (target, action, what) = match command {
                EraseCommand::Study { uid } => {
                    (ferrum_store::model::EraseTarget::Study(uid), Action::EraseStudy, "study")
                }
                EraseCommand::Series { uid } => {
                    (ferrum_store::model::EraseTarget::Series(uid), Action::EraseSeries, "series")
                }
                EraseCommand::Patient { id } => {
                    (ferrum_store::model::EraseTarget::Patient(id), Action::ErasePatient, "patient's studies")
                }
            };
            let mut audit = NewAuditEvent::new("system", action, Outcome::Allowed);
            audit.detail = Some(serde_json::json!({ "via": "cli" }));
            match &target {
                ferrum_store::model::EraseTarget::Study(uid) => audit.study_uid = Some(uid.clone()),
                ferrum_store::model::EraseTarget::Series(uid) => {
                    audit.series_uid = Some(uid.clone());
                    audit.study_uid = services.catalog.series_study(uid).await?;
                }
                ferrum_store::model::EraseTarget::Patient(_) => {}
            }
            let erased = match services.catalog.erase(&target, &audit).await {
                Ok(erased) => erased,
                Err(ferrum_store::StoreError::NotFound) => anyhow::bail!("no such {what}"),
                Err(e) => return Err(e.into()),
            };
            println!("{}", serde_json::to_string(&erased)?);
        }
        Command::Export { what, out, deidentify, keep_burned_in } => {
            let options = crate::export::Options { deidentify, keep_burned_in };
            let counts = crate::export::run(&settings, what.scope(), out.clone(), options).await?;
            let mut summary = serde_json::to_value(counts)?;
            summary["out"] = out.display().to_string().into();
            println!("{summary}");
        }
        Command::Config { command: ConfigCommand::Check } => {
            // The settings are global arguments: the innermost matches hold them all.
            let mut leaf = &matches;
            while let Some((_, sub)) = leaf.subcommand() {
                leaf = sub;
            }
            if !crate::config_check::run(&settings, &clap_command, leaf).await {
                std::process::exit(1);
            }
        }
        Command::Backup { dir, key_file, keep_days } => {
            let summary = crate::backup::backup(&settings, &dir, key_file.as_deref(), keep_days).await?;
            println!("{}", serde_json::to_string(&summary)?);
        }
        Command::Restore { dir, key_file, list: true, .. } => {
            for snapshot in crate::backup::list(&dir, key_file.as_deref())? {
                println!("{snapshot}");
            }
        }
        Command::Restore { dir, key_file, snapshot, list: false } => {
            let restored = crate::backup::restore(&settings, &dir, key_file.as_deref(), snapshot).await?;
            println!("{}", serde_json::to_string(&restored)?);
        }
        Command::Audit { command } => {
            if !crate::audit::cli::run(&settings, command).await? {
                std::process::exit(1);
            }
        }
    }
    Ok(())
}
