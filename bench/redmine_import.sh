#!/usr/bin/env bash
# import-redmine's benchmark: a Redmine + CRM database in MariaDB with CONTACTS contacts (each
# with two tags, a note, one or two projects and an address), imported into a fresh SQLite
# database (and PostgreSQL with `all`), timed. Writes bench/redmine_import.md and puts it in
# BENCHMARKS.md as its own section. The issue's target: 100,000 contacts in under 60 s.
#
#   bench/redmine_import.sh              # SQLite target, 100,000 contacts
#   bench/redmine_import.sh all          # SQLite and PostgreSQL targets
#   CONTACTS=20000 bench/redmine_import.sh
#
# Needs MariaDB on 127.0.0.1:3306 (root, no password), as .ci/run sets it up.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=${1:-sqlite}
CONTACTS=${CONTACTS:-100000}
MYSQL_SERVER=${MYSQL_SERVER:-mysql://root@127.0.0.1:3306}
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
DB=redmine_bench_$$
SQL="mariadb -h 127.0.0.1 -u root"

cargo build --release --locked --bin contacts-server
BIN=target/release/contacts-server
WORK=$(mktemp -d)
cleanup() { $SQL -e "DROP DATABASE IF EXISTS $DB" || true; rm -rf "$WORK"; }
trap cleanup EXIT

echo "== a Redmine with $CONTACTS contacts in MariaDB ($DB)"
started=$(date +%s.%N)
$SQL -e "CREATE DATABASE $DB CHARACTER SET utf8mb4"
$SQL "$DB" <<SQL
CREATE TABLE schema_migrations (version VARCHAR(255) NOT NULL PRIMARY KEY);
INSERT INTO schema_migrations VALUES ('20231012112407'), ('36-redmine_contacts');
CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, login VARCHAR(255) NOT NULL DEFAULT '', hashed_password VARCHAR(40) NOT NULL DEFAULT '', salt VARCHAR(64), firstname VARCHAR(30) NOT NULL DEFAULT '', lastname VARCHAR(255) NOT NULL DEFAULT '', admin TINYINT(1) NOT NULL DEFAULT 0, status INT NOT NULL DEFAULT 1, auth_source_id INT, created_on DATETIME, updated_on DATETIME, last_login_on DATETIME, type VARCHAR(255));
CREATE TABLE email_addresses (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL, address VARCHAR(255) NOT NULL, is_default TINYINT(1) NOT NULL DEFAULT 0);
CREATE TABLE tokens (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL, action VARCHAR(30) NOT NULL, value VARCHAR(40) NOT NULL);
CREATE TABLE projects (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL, identifier VARCHAR(255), description TEXT, is_public TINYINT(1) NOT NULL DEFAULT 1, status INT NOT NULL DEFAULT 1, created_on DATETIME, updated_on DATETIME);
CREATE TABLE enabled_modules (id INT AUTO_INCREMENT PRIMARY KEY, project_id INT, name VARCHAR(255) NOT NULL);
CREATE TABLE roles (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL, position INT, builtin INT NOT NULL DEFAULT 0, permissions TEXT);
CREATE TABLE members (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL, project_id INT NOT NULL, created_on DATETIME);
CREATE TABLE member_roles (id INT AUTO_INCREMENT PRIMARY KEY, member_id INT NOT NULL, role_id INT NOT NULL, inherited_from INT);
CREATE TABLE contacts (id INT AUTO_INCREMENT PRIMARY KEY, first_name VARCHAR(255), last_name VARCHAR(255), middle_name VARCHAR(255), company VARCHAR(255), phone VARCHAR(255), email VARCHAR(255), website VARCHAR(255), skype_name VARCHAR(255), birthday DATE, background TEXT, job_title VARCHAR(255), is_company TINYINT(1) DEFAULT 0, author_id INT NOT NULL DEFAULT 0, assigned_to_id INT, created_on DATETIME, updated_on DATETIME, cached_tag_list VARCHAR(255), visibility INT NOT NULL DEFAULT 0);
CREATE TABLE addresses (id INT AUTO_INCREMENT PRIMARY KEY, street1 VARCHAR(255), street2 VARCHAR(255), city VARCHAR(255), region VARCHAR(255), postcode VARCHAR(255), country_code VARCHAR(2), full_address TEXT, address_type VARCHAR(16), addressable_id INT, addressable_type VARCHAR(255), created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, KEY (addressable_id, addressable_type));
CREATE TABLE contacts_projects (project_id INT NOT NULL, contact_id INT NOT NULL, KEY (contact_id));
CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, subject VARCHAR(255), content TEXT, source_id INT, source_type VARCHAR(255), author_id INT, created_on DATETIME, updated_on DATETIME, type_id INT);
CREATE TABLE tags (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255));
CREATE TABLE taggings (id INT AUTO_INCREMENT PRIMARY KEY, tag_id INT, taggable_id INT, taggable_type VARCHAR(255), created_at DATETIME, KEY (taggable_id, taggable_type));
CREATE TABLE custom_values (id INT AUTO_INCREMENT PRIMARY KEY, customized_type VARCHAR(30) NOT NULL, customized_id INT NOT NULL, custom_field_id INT NOT NULL, value TEXT, KEY (customized_type, customized_id));

