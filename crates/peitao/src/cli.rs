//! The command line: serve, worker, migrate, seed, staff and sessions. `--help` on each says what it does.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "peitao",
    version,
    about = "配套 Peitao: pairs automotive parts suppliers with automakers.",
    long_about = "配套 Peitao: pairs automotive parts suppliers with automakers in China's regional car clusters.\n\n\
        Settings come from config/*.toml and PEITAO__SECTION__KEY environment variables; \
        PEITAO_ENV picks development (default), test or production."
)]
pub struct Cli {
    /// An extra TOML settings file, applied after config/ and before environment variables.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web site and the API (and run the background worker unless worker.enabled = false).
    Serve(ServeArgs),
    /// Run only the background worker (mail delivery, expiring needs); several may run at once.
    Worker,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Load reference data (always), and optionally the demo world or a synthetic one.
    Seed(SeedArgs),
    /// Manage association staff accounts.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// End logins: one account's, or everyone's (after a suspected compromise).
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Recompute every open need's match proposals from scratch (after changing matcher weights,
    /// or to repair proposals a crash left behind).
    Rematch,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Load the demo world into an empty database and print the demo logins (refused in production).
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("generator").multiple(true)))]
pub struct SeedArgs {
    /// Load the demo world (fictional firms around Chongqing, Chengdu and Wuhan) into an empty database.
    #[arg(long)]
    pub demo: bool,
    /// Generate N synthetic suppliers with capabilities over the real regions and categories (scale tests).
    #[arg(long, value_name = "N", group = "generator")]
    pub synthetic: Option<usize>,
    /// Also generate N open synthetic needs from synthetic automakers (matcher scale tests).
    #[arg(long, value_name = "N", group = "generator")]
    pub synthetic_needs: Option<usize>,
    /// Seed for the synthetic generator, to get the same world twice.
    #[arg(long, value_name = "SEED", requires = "generator")]
    pub rng_seed: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Create a staff account; the password is read from standard input (one line), so scripts can pipe it.
    Create(StaffCreateArgs),
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// End every browser session and API login of one account (--email) or of all (--all); the
    /// accounts stay as they are, their owners log in again.
    End(SessionsEndArgs),
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("whom").required(true)))]
pub struct SessionsEndArgs {
    /// The account whose logins end.
    #[arg(long, group = "whom")]
    pub email: Option<String>,
    /// Every account's logins end.
    #[arg(long, group = "whom")]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct StaffCreateArgs {
    #[arg(long)]
    pub email: String,
    #[arg(long = "display-name")]
    pub display_name: String,
    /// Create an administrator instead of a staff member.
    #[arg(long)]
    pub admin: bool,
    /// Language for the account's mail and pages: zh-CN or en.
    #[arg(long, default_value = "zh-CN")]
    pub locale: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_the_documented_commands() {
        let cli = Cli::try_parse_from(["peitao", "serve", "--demo"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Serve(ServeArgs { demo: true })
        ));
        let cli = Cli::try_parse_from(["peitao", "seed", "--synthetic", "100000"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Seed(SeedArgs {
                synthetic: Some(100_000),
                ..
            })
        ));
        let cli = Cli::try_parse_from([
            "peitao",
            "staff",
            "create",
            "--email",
            "a@b.cn",
            "--display-name",
            "王芳",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Staff(StaffCommand::Create(_))
        ));
        assert!(Cli::try_parse_from(["peitao", "seed", "--rng-seed", "1"]).is_err());
        let cli = Cli::try_parse_from([
            "peitao",
            "seed",
            "--synthetic-needs",
            "10",
            "--rng-seed",
            "1",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Seed(SeedArgs {
                synthetic_needs: Some(10),
                rng_seed: Some(1),
                ..
            })
        ));
        let cli = Cli::try_parse_from(["peitao", "rematch"]).unwrap();
        assert!(matches!(cli.command, Command::Rematch));
    }
}
