"""pathwarden over pgwire vs. the same rows in PostgreSQL as jsonb tables.

Usage: bench/run_pgwire.sh (builds the release binary, then runs this with the venv).
Starts `pathwarden serve --demo-scale N`, measures time to the first answered query,
copies the demo rows into a local PostgreSQL database (schema pw_bench, jsonb for JSON
columns), runs five representative queries R times on both, and prints p50/p95 and the
ratio, plus the daemon's peak RSS.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

import psycopg
from psycopg.types.json import Jsonb

QUERIES = {
    "full scan": "select * from aws_iam_user",
    "key lookup": "select name, arn, create_date from aws_iam_role where name = %(role)s",
    "json check (CIS 1.16 style)": (
        "select p.arn from aws_iam_policy p, jsonb_array_elements(p.policy_std -> 'Statement') as s "
        "where s ->> 'Effect' = 'Allow' and s -> 'Action' ? '*' and s -> 'Resource' ? '*'"
    ),
    "join users/groups/policies": (
        "select gp.gname, count(distinct p.arn) as policies, count(distinct u.arn) as users "
        "from (select gr.name as gname, gr.account_id, pa as pa from aws_iam_group gr, "
        "jsonb_array_elements_text(gr.attached_policy_arns) as pa) gp "
        "join aws_iam_policy p on p.arn = gp.pa join aws_iam_user u on u.account_id = gp.account_id "
        "group by gp.gname order by gp.gname limit 20"
    ),
    "aggregate": "select account_id, count(*), max(create_date) from aws_iam_role group by account_id order by account_id",
}

TABLES = ["aws_iam_user", "aws_iam_role", "aws_iam_group", "aws_iam_policy"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def pct(xs, p):
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1)))))
    return xs[k]


def timed(conn, sql, params, reps):
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        cur = conn.execute(sql, params)
        cur.fetchall()
        out.append((time.perf_counter() - t) * 1000.0)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--scale", type=int, default=10000)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--pg", default="host=127.0.0.1 port=5432 dbname=test user=postgres")
    args = ap.parse_args()

    port, hport = free_port(), free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [args.binary, "serve", "--demo-scale", str(args.scale), "--listen", f"127.0.0.1:{port}", "--http-listen", f"127.0.0.1:{hport}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )
    dsn = f"host=127.0.0.1 port={port} user=bench dbname=pathwarden"
    first = None
    deadline = time.time() + 120
    while first is None:
        try:
            with psycopg.connect(dsn, autocommit=True, connect_timeout=2) as c:
                c.execute("select count(*) from aws_iam_user").fetchone()
                first = time.perf_counter() - t0
        except Exception:
            if time.time() > deadline or proc.poll() is not None:
                print("pathwarden did not answer", file=sys.stderr)
                proc.kill()
                sys.exit(1)
            time.sleep(0.01)

    try:
        pw = psycopg.connect(dsn, autocommit=True)
        pg = psycopg.connect(args.pg, autocommit=True)
        pg.execute("drop schema if exists pw_bench cascade")
        pg.execute("create schema pw_bench")
        for t in TABLES:
            cur = pw.execute(f"select * from {t}")
            cols = [d.name for d in cur.description]
            types = {}
            for d in cur.description:
                oid = d.type_code
                types[d.name] = {16: "boolean", 20: "bigint", 701: "double precision", 1184: "timestamptz", 3802: "jsonb", 114: "jsonb"}.get(oid, "text")
            rows = cur.fetchall()
            # JSON columns arrive as jsonb (decoded by psycopg) or, from older servers, as
            # text; store them as jsonb in PostgreSQL.
            jsonish = {c for c in cols if types[c] == "jsonb"}
            if jsonish:
                idx = [i for i, c in enumerate(cols) if c in jsonish]
                rows = [
                    tuple(Jsonb(v) if i in idx and v is not None else v for i, v in enumerate(r))
                    for r in rows
                ]
            for i, c in enumerate(cols):
                if types[c] == "text":
                    sample = next((r[i] for r in rows if r[i] is not None), None)
                    if isinstance(sample, str) and sample[:1] in "[{":
                        try:
                            json.loads(sample)
                            jsonish.add(c)
                        except ValueError:
                            pass
            coldefs = ", ".join(f'"{c}" {"jsonb" if c in jsonish else types[c]}' for c in cols)
            pg.execute(f"create table pw_bench.{t} ({coldefs})")
            with pg.cursor() as cur2:
                with cur2.copy(f"copy pw_bench.{t} ({', '.join(chr(34)+c+chr(34) for c in cols)}) from stdin") as cp:
                    for r in rows:
                        cp.write_row(r)
            if "name" in cols:
                pg.execute(f"create index on pw_bench.{t} (name)")
            pg.execute(f"analyze pw_bench.{t}")
        pg.execute("set search_path = pw_bench")
        role = pw.execute("select name from aws_iam_role order by name limit 1 offset 7").fetchone()[0]
        params = {"role": role}

        print(f"machine: {os.cpu_count()} cores; demo scale {args.scale}; {args.reps} runs per query after 3 warm-up runs")
        print(f"start to first answered query: {first*1000:.0f} ms")
        print()
        print(f"| query | rows | pathwarden p50 ms | p95 ms | PostgreSQL 15 p50 ms | p95 ms | ratio p50 |")
        print(f"|---|---|---|---|---|---|---|")
        for name, sql in QUERIES.items():
            for conn in (pw, pg):
                timed(conn, sql, params, 3)
            a = timed(pw, sql, params, args.reps)
            b = timed(pg, sql, params, args.reps)
            nrows = len(pw.execute(sql, params).fetchall())
            nrows_pg = len(pg.execute(sql, params).fetchall())
            mark = "" if nrows == nrows_pg else f" (PostgreSQL: {nrows_pg} rows!)"
            print(f"| {name} | {nrows}{mark} | {pct(a,50):.2f} | {pct(a,95):.2f} | {pct(b,50):.2f} | {pct(b,95):.2f} | {pct(a,50)/max(pct(b,50),1e-9):.2f} |")
        print()
        print(f"pathwarden peak RSS: {peak_rss_kib(proc.pid)/1024:.0f} MiB")
        pg.execute("drop schema if exists pw_bench cascade")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
