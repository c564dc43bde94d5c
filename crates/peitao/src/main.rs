//! `peitao`: the command-line entry point. Parses the command, loads settings, runs it, and turns
//! any failure into one clear line on stderr and a non-zero exit.
// This is the program's own terminal output: demo logins, summaries, progress.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::BufRead;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Parser;
use peitao::cli::{
    Cli, Command, SeedArgs, SessionsCommand, SessionsEndArgs, StaffCommand, StaffCreateArgs,
};
use peitao::settings::{RunEnv, Settings, Sources};
use peitao::startup::{self, Application, DemoReport};
use peitao::telemetry;
use peitao_auth::password::{self, HashCost};
use peitao_domain::user::Role;
use peitao_domain::{Email, Locale};
use peitao_persistence::seed::demo::DemoOutcome;
use peitao_persistence::seed::synthetic;
use peitao_persistence::users::{self, NewStaff};
use peitao_persistence::{StoreError, reference};
use rand::SeedableRng;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(&Sources::from_process(cli.config.clone())) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve(settings, args.demo).await,
        Command::Worker => run_worker(settings).await,
        Command::Migrate => {
            let db = peitao_persistence::Db::connect(&settings.database.url).await?;
            db.migrate().await.context("applying database migrations")?;
            println!("migrations applied");
            Ok(())
        }
        Command::Seed(args) => seed(settings, args).await,
        Command::Staff(StaffCommand::Create(args)) => create_staff(settings, args).await,
        Command::Sessions(SessionsCommand::End(args)) => end_sessions(settings, args).await,
        Command::Rematch => peitao::rematch::run(settings).await,
    }
}

fn refuse_demo_in_production(settings: &Settings) -> anyhow::Result<()> {
    if settings.env == RunEnv::Production {
        bail!("--demo is refused in production: the demo's logins and password are public");
    }
    Ok(())
}

async fn serve(settings: Settings, demo: bool) -> anyhow::Result<()> {
    if demo {
        refuse_demo_in_production(&settings)?;
    }
    let (db, reference) = startup::prepare_database(&settings).await?;
    let mut fresh_demo = None;
    if demo {
        let report = startup::load_demo(&db, HashCost::Owasp).await?;
        print_demo(&report);
        if matches!(
            report.outcome,
            peitao_persistence::seed::demo::DemoOutcome::Loaded(_)
        ) {
            fresh_demo = Some(report.world.logins);
        }
    }
    let app = Application::build_with(&settings, db, reference).await?;
    if let Some(logins) = fresh_demo {
        // The demo's needs were written straight to the database: rank them once.
        let state = app.state();
        let summary =
            peitao_http::service::matching::rematch_all(&state.db, &state.matcher, 1, |_| {})
                .await?;
        println!(
            "演示需求已匹配 / demo needs matched: {} needs, {} proposals",
            summary.needs, summary.outcome.inserted
        );
        let story = peitao::demo_story::play(state, &logins).await?;
        println!(
            "演示匹配已审核 / demo matches moderated: {} approved, {} mutually interested, {} intentions confirmed",
            story.approved, story.mutual, story.confirmed
        );
    }
    println!(
        "配套 Peitao 已启动 / is serving at http://{}:{} (public URL {})",
        settings.server.host,
        app.port(),
        settings.server.public_url
    );
    tracing::info!(
        port = app.port(),
        worker = settings.worker.enabled,
        "serving"
    );
    app.run_until_stopped().await?;
    println!("stopped");
    Ok(())
}

fn print_demo(report: &DemoReport) {
    match report.outcome {
        DemoOutcome::Loaded(s) => println!(
            "演示数据已载入 / demo world loaded: {} organizations, {} users, {} capabilities, {} needs",
            s.organizations, s.users, s.capabilities, s.needs
        ),
        DemoOutcome::SkippedNotEmpty => {
            println!(
                "数据库已有企业,未重复载入演示数据 / the database already has organizations; demo world not loaded again"
            );
        }
    }
    let w = &report.world;
    println!("演示账号 / demo logins (password 密码: {}):", w.password);
    println!("  零部件企业 supplier : {}", w.logins.supplier);
    println!("  整车企业   OEM      : {}", w.logins.oem);
    println!("  协会工作人员 staff  : {}", w.logins.staff);
}

