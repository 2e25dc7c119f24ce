//! The `emporium` binary: parses the command line, sets up logging, and runs one command.
//! Every command reads the same settings (see `settings.rs`), so `emporium user create`
//! reaches the same database as `emporium serve`.

mod commands;
mod settings;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use settings::{LogFormat, Settings};
use tracing_subscriber::EnvFilter;

/// Emporium: a self-hostable e-commerce transaction system.
#[derive(Debug, Parser)]
#[command(name = "emporium", version, about)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate the database, then serve the API and pages.
    Serve {
        /// Load the demo catalogue and accounts when the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
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
    },
    /// Rebuild the search index from the database.
    Reindex,
    /// Manage the recommendation model.
    #[command(subcommand)]
    Recommendations(RecommendationsCommand),
    /// Verify the stock and money invariants over the whole database.
    Check,
    /// Manage the keys personal data is sealed with.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Add a new key that seals from the next start on (older keys still open).
    Rotate,
    /// Seal every phone number and address that is plain or under an older key with the
    /// newest key.
    Reseal,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account.
    Create(commands::user::CreateArgs),
}

#[derive(Debug, Subcommand)]
enum RecommendationsCommand {
    /// Recompute the recommendation model from every purchase and store it.
    Rebuild,
    /// Evaluate the recommendation models offline on a purchase log (CSV/TSV).
    Evaluate(commands::recommendations::EvaluateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve { demo } => commands::serve::run(&cli.settings, demo).await,
            Command::Migrate => commands::migrate(&cli.settings).await,
            Command::User(UserCommand::Create(args)) => commands::user::create(&cli.settings, args).await,
            Command::Demo { products, shoppers } => commands::demo::run(&cli.settings, products, shoppers).await,
            Command::Reindex => commands::reindex::run(&cli.settings).await,
            Command::Keys(KeysCommand::Rotate) => commands::keys::rotate(&cli.settings),
            Command::Keys(KeysCommand::Reseal) => commands::keys::reseal(&cli.settings).await,
            Command::Recommendations(RecommendationsCommand::Rebuild) => {
                commands::recommendations::rebuild(&cli.settings).await
            }
            Command::Recommendations(RecommendationsCommand::Evaluate(args)) => {
                commands::recommendations::evaluate(&args)
            }
            Command::Check => commands::check(&cli.settings).await,
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

/// Logs go to stderr, filtered by `RUST_LOG` (default `info`), in the chosen format.
fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).init(),
    }
}
