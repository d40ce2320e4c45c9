//! `contacts-server seed`: a deterministic, realistic address book for benchmarks and demos —
//! projects, users with roles, companies and their employees, phones, emails, addresses, tags,
//! custom field values, public, project and private contacts — written in bulk.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::schema::{contacts, member_roles, members, projects, users};
use crate::db::{write_transaction, DbConnection};
use crate::domain::contacts::search_text;
use crate::domain::custom_fields::{self, FieldInput};
use crate::domain::users::{hash_password, key_digest};
use crate::error::Error;
use crate::store::bulk::{with_id, ContactBatch};
use crate::store::contacts::ContactProjectRow;
use crate::store::contacts::NewContactRow;
use crate::store::copy::{insert_rows, reset_sequences, tidy_after_bulk_write};
use crate::store::custom_fields::CustomValueRow;
use crate::store::members::{MemberRoleRow, MemberRow};
use crate::store::projects::ProjectRow;
use crate::store::tags;
use crate::store::tags::TaggingRow;
use crate::store::users::UserRow;

const FIRST: [&str; 32] = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Radia",
    "Dennis",
    "Hedy",
    "Tim",
    "Katherine",
    "John",
    "Annie",
    "Guido",
    "Sophie",
    "Niklaus",
    "Karen",
    "Bjarne",
    "Shafi",
    "Leslie",
    "Mary",
    "Vint",
    "Jean",
    "Yukihiro",
    "Elena",
    "Marco",
    "Ingrid",
    "Zoë",
];
const LAST: [&str; 32] = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Perlman",
    "Ritchie",
    "Lamarr",
    "Berners-Lee",
    "Johnson",
    "McCarthy",
    "Easley",
    "van Rossum",
    "Wilson",
    "Wirth",
    "Spärck Jones",
    "Stroustrup",
    "Goldwasser",
    "Lamport",
    "Keller",
    "Cerf",
    "Bartik",
    "Matsumoto",
    "Rossi",
    "Bianchi",
    "Nilsen",
    "Müller",
];
const COMPANY_WORDS: [&str; 16] = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Aperture",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Monarch",
];
const JOBS: [&str; 10] = [
    "CEO",
    "CTO",
    "Engineer",
    "Sales manager",
    "Accountant",
    "Designer",
    "Buyer",
    "Support lead",
    "Consultant",
    "Intern",
];
const CITIES: [(&str, &str, &str); 12] = [
    ("London", "GB", "EC1A"),
    ("Paris", "FR", "75001"),
    ("Berlin", "DE", "10115"),
    ("Oslo", "NO", "0150"),
    ("Madrid", "ES", "28001"),
    ("Rome", "IT", "00118"),
    ("Tokyo", "JP", "100-0001"),
    ("Toronto", "CA", "M5H"),
    ("Austin", "US", "73301"),
    ("Sydney", "AU", "2000"),
    ("Lisbon", "PT", "1100"),
    ("Warsaw", "PL", "00-001"),
];
const TAGS: usize = 40;

/// What to make.
#[derive(Debug, Clone, Copy)]
pub struct SeedPlan {
    pub contacts: usize,
    pub projects: usize,
    pub users: usize,
    pub seed: u64,
}

/// What was made: the key of `user1`, a non-admin Manager of the first three projects and
/// Reporter elsewhere — the benchmark's reader.
pub struct Seeded {
    pub member_key: String,
}

