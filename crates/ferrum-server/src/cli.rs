//! The `ferrum` command line: `serve` (the default), `migrate`, `user add`, `import`, `audit`.
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
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
    /// Ingest files, folders and ZIP archives through the same pipeline as uploads.
    Import {
        /// Files, folders (walked recursively) and ZIP archives.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The account recorded as uploader.
        #[arg(long = "as", default_value = "admin")]
        uploader: String,
    },
    /// Read and check the audit trail.
    Audit {
        #[command(subcommand)]
        command: crate::audit::cli::AuditCommand,
    },
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

pub async fn run() -> anyhow::Result<()> {
    // Before anything is created: the catalog, blobs, spool and secrets are the user's own.
    crate::private_files::restrict_new_files();
    let cli = Cli::parse();
    crate::telemetry::init(&cli.settings.log);
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            // On stdout, for people and for scripts that start the server on port 0.
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
            services.catalog.create_user(name.as_str(), &hash, role.into()).await?;
            if generated {
                println!("Created `{name}`; password `{pw}` (shown once).");
            } else {
                println!("Created `{name}`.");
            }
        }
        Command::Import { paths, uploader } => crate::import::run(&settings, paths, uploader).await?,
        Command::Audit { command } => {
            if !crate::audit::cli::run(&settings, command).await? {
                std::process::exit(1);
            }
        }
    }
    Ok(())
}
