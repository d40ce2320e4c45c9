//! A Redmine + Redmine CRM database of our own making, shaped as REDMINE_SCHEMA.md describes
//! (core 5.1 tables, plugin migrations 16-36), on SQLite or on MariaDB/MySQL, in the plugin's
//! Light or PRO variant, with the awkward cases an import has to get right.

use diesel::connection::SimpleConnection;
use diesel::Connection;
use mysql::prelude::Queryable;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Edition {
    Light,
    Pro,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Mysql,
    Postgres,
}

/// A source database that exists until dropped.
pub struct RedmineDb {
    pub url: String,
    /// Redmine's `files` directory (avatars).
    pub files: tempfile::TempDir,
    _dir: Option<tempfile::TempDir>,
    mysql: Option<(String, String)>,
    /// (server URL, database) of a PostgreSQL source.
    postgres: Option<(String, String)>,
}

/// The MariaDB/MySQL server for the Redmine tests (`TEST_MYSQL_URL`, e.g.
/// `mysql://root@127.0.0.1:3306/test`), if any.
pub fn mysql_server() -> Option<String> {
    std::env::var("TEST_MYSQL_URL").ok().filter(|s| !s.is_empty())
}

/// The API key and password of the fixture's users, as Redmine stored them.
pub const ADMIN_KEY: &str = "0123456789abcdef0123456789abcdef01234567";
pub const ANN_KEY: &str = "aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd";
pub const ANN_PASSWORD: &str = "ann-password-1";
const SALT: &str = "7d2f3a0c9b8e4f6a1b2c3d4e5f60718a";

fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Redmine's stored hash of `password` with the fixture's salt.
fn redmine_hash(password: &str) -> String {
    sha1_hex(format!("{SALT}{}", sha1_hex(password.as_bytes())).as_bytes())
}

/// A 1×1 PNG (a valid one: avatars must decode).
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D,
    0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

