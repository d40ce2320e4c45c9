#!/usr/bin/env python3
"""Writes the benchmark's request lists from the seeded data, so that every request is a
different URL with different data (issue 20): contact ids, list offsets, and searches made of
the names, company words and phone numbers the seed actually wrote, read out of the database.

    urls.py BACKEND DATABASE_URL BASE_URL API_KEY CONTACTS OUT_DIR

BACKEND is sqlite or postgres; DATABASE_URL the one the server was started with (SQLite is read
with Python's sqlite3 module, read-only; PostgreSQL with psql). Asks the server, as the reader
whose key is API_KEY, which projects' contacts it may read and how many contacts it sees, and
refuses to go on unless the database, read by the rules below, gives the same count.

Writes to OUT_DIR one file per scenario, one request per line, fields separated by tabs:
METHOD, PATH, BODY (may be empty), IF-NONE-MATCH (may be empty); bench/requests.lua plays them.
Prints facts (`name<TAB>value`, one a line) for bench/run.sh's facts.tsv.
"""
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
from urllib.parse import quote, urlsplit

backend, database_url, base, key, contacts, out_dir = sys.argv[1:]
contacts = int(contacts)
rng = random.Random(20)  # the same lists for the same data

host = urlsplit(base)
connection = http.client.HTTPConnection(host.hostname, host.port, timeout=120)


def get(path):
    connection.request("GET", path, headers={"X-Redmine-API-Key": key})
    response = connection.getresponse()
    body = response.read()
    return response.status, body


