//! `contacts-server import-redmine --from URL`: brings a team's Redmine + Redmine CRM data over
//! from its database (MySQL/MariaDB, PostgreSQL or SQLite), read-only, table by table; see
//! `../shared/spec/REDMINE_SCHEMA.md` for how Redmine stores what is read here.
//!
//! The source is checked first (a Redmine, with a known version of the plugin) and opened in a
//! read-only transaction. Each table is then read, converted (every problem noted) and, unless
//! this is a dry run, written in transactions of a batch each, with its ids kept where free and
//! remembered in `redmine_import_ids`, so running it again updates instead of duplicating.
//!
//! It records no webhook events: it brings a database's history over into a fresh server, and
//! its records were created long before any hook here could hear of them (the CSV `import`,
//! which adds new contacts to a working server, does record `contact.created`).

mod convert;
mod source;
mod tables;
mod target;

pub mod report;

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;

pub use convert::SourceZone;
use source::Opened;

/// The plugin migrations this importer knows (REDMINE_SCHEMA.md §2): 16 … 36.
const KNOWN_PLUGIN_MIGRATIONS: std::ops::RangeInclusive<i64> = 16..=36;

#[derive(Debug, Args)]
pub struct ImportRedmineArgs {
    /// The Redmine database: mysql://user:pass@host/db, postgres://… or sqlite://path.
    #[arg(long)]
    pub from: String,
    /// Redmine's `files` directory, where avatars are read from.
    #[arg(long)]
    pub files: Option<PathBuf>,
    /// Read and check everything, print what would be imported, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Only these projects (identifiers, comma-separated), with their contacts, deals and members.
    #[arg(long, value_delimiter = ',')]
    pub projects: Vec<String>,
    /// The zone Redmine's times were written in: UTC, local or an offset such as +02:00.
    #[arg(long, default_value = "UTC")]
    pub time_zone: String,
    /// The database to import into.
    #[arg(long, env = "DATABASE_URL", default_value = crate::config::DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

/// Runs the command; the report is printed, an error is one line for the terminal.
pub fn run(args: ImportRedmineArgs) -> anyhow::Result<()> {
    let zone = SourceZone::parse(&args.time_zone).map_err(anyhow::Error::msg)?;
    let mut source = Opened::open(&args.from)?;
    let facts = detect(&mut source)?;
    let started = std::time::Instant::now();
    let options = tables::Options { zone, files: args.files.clone(), projects: args.projects.clone() };
    let report = if args.dry_run {
        tables::import(&mut source, None, &options, facts)?
    } else {
        let mut config = crate::config::Config::for_database(&args.database_url);
        config.db.pool_size = 2;
        let db = crate::db::Db::open(&config.db)?;
        let mut conn = db.connection().map_err(|e| anyhow::anyhow!("{e}"))?;
        let report = tables::import(&mut source, Some(&mut conn), &options, facts)?;
        crate::store::copy::reset_sequences(&mut conn)?;
        crate::store::copy::tidy_after_bulk_write(&mut conn)?;
        report
    };
    print!("{}", report.render(if args.dry_run { None } else { Some(20) }));
    let seconds = started.elapsed().as_secs_f64();
    if args.dry_run {
        println!("dry run: nothing was written ({seconds:.1}s)");
    } else {
        let written: usize = report.tables.iter().map(|t| t.inserted + t.updated).sum();
        println!("imported {written} rows in {seconds:.1}s");
    }
    Ok(())
}

/// Checks that the source is a Redmine with a plugin version we know; its facts for the report.
fn detect(source: &mut Opened) -> anyhow::Result<Vec<String>> {
    for table in ["schema_migrations", "users", "projects", "members", "roles"] {
        if !source.has_table(table) {
            anyhow::bail!("not a Redmine database: it has no {table} table");
        }
    }
    let versions: Vec<String> =
        source.select("schema_migrations", &["version"], "", "")?.into_iter().filter_map(|r| r[0].clone()).collect();
    let core = versions.iter().filter_map(|v| v.parse::<i64>().ok()).max();
    let mut plugin: BTreeMap<String, i64> = BTreeMap::new();
    for v in &versions {
        if let Some((n, name)) = v.split_once('-') {
            if let Ok(n) = n.parse::<i64>() {
                let e = plugin.entry(name.to_string()).or_insert(n);
                *e = (*e).max(n);
            }
        }
    }
    let Some(crm) = plugin.get("redmine_contacts").copied() else {
        anyhow::bail!("this Redmine has no Redmine CRM plugin (no redmine_contacts migrations)");
    };
    if !KNOWN_PLUGIN_MIGRATIONS.contains(&crm) {
        anyhow::bail!(
            "unknown Redmine CRM plugin version: its migrations go up to {crm}, this importer knows {} to {}",
            KNOWN_PLUGIN_MIGRATIONS.start(),
            KNOWN_PLUGIN_MIGRATIONS.end()
        );
    }
    for table in ["contacts", "contacts_projects", "notes", "tags", "taggings"] {
        if !source.has_table(table) {
            anyhow::bail!("the Redmine CRM plugin's {table} table is missing (plugin migration {crm})");
        }
    }
    let mut facts = vec![format!(
        "source: Redmine (core migration {}), redmine_contacts migration {crm}{}",
        core.map_or("?".to_string(), |c| c.to_string()),
        match crm {
            36 => " (4.2.6 or later)",
            33..=35 => " (3.4.0 or later)",
            _ => " (before 3.4)",
        }
    )];
    let siblings: Vec<&str> =
        plugin.keys().map(String::as_str).filter(|p| *p != "redmine_contacts" && p.starts_with("redmine_")).collect();
    if !siblings.is_empty() {
        facts.push(format!("other plugins (not imported): {}", siblings.join(", ")));
    }
    let pro_fields =
        source.count("custom_fields", "type IN ('ContactCustomField', 'DealCustomField', 'NoteCustomField')")?;
    let deal_queries = source.count("queries", "type = 'DealQuery'")?;
    let deals = source.count("deals", "")?;
    facts.push(if pro_fields + deal_queries + deals > 0 {
        format!("edition: PRO traces ({pro_fields} CRM custom fields, {deal_queries} deal queries, {deals} deals)")
    } else {
        "edition: no PRO traces (Light, or PRO without deals or CRM custom fields)".to_string()
    });
    Ok(facts)
}
