//! `peitao rematch`: rebuild the matching index from the database and recompute every open
//! need's proposals, with a progress bar and a summary.

// A command-line report, as main.rs prints its own.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use peitao_http::service::matching::{self, Matcher};
use peitao_persistence::matcher_feed;

use crate::settings::Settings;
use crate::startup;

/// Needs rematched at once on PostgreSQL: their writes overlap while the index answers the next.
/// SQLite has one writer: transactions that read then write would only fail each other there.
const CONCURRENCY: usize = 8;

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let (db, reference) = startup::prepare_database(&settings).await?;
    let started = Instant::now();
    let matcher = Matcher::load(
        &db,
        &reference,
        settings.matcher.rules(),
        settings.matcher.top_k,
    )
    .await?;
    let loaded = started.elapsed().as_secs_f64();
    println!(
        "匹配索引 / matching index: {} capabilities in {loaded:.1} s",
        matcher.len()
    );
    let open = matcher_feed::count_open_needs(db.conn()).await?;
    let bar = indicatif::ProgressBar::new(open);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} needs  {per_sec}  ETA {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let concurrency = match db.backend() {
        peitao_persistence::Backend::Sqlite => 1,
        peitao_persistence::Backend::Postgres => CONCURRENCY,
    };
    let summary = matching::rematch_all(&db, &matcher, concurrency, |done| {
        bar.set_position(done as u64);
    })
    .await?;
    bar.finish_and_clear();
    let o = summary.outcome;
    println!(
        "重新匹配 / rematched {} open needs in {:.1} s (index {loaded:.1} s): {} proposals new, {} updated, {} withdrawn",
        summary.needs,
        started.elapsed().as_secs_f64(),
        o.inserted,
        o.updated,
        o.withdrawn
    );
    if o.inserted + o.updated + o.withdrawn > 0 {
        // A first rematch fills `matches` from nothing; statistics taken while it was empty
        // made PostgreSQL read the whole table for one need's list (50 ms instead of 0.3).
        db.analyze().await?;
    }
    db.close().await;
    Ok(())
}