def query(sql):
    """Rows of `sql` as tuples of strings."""
    if backend == "sqlite":
        path = database_url.removeprefix("sqlite://")
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return [tuple("" if v is None else str(v) for v in row) for row in db.execute(sql)]
        finally:
            db.close()
    out = subprocess.run(["psql", database_url, "-X", "-q", "-A", "-t", "-F", "\t", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


# --- Who reads, and what they see -------------------------------------------------------------
status, body = get("/users/current.json")
assert status == 200, f"GET /users/current.json: {status}"
user_id = json.loads(body)["user"]["id"]
status, body = get("/contacts.json?limit=1")
assert status == 200, f"GET /contacts.json: {status}"
visible_total = json.loads(body)["total_count"]
projects = [(int(i), ident) for i, ident in query("SELECT id, identifier FROM projects ORDER BY id")]
# A project's contacts are readable when its project list answers (view_contacts there).
readable = [pid for pid, ident in projects if get(f"/projects/{ident}/contacts.json?limit=1")[0] == 200]
writable = [ident for pid, ident in projects[:3]]  # user1 manages the first three projects (seed.rs)
in_readable = ",".join(str(p) for p in readable) or "0"
# Contacts the reader surely sees, by the plugin's visible_condition (store/contacts.rs):
# public ones, project contacts of readable projects, private ones the reader wrote or is
# assigned in a readable project. (Private contacts of projects granting view_private_contacts
# are left out: telling them apart would mean reading roles here.) The server is asked to
# confirm a sample, and the count must come close to its total.
visible_rows = query(f"""
    SELECT c.id, c.phones, cp.project_id, c.visibility FROM contacts c
    JOIN contacts_projects cp ON cp.contact_id = c.id
    WHERE c.visibility = 1
       OR (c.visibility IN (0, 2) AND cp.project_id IN ({in_readable})
           AND (c.visibility = 0 OR c.author_id = {user_id} OR c.assigned_to_id = {user_id}))
""")
visible = {}
editable = []
for cid, phones, pid, visibility in visible_rows:
    visible[cid] = phones
    if int(pid) <= 3 and visibility != "2":
        editable.append(cid)
ids = sorted(visible, key=int)
editable = sorted(set(editable), key=int)
sample = rng.sample(ids, min(200, len(ids)))
refused = [i for i in sample if get(f"/contacts/{i}.json")[0] != 200]
if refused or not 0.95 * visible_total <= len(ids) <= visible_total:
    sys.exit(f"urls.py: the database shows {len(ids)} contacts to user {user_id}, the server says {visible_total}, "
             f"and refused {len(refused)} of {len(sample)} asked for: the visibility rule here is out of date")

# --- The words the seed wrote -----------------------------------------------------------------
first_names = sorted({r[0] for r in query("SELECT DISTINCT first_name FROM contacts WHERE NOT is_company")})
last_names = sorted({r[0] for r in query(
    "SELECT DISTINCT last_name FROM contacts WHERE NOT is_company AND last_name IS NOT NULL")})
# Company names are "<word> <number>" (seed.rs); the first thousand companies hold every word.
company_words = sorted({r[0].split()[0] for r in query(
    "SELECT first_name FROM contacts WHERE is_company ORDER BY id LIMIT 1000") if r[0].split()})
phones = [visible[i] for i in rng.sample(ids, min(len(ids), 50_000))]


def typed(word):
    """A word as someone types it: whole or its first 3+ letters, capitalized or lower case."""
    word = rng.choice(word.split())  # "van Rossum", "Spärck Jones": one of the words
    if len(word) > 3 and rng.random() < 0.4:
        word = word[:rng.randint(3, len(word) - 1)]
    return word.lower() if rng.random() < 0.5 else word


def two_words():
    kind = rng.random()
    if kind < 0.6:  # first and last name, in either order
        a, b = typed(rng.choice(first_names)), typed(rng.choice(last_names))
        return f"{a} {b}" if kind < 0.5 else f"{b} {a}"
    # a company word with a name: "globex kat"
    return f"{typed(rng.choice(company_words))} {typed(rng.choice(first_names + last_names))}"


def one_word():
    return typed(rng.choice(first_names + last_names + company_words))


def phone_digits():
    digits = "".join(c for c in rng.choice(phones).split(",")[0] if c.isdigit())
    n = rng.randint(4, 6)
    if rng.random() < 0.5:  # the end of the number
        return digits[-n:]
    start = rng.randint(0, len(digits) - n)
    return digits[start:start + n]


def search(words):
    return f"/contacts.json?search={quote(words)}"


# --- The lists --------------------------------------------------------------------------------
SIZE = 100_000
facts = {"visible_contacts": visible_total, "listed_contacts": len(ids), "reader_id": user_id,
         "readable_projects": len(readable), "projects": len(projects)}
lists = {}
lists["show"] = [("GET", f"/contacts/{i}.json") for i in rng.sample(ids, len(ids))]
# 25 at a random offset among the first 100,000 the reader sees (fewer on a small database).
depth = min(100_000, len(ids))
lists["list25"] = [("GET", f"/contacts.json?limit=25&offset={o}")
                   for o in rng.sample(range(max(1, depth - 25)), min(SIZE, max(1, depth - 25)))]
lists["search_two_words"] = [("GET", search(two_words())) for _ in range(SIZE)]
lists["search_one_word"] = [("GET", search(one_word())) for _ in range(SIZE)]
lists["search_phone"] = [("GET", search(phone_digits())) for _ in range(SIZE)]
# sort=name at offset 500,000 of 1,000,000 contacts (scaled to a smaller database), each request
# a different offset in the thousand after it.
sort_at = min(contacts // 2, max(0, len(ids) - 1000))
facts["sort_name_offset"] = sort_at
lists["sort_name"] = [("GET", f"/contacts.json?sort=name&limit=25&offset={sort_at + rng.randrange(1000)}")
                      for _ in range(1000)]


def new_contact(n):
    first, last = rng.choice(first_names), rng.choice(last_names)
    company = f"{rng.choice(company_words)} {rng.randint(1, max(1, contacts // 10))}"
    phone = f"+{rng.randint(1, 98)} {rng.randint(100, 998):03} {rng.randint(0, 9998):04} {rng.randint(0, 9999):04}"
    mail = "".join(c for c in f"{first}.{last}".lower() if c.isascii() and (c.isalnum() or c == "."))
    body = {"contact": {"first_name": first, "last_name": last, "company": company, "phone": phone,
                        "email": f"{mail}.bench{n}@example.com", "job_title": rng.choice(["CEO", "Engineer", "Buyer"]),
                        "tag_list": f"tag-{rng.randint(1, 40):02},bench",
                        "address_attributes": {"city": rng.choice(["Oslo", "Rome", "Lisbon"]), "country_code": "NO"}}}
    return ("POST", f"/projects/{rng.choice(writable)}/contacts.json", json.dumps(body, ensure_ascii=False))


lists["create"] = [new_contact(n) for n in range(SIZE)]
lists["update"] = [("PUT", f"/contacts/{rng.choice(editable)}.json",
                    json.dumps({"contact": {"job_title": f"Engineer {n}", "phone": f"+47 {rng.randint(10000000, 99999999)}"}}))
                   for n in range(SIZE)] if editable else []
# 80% reads (show, list, two-word and phone searches in equal shares), 20% creates.
reads = ["show", "list25", "search_two_words", "search_phone"]
lists["mixed"] = [new_contact(SIZE + n) if rng.random() < 0.2 else rng.choice(lists[rng.choice(reads)])
                  for n in range(SIZE)]
# The conditional GETs' URLs (bench/etags.py asks each once for its tag): contacts and list
# pages, half each.
lists["conditional"] = lists["show"][:2000] + lists["list25"][:2000]
rng.shuffle(lists["conditional"])

os.makedirs(out_dir, exist_ok=True)
for name, lines in lists.items():
    with open(os.path.join(out_dir, f"{name}.tsv"), "w") as f:
        for line in lines:
            method, path, body = (line + ("",))[:3]
            f.write(f"{method}\t{path}\t{body}\t\n")
    facts[f"urls_{name}"] = len(lines)
    facts[f"distinct_{name}"] = len({line[:3] for line in lines})
for name, value in facts.items():
    print(f"{name}\t{value}")
