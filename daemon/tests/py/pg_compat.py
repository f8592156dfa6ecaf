"""PostgreSQL compatibility through real Python drivers: jsonb decoding, search_path,
transaction recovery and COPY TO STDOUT (psycopg, SQLAlchemy, pandas, asyncpg).

Usage: pg_compat.py URL SECOND_SCHEMA
"""
import asyncio
import json
import sys

url = sys.argv[1]
schema = sys.argv[2]
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + (f": {detail}" if not cond else ""))
    if not cond:
        failures.append(name)


import psycopg
from psycopg import errors

JSON_Q = "select assume_role_policy_std from demo.aws_iam_role order by name limit 1"

with psycopg.connect(url, autocommit=True) as conn:
    doc = conn.execute(JSON_Q).fetchone()[0]
    check("psycopg jsonb (text) is a document", isinstance(doc, dict) and "Statement" in doc, repr(doc)[:200])
    with conn.cursor(binary=True) as cur:
        doc_b = cur.execute(JSON_Q).fetchone()[0]
    check("psycopg jsonb (binary) is a document", doc_b == doc, repr(doc_b)[:200])
    desc = conn.execute(JSON_Q).description[0]
    check("psycopg jsonb type oid", desc.type_code == 3802, desc)

    # search_path set by SQL, per session.
    check("psycopg default search_path", conn.execute("show search_path").fetchone()[0] == "public")
    conn.execute(f"set search_path to {schema}")
    n_path = conn.execute("select count(*) from aws_iam_user").fetchone()[0]
    n_qual = conn.execute(f"select count(*) from {schema}.aws_iam_user").fetchone()[0]
    check("psycopg set search_path resolves names", n_path == n_qual, (n_path, n_qual))
    check("psycopg current_schema()", conn.execute("select current_schema()").fetchone()[0] == schema)

    # COPY TO STDOUT, text and CSV.
    names = [r[0] for r in conn.execute(f"select name from {schema}.aws_iam_user order by name")]
    with conn.cursor() as cur:
        with cur.copy(f"COPY (select name from {schema}.aws_iam_user order by name) TO STDOUT") as copy:
            copied = [row[0] for row in copy.rows()]
    check("psycopg COPY TO STDOUT rows", copied == names and len(names) > 0, (copied[:3], names[:3]))
    with conn.cursor() as cur:
        buf = b""
        with cur.copy(
            f"COPY (select name, arn from {schema}.aws_iam_user order by name limit 3) TO STDOUT WITH (FORMAT csv, HEADER)"
        ) as copy:
            for chunk in copy:
                buf += bytes(chunk)
        lines = buf.decode().splitlines()
    check("psycopg COPY csv header", lines[0] == "name,arn" and len(lines) == 4, lines)
    try:
        conn.execute("COPY (select 1) TO '/tmp/pathwarden-copy-test'")
        check("COPY to a file refused", False, "accepted")
    except errors.InsufficientPrivilege:
        check("COPY to a file refused", True)

with psycopg.connect(url, options=f"-c search_path={schema}") as conn:
    check("psycopg connect-time search_path",
          conn.execute("show search_path").fetchone()[0] == schema)

# A failed statement aborts the transaction until ROLLBACK.
with psycopg.connect(url) as conn:
    try:
        conn.execute("select * from no_such_table_anywhere")
    except errors.UndefinedTable:
        pass
    try:
        conn.execute("select 1")
        check("psycopg failed transaction blocks statements", False, "statement ran")
    except errors.InFailedSqlTransaction:
        check("psycopg failed transaction blocks statements", True)
    check("psycopg transaction status INERROR", conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR,
          conn.info.transaction_status)
    conn.rollback()
    check("psycopg works after rollback", conn.execute("select 1").fetchone()[0] == 1)

import sqlalchemy as sa
import pandas as pd

engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
with engine.connect() as c:
    df = pd.read_sql(JSON_Q, c)
check("pandas jsonb column holds documents", isinstance(df.iloc[0, 0], dict), type(df.iloc[0, 0]))

import asyncpg


async def apg():
    conn = await asyncpg.connect(url, server_settings={"search_path": schema})
    try:
        stmt = await conn.prepare(JSON_Q)
        typ = stmt.get_attributes()[0].type
        check("asyncpg jsonb type", typ.name == "jsonb", typ)
        # asyncpg reads jsonb in binary (version byte, then text) and returns the text.
        val = await stmt.fetchval()
        check("asyncpg jsonb value", isinstance(json.loads(val), dict), val[:200])
        got = await conn.fetchval("select current_schema()")
        check("asyncpg server_settings search_path", got == schema, got)
        out = []

        class Sink:
            async def write(self, data):
                out.append(bytes(data))

        await conn.copy_from_query(
            f"select name from {schema}.aws_iam_user order by name", output=Sink().write, format="csv")
        lines = b"".join(out).decode().splitlines()
        want = [r["name"] for r in await conn.fetch(f"select name from {schema}.aws_iam_user order by name")]
        check("asyncpg copy_from_query", lines == want, (lines[:3], want[:3]))
    finally:
        await conn.close()


asyncio.run(apg())

if failures:
    print("FAILED:", failures)
    sys.exit(1)
print("ALL OK")