/// Fills an empty database. `progress(n)` is told of each batch of contacts written.
pub fn seed(conn: &mut DbConnection, plan: SeedPlan, mut progress: impl FnMut(usize)) -> Result<Seeded, Error> {
    let occupied: i64 = contacts::table.count().get_result(conn)?;
    let people: i64 = users::table.count().get_result(conn)?;
    let places: i64 = projects::table.count().get_result(conn)?;
    if occupied + people + places > 0 {
        return Err(Error::invalid("seed fills an empty database; this one has users, projects or contacts"));
    }
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let projects_n = plan.projects.max(1);
    let users_n = plan.users.max(1);
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).and_then(|d| d.and_hms_opt(8, 0, 0)).unwrap_or_default();
    let member_key = write_people(conn, &mut rng, projects_n, users_n, start)?;

    let tier = custom_fields::create(
        conn,
        FieldInput {
            name: Some("Tier".into()),
            field_format: Some("list".into()),
            possible_values: Some(vec!["gold".into(), "silver".into(), "bronze".into()]),
            is_filter: Some(true),
            ..FieldInput::default()
        },
    )?
    .id;
    let tag_ids: Vec<i32> = (1..=TAGS)
        .map(|n| tags::find_or_create(conn, &format!("tag-{n:02}")).map(|tag| tag.id))
        .collect::<Result<_, _>>()?;

    let companies = (plan.contacts / 10).max(1);
    let mut batch = ContactBatch::default();
    let mut value_id = 1;
    for i in 0..plan.contacts {
        let id = i32::try_from(i + 1).map_err(|_| Error::invalid("too many contacts"))?;
        let created = start + Duration::seconds(i as i64 * 30);
        let row = contact(&mut rng, i, companies, users_n, created);
        let project_id = (i % projects_n) as i32 + 1;
        let mut picked: Vec<i32> = (0..rng.random_range(0..=3)).map(|_| tag_ids[rng.random_range(0..TAGS)]).collect();
        picked.sort_unstable();
        picked.dedup();
        batch.taggings.extend(picked.into_iter().map(|tag_id| TaggingRow {
            contact_id: id,
            tag_id,
            created_on: created,
        }));
        batch.contacts.push(with_id(id, row, &[project_id]));
        batch.links.push(ContactProjectRow { contact_id: id, project_id });
        if rng.random_bool(0.5) {
            let value = ["gold", "silver", "bronze"][rng.random_range(0..3)].to_string();
            batch.values.push(CustomValueRow {
                id: value_id,
                custom_field_id: tier,
                contact_id: Some(id),
                deal_id: None,
                value,
            });
            value_id += 1;
        }
        if batch.len() == 10_000 || i + 1 == plan.contacts {
            let written = batch.len();
            // No webhook events: made-up data is nothing a team's hooks should hear of.
            write_transaction(conn, |c| batch.write(c))?;
            batch = ContactBatch::default();
            progress(written);
        }
    }
    reset_sequences(conn)?;
    tidy_after_bulk_write(conn)?;
    Ok(Seeded { member_key })
}