INSERT INTO users (login, firstname, lastname, admin, status, type, created_on, updated_on)
  SELECT CONCAT('user', seq), CONCAT('User', seq), 'Bench', seq = 1, 1, 'User', NOW(), NOW() FROM seq_1_to_50;
INSERT INTO tokens (user_id, action, value) SELECT seq, 'api', SHA1(CONCAT('key', seq)) FROM seq_1_to_50;
INSERT INTO projects (name, identifier, is_public, created_on, updated_on)
  SELECT CONCAT('Project ', seq), CONCAT('project-', seq), seq % 2, NOW(), NOW() FROM seq_1_to_20;
INSERT INTO enabled_modules (project_id, name) SELECT seq, 'contacts' FROM seq_1_to_20;
INSERT INTO roles (name, position, builtin, permissions) VALUES ('Manager', 1, 0, '---\n- :view_contacts\n- :add_contacts\n- :edit_contacts\n');
INSERT INTO members (user_id, project_id, created_on) SELECT seq, (seq % 20) + 1, NOW() FROM seq_2_to_50;
INSERT INTO member_roles (member_id, role_id) SELECT id, 1 FROM members;
INSERT INTO tags (name) SELECT CONCAT('tag', seq) FROM seq_1_to_200;
INSERT INTO contacts (first_name, last_name, company, phone, email, job_title, is_company, author_id, assigned_to_id, created_on, updated_on, visibility, background)
  SELECT CONCAT('First', seq), CONCAT('Last', seq), CONCAT('Company ', seq % 997), CONCAT('+1 555 ', LPAD(seq, 7, '0')),
         CONCAT('person', seq, '@example.com'), 'Engineer', 0, (seq % 50) + 1, IF(seq % 3 = 0, (seq % 50) + 1, NULL),
         '2024-01-01 10:00:00' + INTERVAL seq MINUTE, '2024-01-01 10:00:00' + INTERVAL seq MINUTE, seq % 3,
         'A few lines of background about this person.'
  FROM seq_1_to_${CONTACTS};
INSERT INTO contacts_projects (project_id, contact_id) SELECT (seq % 20) + 1, seq FROM seq_1_to_${CONTACTS};
INSERT INTO contacts_projects (project_id, contact_id) SELECT ((seq + 7) % 20) + 1, seq FROM seq_1_to_${CONTACTS} WHERE seq % 4 = 0;
INSERT INTO addresses (street1, city, postcode, country_code, address_type, addressable_id, addressable_type, created_at, updated_at)
  SELECT CONCAT(seq, ' Main St'), 'Oslo', '0150', 'NO', 'business', seq, 'Contact', NOW(), NOW() FROM seq_1_to_${CONTACTS};
