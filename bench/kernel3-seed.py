#!/usr/bin/env python3
"""Bulk rows for bench/kernel3, written straight into Weft's database (SQLite file or
PostgreSQL URL), as the server itself would write them. Ids are UUIDv7-shaped (48-bit
millisecond prefix), so they sort by time like the server's own.

  kernel3-seed.py DB counts
      rows in activities, activity_recipients, notifications, memberships
  kernel3-seed.py DB members GROUP N PREFIX LIKE
      N accounts PREFIX00001… (with LIKE's password hash, so they can log in with its
      password), each a member of GROUP and following it, as joining does
  kernel3-seed.py DB activities ACTOR N GROUP_PREFIX SECONDS AGO
      N `Update` activities by ACTOR spread round-robin over the groups whose handle starts
      with GROUP_PREFIX, evenly over SECONDS, the last one AGO seconds ago
  kernel3-seed.py DB seen ACCOUNT FRACTION
      ACCOUNT has read the oldest FRACTION (0–1) of the activities of their groups
  kernel3-seed.py DB forget GROUP_PREFIX
      deletes the activities of the groups whose handle starts with GROUP_PREFIX

SQLite: run it while the server is stopped (or it waits on the server's writer lock).
PostgreSQL: it runs psql; the server may keep running. Each change ends with ANALYZE, as
autovacuum would do shortly after a bulk write (without it the planner's statistics are those
of the empty tables, and the inbox queries pick far worse plans).
"""

import os
import sqlite3
import subprocess
import sys
import time


def uuid7(ms):
    b = bytearray(ms.to_bytes(6, "big") + os.urandom(10))
    b[6] = 0x70 | (b[6] & 0x0F)
    b[8] = 0x80 | (b[8] & 0x3F)
    return bytes(b)


def now_us():
    return time.time_ns() // 1000


# PostgreSQL: the same id built in SQL from a millisecond expression.
def pg_uuid7(ms_sql):
    return (
        f"encode(substring(int8send(({ms_sql})::bigint) from 3 for 6)"
        " || substring(uuid_send(gen_random_uuid()) from 7 for 10), 'hex')::uuid"
    )


def forget(db, group_prefix):
    sql = (f"DELETE FROM activities WHERE group_id IN"
           f" (SELECT id FROM groups WHERE handle LIKE '{group_prefix}%')")
    if db.startswith("postgres"):
        psql(db, sql)
        return
    con = sqlite3.connect(db, timeout=30)
    with con:
        con.execute(sql)