impl RedmineDb {
    /// A SQLite Redmine in a temporary file.
    pub fn sqlite(edition: Edition) -> RedmineDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redmine.db");
        let mut conn = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        conn.batch_execute(&script(Dialect::Sqlite, edition)).expect("create the SQLite Redmine");
        let db = RedmineDb {
            url: format!("sqlite://{}", path.display()),
            files: tempfile::tempdir().unwrap(),
            _dir: Some(dir),
            mysql: None,
            postgres: None,
        };
        db.write_files();
        db
    }

    /// A MariaDB/MySQL Redmine in a new database of `server`.
    pub fn mysql(server: &str, edition: Edition) -> RedmineDb {
        let name = format!("redmine_{}_{}", std::process::id(), unique());
        let mut conn = mysql::Conn::new(mysql::Opts::from_url(server).unwrap()).expect("connect to TEST_MYSQL_URL");
        conn.query_drop(format!("CREATE DATABASE {name} CHARACTER SET utf8mb4")).unwrap();
        conn.query_drop(format!("USE {name}")).unwrap();
        for statement in script(Dialect::Mysql, edition).split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
            conn.query_drop(statement).unwrap_or_else(|e| panic!("{e}: {statement}"));
        }
        let base = server.rsplit_once('/').map_or(server, |(b, _)| b);
        let db = RedmineDb {
            url: format!("{base}/{name}"),
            files: tempfile::tempdir().unwrap(),
            _dir: None,
            mysql: Some((server.to_string(), name)),
            postgres: None,
        };
        db.write_files();
        db
    }

    /// A PostgreSQL Redmine in a new database of `server` (the `TEST_DATABASE_URL` server).
    pub fn postgres(server: &str, edition: Edition) -> RedmineDb {
        let name = format!("redmine_{}_{}", std::process::id(), unique());
        let base = server.rsplit_once('/').map_or(server, |(b, _)| b).to_string();
        let mut admin = diesel::PgConnection::establish(server).expect("connect to TEST_DATABASE_URL");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let url = format!("{base}/{name}");
        let mut conn = diesel::PgConnection::establish(&url).unwrap();
        // Rails wrote booleans as true/false; the fixture's 0/1 are taken the same way here, in
        // this database only.
        conn.batch_execute(
            "UPDATE pg_cast SET castcontext = 'a' WHERE castsource = 'int4'::regtype AND casttarget = 'bool'::regtype",
        )
        .expect("integer to boolean on assignment");
        conn.batch_execute(&script(Dialect::Postgres, edition)).expect("create the PostgreSQL Redmine");
        let db = RedmineDb {
            url,
            files: tempfile::tempdir().unwrap(),
            _dir: None,
            mysql: None,
            postgres: Some((server.to_string(), name)),
        };
        db.write_files();
        db
    }

    fn write_files(&self) {
        let dir = self.files.path().join("2024/01");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("240102100000_ada.png"), PNG).unwrap();
        // Contact 2's avatar file is missing on purpose.
    }

    /// Every table's row count and a digest of its rows: equal before and after an import
    /// proves the source was not written.
    pub fn fingerprint(&self) -> Vec<(String, i64, String)> {
        let tables = [
            "users",
            "projects",
            "contacts",
            "contacts_projects",
            "tags",
            "taggings",
            "notes",
            "deals",
            "custom_values",
            "attachments",
            "queries",
            "schema_migrations",
            "addresses",
            "members",
            "roles",
        ];
        let mut out = Vec::new();
        match &self.mysql {
            Some((server, name)) => {
                let mut conn = mysql::Conn::new(mysql::Opts::from_url(server).unwrap()).unwrap();
                conn.query_drop(format!("USE {name}")).unwrap();
                for t in tables {
                    let n: i64 = conn.query_first(format!("SELECT COUNT(*) FROM {t}")).unwrap().unwrap();
                    let sum: Option<String> = conn
                        .query_first(format!("CHECKSUM TABLE {t}"))
                        .unwrap()
                        .map(|(_, c): (String, Option<i64>)| c.unwrap_or(0).to_string());
                    out.push((t.to_string(), n, sum.unwrap_or_default()));
                }
            }
            None if self.postgres.is_some() => {
                #[derive(diesel::QueryableByName)]
                struct Sum {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    n: i64,
                    #[diesel(sql_type = diesel::sql_types::Text)]
                    digest: String,
                }
                use diesel::RunQueryDsl;
                let mut conn = diesel::PgConnection::establish(&self.url).unwrap();
                for t in tables {
                    let sum: Sum = diesel::sql_query(format!(
                        "SELECT COUNT(*) AS n, COALESCE(md5(string_agg(t::text, ',' ORDER BY t::text)), '') AS digest FROM {t} t"
                    ))
                    .get_result(&mut conn)
                    .unwrap();
                    out.push((t.to_string(), sum.n, sum.digest));
                }
            }
            None => {
                let path = self.url.trim_start_matches("sqlite://");
                let bytes = std::fs::read(path).unwrap();
                use sha2::Digest;
                let digest: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
                out.push(("file".into(), bytes.len() as i64, digest));
            }
        }
        out
    }

    /// Runs one more statement on the source (a broken variant of the fixture).
    pub fn execute(&self, sql: &str) {
        match &self.mysql {
            Some((server, name)) => {
                let mut conn = mysql::Conn::new(mysql::Opts::from_url(server).unwrap()).unwrap();
                conn.query_drop(format!("USE {name}")).unwrap();
                conn.query_drop(sql).unwrap();
            }
            None if self.postgres.is_some() => {
                diesel::PgConnection::establish(&self.url).unwrap().batch_execute(sql).unwrap();
            }
            None => {
                let mut conn = diesel::SqliteConnection::establish(self.url.trim_start_matches("sqlite://")).unwrap();
                conn.batch_execute(sql).unwrap();
            }
        }
    }
}