async fn run_worker(settings: Settings) -> anyhow::Result<()> {
    let (db, reference) = startup::prepare_database(&settings).await?;
    let state = startup::app_state(&settings, db.clone(), reference).await?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(startup::build_worker(&settings, state)?.run(stop_rx));
    shutdown_signal().await;
    let _ = stop_tx.send(true);
    let _ = task.await;
    db.close().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix (what container runtimes send).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

async fn seed(settings: Settings, args: SeedArgs) -> anyhow::Result<()> {
    let (db, data) = startup::prepare_database(&settings).await?;
    let summary = reference::load(&db, &reference::embedded()?).await?;
    println!(
        "参考数据 / reference data: {} categories, {} regions, {} zones, {} certifications",
        summary.categories, summary.regions, summary.zones, summary.certifications
    );
    if args.demo {
        refuse_demo_in_production(&settings)?;
        print_demo(&startup::load_demo(&db, HashCost::Owasp).await?);
    }
    if let Some(count) = args.synthetic {
        let started = Instant::now();
        let bar = indicatif::ProgressBar::new(count as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} suppliers  {per_sec}  ETA {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let mut rng = match args.rng_seed {
            Some(seed) => rand::rngs::StdRng::seed_from_u64(seed),
            None => rand::rngs::StdRng::from_os_rng(),
        };
        let result = synthetic::generate(&db, &data, count, &mut rng, chrono::Utc::now(), |done| {
            bar.set_position(done as u64);
        })
        .await?;
        bar.finish_and_clear();
        println!(
            "合成数据 / synthetic world: {} suppliers, {} capabilities in {:.1} s",
            result.organizations,
            result.capabilities,
            started.elapsed().as_secs_f64()
        );
    }
    if let Some(count) = args.synthetic_needs {
        let started = Instant::now();
        let mut rng = match args.rng_seed {
            Some(seed) => rand::rngs::StdRng::seed_from_u64(seed.wrapping_add(1)),
            None => rand::rngs::StdRng::from_os_rng(),
        };
        synthetic::generate_needs(&db, &data, count, &mut rng, chrono::Utc::now(), |_| {}).await?;
        println!(
            "合成需求 / synthetic needs: {count} open needs in {:.1} s (run `peitao rematch` to match them)",
            started.elapsed().as_secs_f64()
        );
    }
    if args.synthetic.is_some() || args.synthetic_needs.is_some() {
        db.analyze().await?;
    }
    db.close().await;
    Ok(())
}

/// `peitao sessions end`: ends logins server-side, so cookies and tokens in anyone's hands stop
/// working (other instances notice within their one-second caches).
async fn end_sessions(settings: Settings, args: SessionsEndArgs) -> anyhow::Result<()> {
    use peitao_persistence::audit::{self, AuditEntry};
    use peitao_persistence::sea_orm::TransactionTrait;
    use peitao_persistence::{refresh, web_sessions};
    let (db, _) = startup::prepare_database(&settings).await?;
    let now = chrono::Utc::now();
    let user = match args.email.as_deref() {
        Some(given) if !args.all => {
            let email = Email::parse(given).map_err(|e| anyhow::anyhow!("--email: {}", e.en))?;
            let Some(user) = users::find_by_email(db.conn(), &email).await? else {
                bail!("no account has the email {email}");
            };
            Some(user)
        }
        _ => None,
    };
    // Both kinds of login and the audit entry, or none of them.
    let txn = db.conn().begin().await?;
    let (browsers, api) = match &user {
        Some(user) => (
            web_sessions::revoke_all_for_user(&txn, user.id, now).await?,
            refresh::revoke_all_for_user(&txn, user.id, now).await?,
        ),
        None => (
            web_sessions::revoke_everyone(&txn, now).await?,
            refresh::revoke_everyone(&txn, now).await?,
        ),
    };
    let entry = AuditEntry {
        actor_user_id: None,
        actor_role: Some("operator".to_owned()),
        action: "sessions.end".to_owned(),
        entity: "user".to_owned(),
        entity_id: user.as_ref().map(|u| u.id.to_string()),
        summary: serde_json::json!({"all": user.is_none(), "browser_sessions": browsers, "refresh_tokens": api}),
        ip: None,
    };
    audit::record(&txn, entry, now).await?;
    txn.commit().await?;
    println!("ended {browsers} browser sessions and {api} refresh tokens");
    db.close().await;
    Ok(())
}

async fn create_staff(settings: Settings, args: StaffCreateArgs) -> anyhow::Result<()> {
    let email = Email::parse(&args.email).map_err(|e| anyhow::anyhow!("--email: {}", e.en))?;
    let locale: Locale = args
        .locale
        .parse()
        .map_err(|_| anyhow::anyhow!("--locale must be zh-CN or en"))?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let secret = line.trim_end_matches(['\r', '\n']).to_owned();
    password::check_new(&secret, Some(&email))
        .map_err(|e| anyhow::anyhow!("password: {}", e.en))?;
    if args.display_name.trim().is_empty() {
        bail!("--display-name must not be empty");
    }
    let (db, _) = startup::prepare_database(&settings).await?;
    let hash = password::hash(secret, HashCost::Owasp).await?;
    let role = if args.admin { Role::Admin } else { Role::Staff };
    let staff = NewStaff {
        email: email.clone(),
        display_name: args.display_name.trim().to_owned(),
        password_hash: hash,
        role,
        locale,
    };
    match users::create_staff(&db, staff, chrono::Utc::now()).await {
        Ok(id) => println!("created {} {} ({id})", role.as_str(), email),
        Err(StoreError::Conflict(_)) => bail!("an account with the email {email} already exists"),
        Err(e) => return Err(e.into()),
    }
    db.close().await;
    Ok(())
}
