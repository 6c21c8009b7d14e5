//! The `citytill` command line: argument parsing (clap) and dispatch to one handler per command group.

pub mod admin;
pub mod autopay;
pub mod bank;
pub mod batch;
pub mod context;
pub mod devices;
pub mod drawer;
pub mod hq;
pub mod lockbox;
pub mod output;
pub mod payments;
pub mod receipt_out;
pub mod report;
pub mod sync;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// CityTill — the cashiering system of a city payment counter.
#[derive(Parser, Debug)]
#[command(name = "citytill", version, about, long_about = None)]
pub struct Cli {
    /// Data directory (ledger, settings, logs). Default: the platform data dir.
    #[arg(long, global = true, env = "CITYTILL_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// The user acting (PIN from CITYTILL_PIN or a prompt).
    #[arg(long, global = true, env = "CITYTILL_USER")]
    pub user: Option<String>,
    /// A supervisor approving (PIN from CITYTILL_APPROVER_PIN or a prompt).
    #[arg(long, global = true)]
    pub approver: Option<String>,
    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a new terminal's ledger and its first admin (PIN from CITYTILL_NEW_PIN or a prompt).
    Init {
        #[arg(long)]
        terminal: String,
        #[arg(long)]
        admin: String,
        /// A training city: every receipt and screen says TRAINING.
        #[arg(long)]
        training: bool,
        /// The city's IANA time zone (e.g. America/Chicago); business dates are dates there. Default: the machine's.
        #[arg(long)]
        time_zone: Option<String>,
    },
    /// Manage users.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Import payables or the fee schedule from CSV.
    Import {
        /// payables | fees
        what: String,
        file: PathBuf,
    },
    /// Look up payables by number, or by words of name or address.
    Lookup { text: Vec<String> },
    /// The cashier's drawer day.
    #[command(subcommand)]
    Drawer(drawer::DrawerCommand),
    /// Take a payment.
    Pay(payments::PayArgs),
    /// Void a payment taken today (reversing entry; needs --approver).
    Void {
        receipt: String,
        #[arg(long)]
        reason: String,
    },
    /// Refund part or all of a payment in cash (needs --approver).
    Refund {
        receipt: String,
        #[arg(long, allow_negative_numbers = true)]
        amount: String,
        #[arg(long)]
        reason: String,
    },
    /// Record a returned (NSF) check: reinstate balances and charge the fee (needs --approver).
    Nsf {
        receipt: String,
        #[arg(long)]
        fee: Option<String>,
    },
    /// Show or reprint receipts.
    #[command(subcommand)]
    Receipt(payments::ReceiptCommand),
    /// Check the ledger: integrity, hash chain, sequences, balances, projections. Exit 1 on any problem.
    Verify {
        /// A seal from paper (receipt, Z report, day close), ENTRY:HEX, e.g. 57:3fa9c01b2e7d4410 or
        /// T01-000042:3fa9c01b2e7d4410: the journal must still hold that chain head (repeatable).
        #[arg(long)]
        seal: Vec<String>,
        /// Check only the entries from the last sealed day close on (its recorded chain head is the
        /// starting point): a daily check whose cost is the days since, not the journal's age. Entries
        /// before the seal, projections and SQLite's integrity check are left to a full `verify`.
        #[arg(long)]
        since_seal: bool,
    },
    /// Copy the ledger consistently while CityTill runs (an admin or supervisor; --user).
    Backup { file: PathBuf },
    /// Measure speed on a synthetic city in a temporary directory.
    Bench(admin::BenchArgs),
    /// Create or reuse a training city and open the window on it.
    Demo,
    /// Peripherals: list, status, test, simulators.
    #[command(subcommand)]
    Devices(devices::DevicesCommand),
    /// Parse a scanned MICR line or bill stub.
    #[command(subcommand)]
    Scan(devices::ScanCommand),
    /// Mail, drop-box and counter batches.
    #[command(subcommand)]
    Batch(batch::BatchCommand),
    /// Lockbox and online (web/IVR) payment files: import as a batch, exceptions, resolve.
    #[command(subcommand)]
    Lockbox(lockbox::LockboxCommand),
    /// Bank statements (BAI2) for reconciliation: import, read.
    #[command(subcommand)]
    Bank(bank::BankCommand),
    /// Deposits of approved batches, with the deposit slip.
    #[command(subcommand)]
    Deposit(report::DepositCommand),
    /// The office's day-end close.
    #[command(subcommand)]
    Day(report::DayCommand),
    /// Reports: drawer, day, gl, deposit, exceptions, gaps, over-short, nsf, bank.
    Report(report::ReportArgs),
    /// The billing system's posting file.
    #[command(subcommand)]
    Export(report::ExportCommand),
    /// Head-office administration.
    #[command(subcommand)]
    Hq(hq::HqCommand),
    /// Sync with head office: `sync --once` (one round now) or `sync status`.
    Sync(sync::SyncArgs),
    /// Autopay ACH debits: enrol, import, list, cancel, run, approve, file, runs, settle, returns.
    #[command(subcommand)]
    Autopay(autopay::AutopayCommand),
}

/// Runs a parsed command (all but the window, which the binary opens).
pub fn run(cli: Cli) -> citytill::Result<()> {
    let ctx = context::Context::new(cli.data_dir, cli.user, cli.approver, cli.json)?;
    match cli.command {
        None | Some(Command::Demo) => Err(citytill::Error::Invalid("the window is opened by the citytill binary".into())),
        Some(Command::Init { terminal, admin, training, time_zone }) => admin::init(&ctx, &terminal, &admin, training, time_zone.as_deref()),
        Some(Command::User(command)) => admin::user(&ctx, command),
        Some(Command::Import { what, file }) => admin::import(&ctx, &what, &file),
        Some(Command::Lookup { text }) => payments::lookup(&ctx, &text.join(" ")),
        Some(Command::Drawer(command)) => drawer::run(&ctx, command),
        Some(Command::Pay(args)) => payments::pay(&ctx, args),
        Some(Command::Void { receipt, reason }) => payments::void(&ctx, &receipt, &reason),
        Some(Command::Refund { receipt, amount, reason }) => payments::refund(&ctx, &receipt, &amount, &reason),
        Some(Command::Nsf { receipt, fee }) => payments::nsf(&ctx, &receipt, fee.as_deref()),
        Some(Command::Receipt(command)) => payments::receipt(&ctx, command),
        Some(Command::Verify { seal, since_seal }) => admin::verify(&ctx, &seal, since_seal),
        Some(Command::Backup { file }) => admin::backup(&ctx, &file),
        Some(Command::Bench(args)) => admin::bench(&ctx, args),
        Some(Command::Devices(command)) => devices::devices(&ctx, command),
        Some(Command::Scan(command)) => devices::scan(&ctx, command),
        Some(Command::Batch(command)) => batch::run(&ctx, command),
        Some(Command::Lockbox(command)) => lockbox::run(&ctx, command),
        Some(Command::Bank(command)) => bank::run(&ctx, command),
        Some(Command::Deposit(command)) => report::deposit(&ctx, command),
        Some(Command::Day(command)) => report::day(&ctx, command),
        Some(Command::Report(args)) => report::report(&ctx, args),
        Some(Command::Export(command)) => report::export(&ctx, command),
        Some(Command::Hq(command)) => hq::run(command, &ctx),
        Some(Command::Sync(args)) => sync::run(args, &ctx),
        Some(Command::Autopay(command)) => autopay::run(&ctx, command),
    }
}