impl Drop for RedmineDb {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.mysql {
            if let Ok(mut conn) = mysql::Conn::new(mysql::Opts::from_url(server).unwrap()) {
                let _ = conn.query_drop(format!("DROP DATABASE IF EXISTS {name}"));
            }
        }
        if let Some((server, name)) = &self.postgres {
            if let Ok(mut conn) = diesel::PgConnection::establish(server) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{}_{}", NEXT.fetch_add(1, Ordering::Relaxed), nanos)
}

/// The tables (as Redmine 5.1 and plugin migration 36 leave them) and the fixture's rows.
fn script(dialect: Dialect, edition: Edition) -> String {
    let pk = match dialect {
        Dialect::Sqlite => "INTEGER PRIMARY KEY",
        Dialect::Mysql => "INT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        Dialect::Postgres => "SERIAL PRIMARY KEY",
    };
    // Old MySQL Redmines have latin1 columns holding UTF-8 bytes.
    let latin1 = match dialect {
        Dialect::Mysql => "CHARACTER SET latin1",
        _ => "",
    };
    // SQLite files from before Redmine 4 keep 't'/'f' in plugin booleans.
    let yes = match dialect {
        Dialect::Sqlite => "'t'",
        _ => "1",
    };
    // A job title stored as bytes: UTF-8 in a latin1 column (MySQL), Latin-1 in a UTF-8 file (SQLite).
    // (PostgreSQL holds only valid UTF-8.)
    let cafe = match dialect {
        Dialect::Sqlite => "CAST(X'436166E9' AS TEXT)",
        Dialect::Mysql => "X'436166C3A9'",
        Dialect::Postgres => "'Café'",
    };
    // MySQL's zero date; PostgreSQL has none.
    let zero_date = match dialect {
        Dialect::Postgres => "NULL",
        _ => "'0000-00-00'",
    };
    // A reserved word in MySQL.
    let re = match dialect {
        Dialect::Mysql => "`regexp`",
        _ => "regexp",
    };
    let ann = redmine_hash(ANN_PASSWORD);
    let admin = redmine_hash("admin-password-1");
    let mut s = format!(
        r#"
CREATE TABLE schema_migrations (version VARCHAR(255) NOT NULL);
CREATE TABLE users (id {pk}, login VARCHAR(255) NOT NULL DEFAULT '', hashed_password VARCHAR(40) NOT NULL DEFAULT '', firstname VARCHAR(30) NOT NULL DEFAULT '', lastname VARCHAR(255) NOT NULL DEFAULT '', admin BOOLEAN NOT NULL DEFAULT 0, status INT NOT NULL DEFAULT 1, last_login_on DATETIME NULL, language VARCHAR(5) DEFAULT '', auth_source_id INT NULL, created_on DATETIME NULL, updated_on DATETIME NULL, type VARCHAR(255) NULL, salt VARCHAR(64) NULL, must_change_passwd BOOLEAN NOT NULL DEFAULT 0);
CREATE TABLE email_addresses (id {pk}, user_id INT NOT NULL, address VARCHAR(255) NOT NULL, is_default BOOLEAN NOT NULL DEFAULT 0, notify BOOLEAN NOT NULL DEFAULT 1, created_on DATETIME NOT NULL, updated_on DATETIME NOT NULL);
CREATE TABLE tokens (id {pk}, user_id INT NOT NULL DEFAULT 0, action VARCHAR(30) NOT NULL DEFAULT '', value VARCHAR(40) NOT NULL DEFAULT '', created_on DATETIME NOT NULL, updated_on DATETIME NULL);
CREATE TABLE projects (id {pk}, name VARCHAR(255) NOT NULL DEFAULT '', description TEXT, homepage VARCHAR(255) DEFAULT '', is_public BOOLEAN NOT NULL DEFAULT 1, parent_id INT NULL, created_on DATETIME NULL, updated_on DATETIME NULL, identifier VARCHAR(255) NULL, status INT NOT NULL DEFAULT 1, lft INT NULL, rgt INT NULL, inherit_members BOOLEAN NOT NULL DEFAULT 0);
CREATE TABLE enabled_modules (id {pk}, project_id INT NULL, name VARCHAR(255) NOT NULL);
CREATE TABLE roles (id {pk}, name VARCHAR(255) NOT NULL DEFAULT '', position INT NULL, assignable BOOLEAN DEFAULT 1, builtin INT NOT NULL DEFAULT 0, permissions TEXT, issues_visibility VARCHAR(30) NOT NULL DEFAULT 'default');
CREATE TABLE members (id {pk}, user_id INT NOT NULL DEFAULT 0, project_id INT NOT NULL DEFAULT 0, created_on DATETIME NULL, mail_notification BOOLEAN NOT NULL DEFAULT 0);
CREATE TABLE member_roles (id {pk}, member_id INT NOT NULL, role_id INT NOT NULL, inherited_from INT NULL);
CREATE TABLE groups_users (group_id INT NOT NULL, user_id INT NOT NULL);
CREATE TABLE contacts (id {pk}, first_name VARCHAR(255), last_name VARCHAR(255), middle_name VARCHAR(255), company VARCHAR(255), phone VARCHAR(255), email VARCHAR(255), website VARCHAR(255), skype_name VARCHAR(255), birthday DATE, avatar VARCHAR(255), background TEXT, job_title VARCHAR(255) {latin1}, is_company BOOLEAN DEFAULT 0, author_id INT NOT NULL DEFAULT 0, assigned_to_id INT NULL, created_on DATETIME, updated_on DATETIME, cached_tag_list VARCHAR(255), visibility INT NOT NULL DEFAULT 0);
CREATE TABLE addresses (id {pk}, street1 VARCHAR(255), street2 VARCHAR(255), city VARCHAR(255), region VARCHAR(255), postcode VARCHAR(255), country_code VARCHAR(2), full_address TEXT, address_type VARCHAR(16), addressable_id INT, addressable_type VARCHAR(255), created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL);
CREATE TABLE contacts_projects (project_id INT NOT NULL DEFAULT 0, contact_id INT NOT NULL DEFAULT 0);
CREATE TABLE contacts_deals (deal_id INT, contact_id INT);
CREATE TABLE contacts_issues (issue_id INT NOT NULL DEFAULT 0, contact_id INT NOT NULL DEFAULT 0);
CREATE TABLE deals (id {pk}, name VARCHAR(255), background TEXT, currency VARCHAR(255), price DECIMAL(20,2), price_type INT, duration INT DEFAULT 1, project_id INT, author_id INT, assigned_to_id INT, status_id INT, contact_id INT, category_id INT, created_on DATETIME, updated_on DATETIME, due_date DATETIME, probability INT);
CREATE TABLE deal_categories (id {pk}, name VARCHAR(255) NOT NULL, project_id INT NOT NULL);
CREATE TABLE deal_processes (id {pk}, deal_id INT NOT NULL, author_id INT NOT NULL, old_value VARCHAR(255), value VARCHAR(255) NOT NULL, created_at DATETIME);
CREATE TABLE deal_statuses (id {pk}, name VARCHAR(255) NOT NULL, position INT, is_default BOOLEAN NOT NULL DEFAULT 0, color INT NOT NULL DEFAULT 11184810, status_type INT NOT NULL DEFAULT 0);
CREATE TABLE deal_statuses_projects (project_id INT NOT NULL DEFAULT 0, deal_status_id INT NOT NULL DEFAULT 0);
CREATE TABLE deals_issues (id {pk}, issue_id INT NOT NULL, deal_id INT NOT NULL);
CREATE TABLE notes (id {pk}, subject VARCHAR(255), content TEXT, source_id INT, source_type VARCHAR(255), author_id INT, created_on DATETIME, updated_on DATETIME, type_id INT);
CREATE TABLE tags (id {pk}, name VARCHAR(255));
CREATE TABLE taggings (id {pk}, tag_id INT, taggable_id INT, taggable_type VARCHAR(255), created_at DATETIME);
CREATE TABLE contacts_queries (id {pk}, project_id INT, name VARCHAR(255) NOT NULL DEFAULT '', filters TEXT, user_id INT NOT NULL DEFAULT 0, is_public BOOLEAN NOT NULL DEFAULT 0, column_names TEXT, sort_criteria TEXT, group_by VARCHAR(255), type VARCHAR(255));
CREATE TABLE custom_fields (id {pk}, type VARCHAR(30) NOT NULL DEFAULT '', name VARCHAR(30) NOT NULL DEFAULT '', field_format VARCHAR(30) NOT NULL DEFAULT '', possible_values TEXT, {re} VARCHAR(255) DEFAULT '', min_length INT, max_length INT, is_required BOOLEAN NOT NULL DEFAULT 0, is_for_all BOOLEAN NOT NULL DEFAULT 0, is_filter BOOLEAN NOT NULL DEFAULT 0, position INT, searchable BOOLEAN DEFAULT 0, default_value TEXT, editable BOOLEAN DEFAULT 1, visible BOOLEAN NOT NULL DEFAULT 1, multiple BOOLEAN DEFAULT 0, format_store TEXT, description TEXT);
CREATE TABLE custom_field_enumerations (id {pk}, custom_field_id INT NOT NULL, name VARCHAR(255) NOT NULL, active BOOLEAN NOT NULL DEFAULT 1, position INT NOT NULL DEFAULT 1);
CREATE TABLE custom_values (id {pk}, customized_type VARCHAR(30) NOT NULL DEFAULT '', customized_id INT NOT NULL DEFAULT 0, custom_field_id INT NOT NULL DEFAULT 0, value TEXT);
CREATE TABLE issues (id {pk}, tracker_id INT NOT NULL, project_id INT NOT NULL, subject VARCHAR(255) NOT NULL DEFAULT '', description TEXT, due_date DATE, category_id INT, status_id INT NOT NULL, assigned_to_id INT, priority_id INT NOT NULL DEFAULT 1, author_id INT NOT NULL, created_on DATETIME, updated_on DATETIME, start_date DATE, done_ratio INT NOT NULL DEFAULT 0, is_private BOOLEAN NOT NULL DEFAULT 0, closed_on DATETIME);
CREATE TABLE issue_statuses (id {pk}, name VARCHAR(30) NOT NULL DEFAULT '', is_closed BOOLEAN NOT NULL DEFAULT 0, position INT);
CREATE TABLE trackers (id {pk}, name VARCHAR(30) NOT NULL DEFAULT '', position INT);
CREATE TABLE attachments (id {pk}, container_id INT, container_type VARCHAR(30), filename VARCHAR(255) NOT NULL DEFAULT '', disk_filename VARCHAR(255) NOT NULL DEFAULT '', filesize BIGINT NOT NULL DEFAULT 0, content_type VARCHAR(255) DEFAULT '', digest VARCHAR(64) NOT NULL DEFAULT '', downloads INT NOT NULL DEFAULT 0, author_id INT NOT NULL DEFAULT 0, created_on DATETIME, description VARCHAR(255), disk_directory VARCHAR(255));
CREATE TABLE queries (id {pk}, project_id INT, name VARCHAR(255) NOT NULL DEFAULT '', filters TEXT, user_id INT NOT NULL DEFAULT 0, column_names TEXT, sort_criteria TEXT, group_by VARCHAR(255), type VARCHAR(255), visibility INT DEFAULT 0, options TEXT);
CREATE TABLE settings (id {pk}, name VARCHAR(255) NOT NULL DEFAULT '', value TEXT, updated_on DATETIME);

INSERT INTO schema_migrations (version) VALUES ('20231012112407'), ('20220224194639'), ('1-redmine_crm_other'), ('16-redmine_contacts'), ('29-redmine_contacts'), ('32-redmine_contacts'), ('36-redmine_contacts');
INSERT INTO users (id, login, hashed_password, salt, firstname, lastname, admin, status, type, created_on, updated_on) VALUES
  (1, 'admin', '{admin}', '{SALT}', 'Redmine', 'Admin', 1, 1, 'User', '2023-01-01 08:00:00', '2023-01-01 08:00:00'),
  (2, 'ann', '{ann}', '{SALT}', 'Ann', 'Manager', 0, 1, 'User', '2023-01-02 08:00:00', '2023-01-02 08:00:00'),
  (3, 'bob', '{ann}', '{SALT}', 'Bob', 'Locked', 0, 3, 'User', '2023-01-03 08:00:00', '2023-01-03 08:00:00'),
  (4, '', '', NULL, '', 'Sales team', 0, 1, 'Group', '2023-01-04 08:00:00', '2023-01-04 08:00:00'),
  (5, '', '', NULL, '', 'Anonymous', 0, 0, 'AnonymousUser', '2023-01-04 08:00:00', '2023-01-04 08:00:00');
INSERT INTO email_addresses (user_id, address, is_default, created_on, updated_on) VALUES
  (1, 'admin@example.net', 1, '2023-01-01 08:00:00', '2023-01-01 08:00:00'),
  (2, 'ann-old@example.net', 0, '2023-01-01 08:00:00', '2023-01-01 08:00:00'),
  (2, 'ann@example.net', 1, '2023-01-01 08:00:00', '2023-01-01 08:00:00');
INSERT INTO tokens (user_id, action, value, created_on) VALUES (1, 'api', '{ADMIN_KEY}', '2023-01-01 08:00:00'), (2, 'api', '{ANN_KEY}', '2023-01-01 08:00:00'), (2, 'feeds', 'ffffffffffffffffffffffffffffffffffffffff', '2023-01-01 08:00:00');
INSERT INTO projects (id, name, identifier, is_public, status, created_on, updated_on) VALUES
  (1, 'CRM', 'crm', 0, 1, '2023-02-01 08:00:00', '2023-02-01 08:00:00'),
  (2, 'Sales', 'sales', 0, 1, '2023-02-01 08:00:00', '2023-02-01 08:00:00'),
  (3, 'Support', 'support', 1, 9, '2023-02-01 08:00:00', '2023-02-01 08:00:00');
INSERT INTO enabled_modules (project_id, name) VALUES (1, 'contacts'), (1, 'deals'), (2, 'contacts'), (3, 'issue_tracking');
INSERT INTO roles (id, name, position, builtin, permissions) VALUES
  (1, 'Non member', 0, 1, '---
- :view_contacts
'),
  (2, 'Anonymous', 0, 2, '--- []
'),
  (3, 'Manager', 1, 0, '---
- :add_project
- :view_contacts
- :view_private_contacts
- :add_contacts
- :edit_contacts
- :delete_contacts
- :add_notes
- :view_deals
- :add_deals
- :edit_deals
- :send_contacts_mail
'),
  (4, 'Reporter', 2, 0, '---
- :view_contacts
');
INSERT INTO members (id, user_id, project_id, created_on) VALUES (1, 2, 1, '2023-02-02 08:00:00'), (2, 2, 2, '2023-02-02 08:00:00'), (3, 4, 1, '2023-02-02 08:00:00'), (4, 3, 1, '2023-02-02 08:00:00');
INSERT INTO member_roles (member_id, role_id, inherited_from) VALUES (1, 3, NULL), (2, 4, NULL), (3, 4, NULL), (4, 4, NULL), (1, 3, NULL);
INSERT INTO groups_users (group_id, user_id) VALUES (4, 2);
INSERT INTO contacts (id, first_name, last_name, middle_name, company, phone, email, website, skype_name, birthday, background, job_title, is_company, author_id, assigned_to_id, created_on, updated_on, cached_tag_list, visibility) VALUES
  (1, 'Ada', 'Lovelace', 'King', 'Analytical Engines', '+44 20 7946 0000, +44 20 7946 0001', 'ada@example.com,ada2@example.com', 'ada.example', 'ada.l', '1815-12-10', 'Wrote the first program', 'Countess', 0, 1, 2, '2024-01-02 10:00:00', '2024-01-03 11:00:00', 'stale', 1),
  (2, 'Analytical Engines', NULL, NULL, NULL, '+44 20 0000 0000', NULL, NULL, NULL, NULL, NULL, NULL, {yes}, 2, NULL, '2024-01-04 10:00:00', '2024-01-04 10:00:00', NULL, 0),
  (3, 'Pete', 'Private', NULL, NULL, NULL, 'pete@example.com', NULL, NULL, NULL, NULL, NULL, 0, 2, 3, '2024-01-05 10:00:00', '2024-01-05 10:00:00', NULL, 2),
  (4, 'Zoë', 'Müller', NULL, NULL, NULL, 'zoe@example.com, not-an-address', NULL, NULL, {zero_date}, NULL, {cafe}, 0, 99, NULL, '2024-01-06 10:00:00', '2024-01-06 10:00:00', NULL, 0),
  (5, 'Olga', 'Orphan', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 1, NULL, '2024-01-07 10:00:00', '2024-01-07 10:00:00', NULL, 0);
INSERT INTO addresses (street1, street2, city, region, postcode, country_code, full_address, address_type, addressable_id, addressable_type, created_at, updated_at) VALUES
  ('12 St James Square', NULL, 'London', NULL, 'SW1Y 4JH', 'GB', '12 St James Square, London, SW1Y 4JH', 'business', 1, 'Contact', '2024-01-02 10:00:00', '2024-01-02 10:00:00');
INSERT INTO contacts_projects (project_id, contact_id) VALUES (1, 1), (1, 2), (2, 2), (3, 2), (1, 3), (1, 4), (1, 4), (77, 5);
INSERT INTO tags (id, name) VALUES (1, 'vip'), (2, 'math'), (3, 'unused'), (4, 'product-tag');
INSERT INTO taggings (tag_id, taggable_id, taggable_type, created_at) VALUES (1, 1, 'Contact', '2024-01-02 10:00:00'), (2, 1, 'Contact', '2024-01-02 10:00:00'), (1, 2, 'Contact', '2024-01-04 10:00:00'), (4, 1, 'Product', '2024-01-04 10:00:00');
INSERT INTO notes (id, subject, content, source_id, source_type, author_id, created_on, updated_on, type_id) VALUES
  (1, 'Call', 'Wants a quote', 1, 'Contact', 2, '2024-02-01 09:30:00', '2024-02-01 09:30:00', 1),
  (3, NULL, 'Left behind', 99, 'Contact', 2, '2024-02-03 09:30:00', '2024-02-03 09:30:00', NULL);
INSERT INTO issue_statuses (id, name, is_closed, position) VALUES (1, 'New', 0, 1);
INSERT INTO trackers (id, name, position) VALUES (1, 'Support', 1);
INSERT INTO issues (id, tracker_id, project_id, subject, status_id, author_id, created_on, updated_on, due_date) VALUES (7, 1, 1, 'Printer jams', 1, 2, '2024-03-01 08:00:00', '2024-03-01 08:00:00', '2024-04-01');
INSERT INTO attachments (id, container_id, container_type, filename, disk_filename, filesize, content_type, digest, author_id, created_on, description, disk_directory) VALUES
  (10, 1, 'Contact', 'old.png', '230101000000_old.png', 70, 'image/png', '', 1, '2023-01-01 10:00:00', 'avatar', '2023/01'),
  (11, 1, 'Contact', 'ada.png', '240102100000_ada.png', 70, 'image/png', '', 1, '2024-01-02 10:00:00', 'avatar', '2024/01'),
  (12, 2, 'Contact', 'engine.png', '240104100000_engine.png', 70, 'image/png', '', 2, '2024-01-04 10:00:00', 'avatar', '2024/01');
INSERT INTO queries (id, project_id, name, filters, user_id, type, visibility) VALUES
  (1, 1, 'VIPs', '--- !ruby/hash:ActiveSupport::HashWithIndifferentAccess
tags: !ruby/hash:ActiveSupport::HashWithIndifferentAccess
  :operator: "="
  :values:
  - vip
has_deals:
  :operator: "="
  :values:
  - "1"
', 2, 'ContactQuery', 2);
"#
    );
    match edition {
        Edition::Pro => s.push_str(
            r#"
INSERT INTO custom_fields (id, type, name, field_format, possible_values, is_filter, multiple, searchable, position) VALUES
  (1, 'ContactCustomField', 'Tier', 'list', '---
- gold
- silver
- bronze
', 1, 1, 0, 1),
  (2, 'DealCustomField', 'Seats', 'int', NULL, 0, 0, 0, 1),
  (3, 'NoteCustomField', 'Mood', 'string', NULL, 0, 0, 0, 1),
  (4, 'ContactCustomField', 'Owner', 'user', NULL, 0, 0, 0, 2);
INSERT INTO custom_values (customized_type, customized_id, custom_field_id, value) VALUES
  ('Contact', 1, 1, 'gold'), ('Contact', 1, 1, 'silver'), ('Contact', 2, 1, 'platinum'), ('Deal', 1, 2, '12'), ('Note', 2, 3, 'happy');
INSERT INTO deal_statuses (id, name, position, is_default, color, status_type) VALUES (1, 'Open', 1, 1, 11184810, 0), (2, 'Won', 2, 0, 39168, 1), (3, 'Lost', 3, 0, 13369344, 2);
INSERT INTO deal_categories (id, name, project_id) VALUES (1, 'Software', 1);
INSERT INTO deals (id, name, background, currency, price, project_id, author_id, assigned_to_id, status_id, contact_id, category_id, created_on, updated_on, due_date, probability) VALUES
  (1, 'Licences', 'Fifty seats', 'EUR', 3000.50, 1, 2, 2, 1, 1, 1, '2024-02-10 12:00:00', '2024-02-10 12:00:00', '2030-12-12 00:00:00', 50);
INSERT INTO contacts_deals (deal_id, contact_id) VALUES (1, 2);
INSERT INTO notes (id, subject, content, source_id, source_type, author_id, created_on, updated_on, type_id) VALUES
  (2, 'Meeting', 'Signed on a deal', 1, 'Deal', 2, '2024-02-11 15:00:00', '2024-02-11 15:00:00', 2);
INSERT INTO contacts_issues (issue_id, contact_id) VALUES (7, 1), (7, 1);
INSERT INTO queries (id, project_id, name, filters, user_id, type, visibility) VALUES
  (2, NULL, 'Won deals', '---
status_id:
  :operator: c
  :values:
  - ''
', 2, 'DealQuery', 0);
"#,
        ),
        Edition::Light => s.push_str(
            r#"
INSERT INTO custom_fields (id, type, name, field_format, is_for_all, position) VALUES (5, 'IssueCustomField', 'Related contacts', 'contact', 1, 1);
INSERT INTO custom_values (customized_type, customized_id, custom_field_id, value) VALUES ('Issue', 7, 5, '1');
"#,
        ),
    }
    if dialect == Dialect::Postgres {
        s = s.replace("DATETIME", "TIMESTAMP");
    }
    s
}
