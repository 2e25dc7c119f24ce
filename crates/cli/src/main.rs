//! The `emporium` binary: parses the command line, sets up logging, and runs one command.
//! Each command takes only the flags it uses (see `settings.rs`), and all read the same
//! environment variables, so `emporium user create` reaches the database `emporium serve`
//! uses.

mod commands;
mod settings;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use settings::{EarlyStoreArgs, LogArgs, LogFormat, MediaArgs, PasswordArgs, Settings, StoreArgs};
use tracing_subscriber::EnvFilter;

/// Emporium: a self-hostable e-commerce transaction system.
///
/// Each command takes the flags it uses (`emporium <command> --help` lists them); every
/// flag also reads its `EMPORIUM_…` environment variable.
#[derive(Debug, Parser)]
#[command(name = "emporium", version, about)]
struct Cli {
    #[command(flatten)]
    log: LogArgs,
    #[command(flatten)]
    early: EarlyStoreArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate the database, then serve the API and pages.
    Serve {
        /// Load the demo catalogue, shoppers and accounts when the database is empty.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        settings: Box<Settings>,
    },
    /// Apply pending migrations and exit.
    Migrate(StoreArgs),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Load demo data.
    Demo {
        /// How many products.
        #[arg(long, default_value_t = 1000)]
        products: u32,
        /// How many demo shoppers with a purchase history (orders, reviews).
        #[arg(long, default_value_t = 200)]
        shoppers: u32,
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        passwords: PasswordArgs,
        #[command(flatten)]
        media: MediaArgs,
    },
    /// Rebuild the search index from the database.
    Reindex(StoreArgs),
    /// Manage the recommendation model.
    #[command(subcommand)]
    Recommendations(RecommendationsCommand),
    /// Verify the stock and money invariants over the whole database.
    Check(StoreArgs),
    /// Manage the keys personal data is sealed with.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Add a new key that seals from the next start on (older keys still open).
    Rotate(StoreArgs),
    /// Seal every phone number and address that is plain or under an older key with the
    /// newest key.
    Reseal(StoreArgs),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account.
    Create(CreateUser),
}

/// `emporium user create`: the account, where to keep it, how to hash its password.
#[derive(Debug, Args)]
struct CreateUser {
    #[command(flatten)]
    account: commands::user::CreateArgs,
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    passwords: PasswordArgs,
}

#[derive(Debug, Subcommand)]
enum RecommendationsCommand {
    /// Recompute the recommendation model from every purchase and store it.
    Rebuild(StoreArgs),
    /// Evaluate the recommendation models offline on a purchase log (CSV/TSV).
    Evaluate(commands::recommendations::EvaluateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let early = cli.early;
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve { demo, mut settings } => {
                settings.store = early.over(settings.store);
                commands::serve::run(&settings, demo).await
            }
            Command::Migrate(store) => commands::migrate(&early.over(store)).await,
            Command::User(UserCommand::Create(c)) => {
                commands::user::create(&early.over(c.store), c.passwords, c.account).await
            }
            Command::Demo {
                products,
                shoppers,
                store,
                passwords,
                media,
            } => commands::demo::run(&early.over(store), passwords, &media, products, shoppers).await,
            Command::Reindex(store) => commands::reindex::run(&early.over(store)).await,
            Command::Keys(KeysCommand::Rotate(store)) => commands::keys::rotate(&early.over(store)),
            Command::Keys(KeysCommand::Reseal(store)) => commands::keys::reseal(&early.over(store)).await,
            Command::Recommendations(RecommendationsCommand::Rebuild(store)) => {
                commands::recommendations::rebuild(&early.over(store)).await
            }
            Command::Recommendations(RecommendationsCommand::Evaluate(args)) => {
                commands::recommendations::evaluate(&args)
            }
            Command::Check(store) => commands::check(&early.over(store)).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr, filtered by `RUST_LOG` (default `info`), in the chosen format;
/// coloured only when stderr is a terminal and `NO_COLOR` is unset or empty
/// (<https://no-color.org>), so a log redirected to a file or a collector is plain text.
fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour(std::io::stderr().is_terminal(), std::env::var_os("NO_COLOR")))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).init(),
    }
}

/// Whether log lines carry terminal colour codes: on a terminal, unless `NO_COLOR` says
/// otherwise (any non-empty value).
fn colour(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour(true, None));
        assert!(colour(true, Some("".into())));
        assert!(!colour(true, Some("1".into())));
        assert!(!colour(false, None));
    }

    #[test]
    fn every_command_lists_only_its_own_flags() {
        use clap::CommandFactory;
        let mut cli = Cli::command();
        cli.build();
        let flags = |path: &[&str]| -> Vec<String> {
            let mut cmd = &cli;
            for name in path {
                cmd = cmd.find_subcommand(name).unwrap_or_else(|| panic!("no command {name}"));
            }
            cmd.get_arguments()
                .filter(|a| !a.is_hide_set())
                .filter_map(|a| a.get_long().map(str::to_owned))
                .collect()
        };
        let create = flags(&["user", "create"]);
        for own in [
            "username",
            "password",
            "data-dir",
            "database-url",
            "bcrypt-cost",
            "log-format",
        ] {
            assert!(create.contains(&own.to_owned()), "{own} missing from {create:?}");
        }
        for foreign in [
            "addr",
            "smtp-url",
            "alipay-app-id",
            "tls-cert",
            "media-s3-url",
            "session-ttl",
        ] {
            assert!(!create.contains(&foreign.to_owned()), "{foreign} in {create:?}");
        }
        let migrate = flags(&["migrate"]);
        assert!(!migrate.contains(&"bcrypt-cost".to_owned()), "{migrate:?}");
        let evaluate = flags(&["recommendations", "evaluate"]);
        assert!(!evaluate.contains(&"data-dir".to_owned()), "{evaluate:?}");
        let serve = flags(&["serve"]);
        for own in [
            "addr",
            "demo",
            "data-dir",
            "smtp-url",
            "alipay-app-id",
            "bcrypt-cost",
            "media-s3-url",
        ] {
            assert!(serve.contains(&own.to_owned()), "{own} missing from serve");
        }
        let top = flags(&[]);
        assert!(
            top.iter()
                .all(|f| ["log-format", "help", "version"].contains(&f.as_str())),
            "{top:?}"
        );
    }

    #[test]
    fn store_flags_before_the_command_still_count() {
        let cli = Cli::try_parse_from([
            "emporium",
            "--data-dir",
            "/a",
            "migrate",
            "--database-url",
            "sqlite:///b",
        ])
        .expect("parses");
        let Command::Migrate(store) = cli.command else {
            panic!("migrate");
        };
        let store = cli.early.over(store);
        assert_eq!(store.data_dir, std::path::Path::new("/a"));
        assert_eq!(store.database_url.as_deref(), Some("sqlite:///b"));
        let cli =
            Cli::try_parse_from(["emporium", "serve", "--data-dir", "/c", "--log-format", "json"]).expect("parses");
        assert_eq!(cli.log.log_format, LogFormat::Json);
    }
}