/// Projects, users (one password hash for all: argon2 is slow on purpose) and memberships.
fn write_people(
    conn: &mut DbConnection,
    rng: &mut StdRng,
    projects_n: usize,
    users_n: usize,
    at: NaiveDateTime,
) -> Result<String, Error> {
    let project_rows: Vec<ProjectRow> = (1..=projects_n)
        .map(|n| ProjectRow {
            id: n as i32,
            name: format!("Project {n}"),
            identifier: format!("project-{n}"),
            description: None,
            is_public: n % 5 == 0,
            created_on: at,
            updated_on: at,
        })
        .collect();
    let hash = hash_password("seeded-password")?;
    let keys: Vec<String> =
        (0..users_n).map(|_| (0..20).map(|_| format!("{:02x}", rng.random::<u8>())).collect()).collect();
    let user_rows: Vec<UserRow> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| UserRow {
            id: i as i32 + 1,
            login: format!("user{}", i + 1),
            hashed_password: hash.clone(),
            firstname: FIRST[i % FIRST.len()].to_string(),
            lastname: LAST[(i / FIRST.len()) % LAST.len()].to_string(),
            mail: Some(format!("user{}@example.com", i + 1)),
            admin: false,
            status: 1,
            api_key: key.clone(),
            api_key_digest: key_digest(key),
            created_on: at,
            updated_on: at,
            last_login_on: None,
        })
        .collect();
    // user1 manages the first three projects; every user reads one more.
    let mut memberships: Vec<(i32, i32, i32)> = (1..=projects_n.min(3)).map(|p| (1, p as i32, 1)).collect();
    for u in 1..=users_n {
        let p = ((u + 2) % projects_n) as i32 + 1;
        if !memberships.iter().any(|(user, project, _)| *user == u as i32 && *project == p) {
            memberships.push((u as i32, p, 2));
        }
    }
    let member_rows: Vec<MemberRow> = memberships
        .iter()
        .enumerate()
        .map(|(i, (user_id, project_id, _))| MemberRow {
            id: i as i32 + 1,
            user_id: *user_id,
            project_id: *project_id,
            created_on: at,
        })
        .collect();
    let role_rows: Vec<MemberRoleRow> = memberships
        .iter()
        .enumerate()
        .map(|(i, (_, _, role))| MemberRoleRow { member_id: i as i32 + 1, role_id: *role })
        .collect();
    write_transaction(conn, |c| {
        insert_rows!(c, projects::table, &project_rows)?;
        for chunk in user_rows.chunks(500) {
            insert_rows!(c, users::table, chunk)?;
        }
        for chunk in member_rows.chunks(1000) {
            insert_rows!(c, members::table, chunk)?;
        }
        for chunk in role_rows.chunks(1000) {
            insert_rows!(c, member_roles::table, chunk)?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(keys[0].clone())
}

/// One contact: the first tenth are companies; people work for one of them.
fn contact(rng: &mut StdRng, i: usize, companies: usize, users_n: usize, at: NaiveDateTime) -> NewContactRow {
    let company_name = |n: usize| format!("{} {}", COMPANY_WORDS[n % COMPANY_WORDS.len()], n + 1);
    let is_company = i < companies;
    let (city, country, postcode) = CITIES[rng.random_range(0..CITIES.len())];
    let first = FIRST[rng.random_range(0..FIRST.len())];
    let last = LAST[rng.random_range(0..LAST.len())];
    let phone = format!(
        "+{} {:03} {:04} {:04}",
        rng.random_range(1..99),
        rng.random_range(100..999),
        rng.random_range(0..9999),
        i % 10_000
    );
    let visibility = match rng.random_range(0..100) {
        0..=4 => 2,
        5..=19 => 1,
        _ => 0,
    };
    let mut row = NewContactRow {
        first_name: if is_company { company_name(i) } else { first.to_string() },
        last_name: (!is_company).then(|| last.to_string()),
        middle_name: None,
        company: if is_company { None } else { Some(company_name(rng.random_range(0..companies))) },
        is_company,
        job_title: (!is_company).then(|| JOBS[rng.random_range(0..JOBS.len())].to_string()),
        website: is_company.then(|| format!("https://www.example{}.com", i + 1)),
        skype_name: None,
        birthday: (!is_company && rng.random_bool(0.3))
            .then(|| {
                NaiveDate::from_ymd_opt(rng.random_range(1950..2004), rng.random_range(1..13), rng.random_range(1..29))
            })
            .flatten(),
        background: None,
        phones: phone,
        emails: format!(
            "{}.{}{}@example.com",
            first.to_lowercase(),
            last.to_lowercase().replace([' ', 'ä', 'ü'], ""),
            i + 1
        ),
        visibility,
        author_id: Some(rng.random_range(1..=users_n as i32)),
        assigned_to_id: rng.random_bool(0.5).then(|| rng.random_range(1..=users_n as i32)),
        street1: Some(format!("{} Main Street", rng.random_range(1..300))),
        street2: None,
        city: Some(city.to_string()),
        region: None,
        postcode: Some(postcode.to_string()),
        country_code: Some(country.to_string()),
        search_text: String::new(),
        created_on: at,
        updated_on: at,
        ..NewContactRow::default()
    };
    row.search_text = search_text(&row);
    row
}