INSERT INTO taggings (tag_id, taggable_id, taggable_type, created_at) SELECT (seq % 200) + 1, seq, 'Contact', NOW() FROM seq_1_to_${CONTACTS};
INSERT INTO taggings (tag_id, taggable_id, taggable_type, created_at) SELECT ((seq * 7) % 200) + 1, seq, 'Contact', NOW() FROM seq_1_to_${CONTACTS} WHERE (seq * 7) % 200 <> seq % 200;
INSERT INTO notes (subject, content, source_id, source_type, author_id, created_on, updated_on, type_id)
  SELECT 'Call', CONCAT('Talked about the order of contact ', seq), seq, 'Contact', (seq % 50) + 1,
         '2024-02-01 10:00:00' + INTERVAL seq MINUTE, '2024-02-01 10:00:00' + INTERVAL seq MINUTE, seq % 3
  FROM seq_1_to_${CONTACTS};
SQL
built=$(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')")
counts=$($SQL -N "$DB" -e "SELECT CONCAT((SELECT COUNT(*) FROM contacts), ' contacts, ', (SELECT COUNT(*) FROM taggings), ' taggings, ', (SELECT COUNT(*) FROM notes), ' notes, ', (SELECT COUNT(*) FROM contacts_projects), ' project links')")
echo "   $counts (made in ${built}s)"

ROWS=$WORK/rows.md
: >"$ROWS"
run_import() {
  local name=$1 target=$2
  echo "== import-redmine into $name"
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" import-redmine --from "$MYSQL_SERVER/$DB" --database-url "$target" >"$WORK/report.txt"
  t1=$(date +%s.%N)
  sed -n '/^table /,/^problems\|^imported/p' "$WORK/report.txt"
  local seconds
  seconds=$(python3 -c "print(f'{$t1 - $t0:.1f}')")
  local verdict
  verdict=$(python3 -c "print('met' if $t1 - $t0 < 60 else 'missed')")
  echo "   ${seconds}s ($verdict)"
  echo "| $name | ${seconds} s | < 60 s | $verdict |" >>"$ROWS"
  # Once more into the same database: every row updated, none added.
  t0=$(date +%s.%N)
  "$BIN" import-redmine --from "$MYSQL_SERVER/$DB" --database-url "$target" >"$WORK/report2.txt"
  t1=$(date +%s.%N)
  seconds=$(python3 -c "print(f'{$t1 - $t0:.1f}')")
  echo "   again (updates): ${seconds}s"
  echo "| $name, run again (updates) | ${seconds} s | - | - |" >>"$ROWS"
}

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
run_import sqlite "sqlite://$WORK/target.db"
if [ "$TARGETS" = all ]; then
  PG_DB=redmine_import_bench_$$
  psql "$PG_SERVER/postgres" -qc "CREATE DATABASE $PG_DB"
  psql "$PG_SERVER/$PG_DB" -qc "CREATE EXTENSION IF NOT EXISTS pg_trgm"
  run_import postgres "$PG_SERVER/$PG_DB"
  psql "$PG_SERVER/postgres" -qc "DROP DATABASE $PG_DB"
fi

commit=$(git rev-parse --short HEAD)
{
  echo "## import-redmine: 100,000 contacts from MariaDB"
  echo
  echo "Written by \`bench/redmine_import.sh\` (do not edit by hand) on $commit, $(date -u +%F)."
  echo
  echo "- Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; shared with other work while it ran (load average $LOAD when the imports began), so a figure is an upper bound."
  echo "- Source: MariaDB $($SQL -N -e 'SELECT VERSION()'), a Redmine + CRM schema with $counts; each contact has an address."
  echo "- Command: \`contacts-server import-redmine --from mysql://…\` into a fresh database, timed end to end (connecting, checking the source, every table, the final analyze or index merge)."
  echo
  echo "| target | time | issue target | |"
  echo "|---|---|---|---|"
  cat "$ROWS"
} >bench/redmine_import.md
# BENCHMARKS.md's section is replaced in place (bench/run.sh appends it too, with the others).
python3 - <<'PY'
text = open("BENCHMARKS.md").read()
marker = "## import-redmine: 100,000 contacts from MariaDB"
section = open("bench/redmine_import.md").read().rstrip() + "\n"
if marker in text:
    start = text.index(marker)
    end = text.find("\n## ", start + len(marker))
    rest = "" if end < 0 else "\n" + text[end + 1 :]
    text = text[:start] + section + rest
else:
    text = text.rstrip() + "\n\n" + section
open("BENCHMARKS.md", "w").write(text)
PY
cat bench/redmine_import.md