def psql(url, sql):
    out = subprocess.run(
        ["psql", url, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def counts(db):
    tables = ["activities", "activity_recipients", "notifications", "memberships"]
    if db.startswith("postgres"):
        sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in tables)
        rows = [line.split("|") for line in psql(db, sql).splitlines()]
    else:
        con = sqlite3.connect(db)
        rows = [(t, con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables]
    for t, n in rows:
        print(t, n)


def members(db, group, n, prefix, like):
    n = int(n)
    if db.startswith("postgres"):
        psql(db, f"""
            BEGIN;
            INSERT INTO accounts (id, handle, display_name, password_hash, public_key, secret_key,
                                  did, created_at, updated_at)
            SELECT {pg_uuid7("extract(epoch from clock_timestamp()) * 1000")},
                   '{prefix}' || lpad(i::text, 5, '0'), 'Member ' || i,
                   (SELECT password_hash FROM accounts WHERE handle = '{like}'),
                   uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()),
                   uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()),
                   'did:key:zbench' || i, {now_us()}, {now_us()}
            FROM generate_series(1, {n}) AS i;
            INSERT INTO memberships (group_id, account_id, role, joined_at)
            SELECT g.id, a.id, 'member', {now_us()}
            FROM accounts a, groups g WHERE g.handle = '{group}' AND a.handle LIKE '{prefix}%';
            INSERT INTO group_subscriptions (account_id, group_id, level, seen_up_to)
            SELECT a.id, g.id, 'all', {pg_uuid7("extract(epoch from clock_timestamp()) * 1000")}
            FROM accounts a, groups g WHERE g.handle = '{group}' AND a.handle LIKE '{prefix}%';
            COMMIT;""")
        return
    con = sqlite3.connect(db, timeout=30)
    (hash_,) = con.execute("SELECT password_hash FROM accounts WHERE handle = ?", (like,)).fetchone()
    (group_id,) = con.execute("SELECT id FROM groups WHERE handle = ?", (group,)).fetchone()
    t = now_us()
    accounts, joins, follows = [], [], []
    for i in range(1, n + 1):
        id_ = uuid7(t // 1000)
        accounts.append((id_, f"{prefix}{i:05d}", f"Member {i}", hash_, os.urandom(32),
                         os.urandom(32), f"did:key:zbench{i}", t, t))
        joins.append((group_id, id_, "member", t))
        follows.append((id_, group_id, "all", uuid7(t // 1000)))
    with con:
        con.executemany(
            "INSERT INTO accounts (id, handle, display_name, password_hash, public_key, secret_key,"
            " did, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", accounts)
        con.executemany(
            "INSERT INTO memberships (group_id, account_id, role, joined_at) VALUES (?, ?, ?, ?)",
            joins)
        con.executemany(
            "INSERT INTO group_subscriptions (account_id, group_id, level, seen_up_to)"
            " VALUES (?, ?, ?, ?)", follows)


def activities(db, actor, n, group_prefix, seconds, ago):
    n = int(n)
    step_us = int(float(seconds) * 1e6 / n)
    end = now_us() - int(float(ago) * 1e6)
    if db.startswith("postgres"):
        published = f"{end} - ({n} - i) * {step_us}::bigint"
        psql(db, f"""
            WITH g AS (SELECT id, name, row_number() OVER (ORDER BY handle) - 1 AS k,
                              count(*) OVER () AS groups
                       FROM groups WHERE handle LIKE '{group_prefix}%'),
                 me AS (SELECT id, handle FROM accounts WHERE handle = '{actor}')
            INSERT INTO activities (id, type, actor_id, object_type, object_id, object_name,
                                    group_id, audience, tool, summary, extra, published)
            SELECT {pg_uuid7(f"({published}) / 1000")}, 'Update', me.id, 'Group', g.id::text,
                   g.name, g.id, 'group', 'groups', me.handle || ' changed ' || g.name,
                   '{{"changed":["description"]}}', {published}
            FROM generate_series(1, {n}) AS i
            JOIN g ON g.k = i % g.groups CROSS JOIN me
            ORDER BY i;""")
        return
    con = sqlite3.connect(db, timeout=30)
    actor_id, handle = con.execute("SELECT id, handle FROM accounts WHERE handle = ?", (actor,)).fetchone()
    groups = con.execute("SELECT id, name FROM groups WHERE handle LIKE ? ORDER BY handle",
                         (group_prefix + "%",)).fetchall()
    (pos,) = con.execute("SELECT coalesce(max(pos), 0) FROM activities").fetchone()
    rows = []
    for i in range(1, n + 1):
        gid, name = groups[i % len(groups)]
        published = end - (n - i) * step_us
        group_text = "-".join([gid.hex()[:8], gid.hex()[8:12], gid.hex()[12:16],
                               gid.hex()[16:20], gid.hex()[20:]])
        rows.append((uuid7(published // 1000), pos + i, "Update", actor_id, "Group", group_text,
                     name, gid, "group", "groups", f"{handle} changed {name}",
                     '{"changed":["description"]}', published))
    with con:
        con.executemany(
            "INSERT INTO activities (id, pos, type, actor_id, object_type, object_id, object_name,"
            " group_id, audience, tool, summary, extra, published)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def seen(db, account, fraction):
    me = f"(SELECT id FROM accounts WHERE handle = '{account}')"
    theirs = f"FROM activities a JOIN memberships m ON m.group_id = a.group_id AND m.account_id = {me}"
    count = f"SELECT count(*) {theirs}"
    if db.startswith("postgres"):
        total = int(psql(db, count))
    else:
        con = sqlite3.connect(db, timeout=30)
        (total,) = con.execute(count).fetchone()
    # Everything up to the activity at `fraction` of them, in time order, is read.
    k = max(0, min(int(total * float(fraction)), total) - 1)
    sql = (f"UPDATE group_subscriptions SET seen_up_to = (SELECT a.id {theirs} ORDER BY a.id"
           f" LIMIT 1 OFFSET {k}) WHERE account_id = {me}")
    if db.startswith("postgres"):
        psql(db, sql)
        return
    with con:
        con.execute(sql)


if __name__ == "__main__":
    db, command, *rest = sys.argv[1:]
    commands = {"counts": counts, "members": members, "activities": activities, "seen": seen,
                "forget": forget}
    commands[command](db, *rest)
    if db.startswith("postgres") and command != "counts":
        psql(db, "ANALYZE")
