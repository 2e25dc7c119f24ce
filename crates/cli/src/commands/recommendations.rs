//! `emporium recommendations …`: rebuild the model the server serves, and evaluate the
//! recommendation models offline on a purchase log.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use emporium_recommend::eval::{self, Split};
use emporium_recommend::{DEFAULT_SCAN_BUDGET, EXACT_SCAN, Params};

use super::open_store;
use crate::settings::StoreArgs;

/// `emporium recommendations rebuild`: fits the model on every purchase now and stores
/// it; running servers load it within seconds.
pub async fn rebuild(settings: &StoreArgs) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let now = emporium_domain::time::Clock::now(&emporium_domain::time::SystemClock);
    let built = emporium_app::recommendations::rebuild(&store, &Params::default(), now).await;
    store.close().await;
    let built = built.context("rebuilding the recommendation model")?;
    println!(
        "model {} stored: {} buyers, {} products, {} purchases, fitted in {:.1?}",
        built.id, built.users, built.items, built.interactions, built.fit
    );
    Ok(())
}

/// How `evaluate` holds purchases out.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SplitKind {
    /// 20 % of each user's distinct purchases at random (seeded).
    Random,
    /// Each user's newest distinct purchase (by the time column, else file order).
    Last,
}

/// Arguments of `emporium recommendations evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Purchase log, CSV or TSV with a header naming user, item and optional time columns.
    #[arg(long)]
    pub input: PathBuf,
    /// Which purchases to hold out.
    #[arg(long, value_enum, default_value_t = SplitKind::Random)]
    pub split: SplitKind,
    /// Seed of the random split.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Share of each user's purchases held out by the random split.
    #[arg(long, default_value_t = 0.2, value_parser = parse_fraction)]
    pub fraction: f64,
    /// Neighbours per item and per user.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub neighbours: u32,
    /// Most co-buyer entries the user-based list scans per user to find its neighbours,
    /// as the server does; `exact` scans them all (no cap).
    #[arg(long, default_value_t = DEFAULT_SCAN_BUDGET, value_parser = parse_scan_budget)]
    pub scan_budget: usize,
    /// Also write the split as `train.tsv` and `test.tsv` into this folder.
    #[arg(long)]
    pub save_split: Option<PathBuf>,
}

/// Loads the log, splits it, fits and prints the comparison table.
pub fn evaluate(args: &EvaluateArgs) -> anyhow::Result<()> {
    let data = eval::load(&args.input).with_context(|| format!("loading {}", args.input.display()))?;
    let how = match args.split {
        SplitKind::Random => Split::Random {
            fraction: args.fraction,
            seed: args.seed,
        },
        SplitKind::Last => Split::LastOut,
    };
    let (train, test) = eval::split(&data, how);
    if let Some(dir) = &args.save_split {
        eval::write_split(&data, &train, &test, dir)
            .with_context(|| format!("writing the split into {}", dir.display()))?;
    }
    let k = args.neighbours as usize;
    let params = Params {
        item_neighbours: k,
        user_neighbours: k,
        scan_budget: args.scan_budget,
    };
    let report = eval::evaluate(&train, &test, &params);
    println!(
        "{}: {} rows, time column {}, split {:?}.",
        args.input.display(),
        data.rows.len(),
        data.time_column.as_deref().unwrap_or("none (file order)"),
        how
    );
    if args.scan_budget == EXACT_SCAN {
        println!("User-based neighbour search: exact (no scan budget).");
    } else {
        println!(
            "User-based neighbour search: at most {} co-buyer entries per user{}.",
            args.scan_budget,
            if args.scan_budget == DEFAULT_SCAN_BUDGET {
                " (the server's default)"
            } else {
                ""
            }
        );
    }
    print!("{report}");
    Ok(())
}

/// A scan budget: a positive number of co-buyer entries, or `exact` for no cap.
fn parse_scan_budget(s: &str) -> Result<usize, String> {
    if s.eq_ignore_ascii_case("exact") {
        return Ok(EXACT_SCAN);
    }
    match s.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{s:?} is neither a positive number of entries nor \"exact\"")),
    }
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(f) if f > 0.0 && f < 1.0 => Ok(f),
        _ => Err(format!("{s:?} is not a fraction between 0 and 1")),
    }
}
