"""psycopg, SQLAlchemy, pandas and asyncpg against a running pathwarden."""
import asyncio
import sys

url = sys.argv[1]
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + (f": {detail}" if detail and not cond else ""))
    if not cond:
        failures.append(name)


import psycopg

with psycopg.connect(url, autocommit=True) as conn:
    cur = conn.execute("select name from aws_iam_user order by name limit 1")
    name = cur.fetchone()[0]
    cur = conn.execute("select arn from aws_iam_user where name = %s", (name,))
    rows = cur.fetchall()
    check("psycopg %s parameter", len(rows) == 1 and name in rows[0][0], rows)
    cur = conn.execute("select count(*) from aws_iam_role")
    check("psycopg column naming", cur.description[0].name == "count", cur.description)

with psycopg.connect(url) as conn:
    with conn.cursor(name="server_side") as cur:
        cur.itersize = 7
        cur.execute("select name from aws_iam_user order by name")
        got = [r[0] for r in cur]
    plain = [r[0] for r in conn.execute("select name from aws_iam_user order by name").fetchall()]
    check("psycopg named cursor", got == plain and len(got) > 7, (len(got), len(plain)))

import sqlalchemy as sa

engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
with engine.connect() as c:
    v = c.execute(sa.text("select version()")).scalar()
    check("sqlalchemy version()", v.startswith("PostgreSQL 16"), v)
    n = c.execute(sa.text("select count(*) from aws_iam_user where name like :p"), {"p": "%"}).scalar()
    check("sqlalchemy bound parameter", n > 0, n)
insp = sa.inspect(engine)
schemas = insp.get_schema_names()
check("sqlalchemy schemas", "demo" in schemas and "pathwarden" in schemas, schemas)
tables = insp.get_table_names(schema="demo")
check("sqlalchemy tables", "aws_iam_role" in tables and "aws_s3_bucket" in tables, tables)
cols = {c["name"]: c for c in insp.get_columns("aws_iam_role", schema="demo")}
check("sqlalchemy get_columns", "arn" in cols and "assume_role_policy_std" in cols and "create_date" in cols, list(cols))
check("sqlalchemy column types",
      isinstance(cols["arn"]["type"], sa.Text) and isinstance(cols["create_date"]["type"], sa.TIMESTAMP)
      and type(cols["assume_role_policy_std"]["type"]).__name__ == "JSONB"
      and isinstance(cols["max_session_duration"]["type"], sa.BigInteger),
      {k: repr(v["type"]) for k, v in cols.items()})
pk = insp.get_pk_constraint("aws_iam_role", schema="demo")
check("sqlalchemy get_pk_constraint", pk.get("constrained_columns") == [], pk)
# Also through information_schema, which most BI tools use.
with engine.connect() as c:
    info = [r[0] for r in c.execute(sa.text(
        "select column_name from information_schema.columns where table_schema = 'demo' and table_name = 'aws_iam_role'"))]
check("information_schema columns", info == list(cols), (info, list(cols)))
# A correlated scalar subquery in the select list is computed, not replaced by NULL,
# and its bound parameter lines up with the client's.
with engine.connect() as c:
    row = c.execute(sa.text(
        "select r.name, (select count(*) from aws_iam_user u where u.account_id = r.account_id and u.name like :p) as users "
        "from aws_iam_role r order by r.name limit 1"), {"p": "%"}).one()
    users = c.execute(sa.text("select count(*) from aws_iam_user u, aws_iam_role r where r.name = :n and u.account_id = r.account_id"),
                      {"n": row[0]}).scalar()
check("correlated select-list subquery", row[1] == users and users > 0, (row, users))

import pandas as pd

with engine.connect() as c:
    df = pd.read_sql("select name, arn, create_date from aws_iam_role order by name", c)
check("pandas read_sql", len(df) > 0 and list(df.columns) == ["name", "arn", "create_date"], list(df.columns))
check("pandas timestamps", str(df["create_date"].dtype).startswith("datetime64"), str(df.dtypes.to_dict()))

import asyncpg


async def apg():
    conn = await asyncpg.connect(url)
    try:
        stmt = await conn.prepare("select arn from aws_iam_group where arn = $1")
        first = await conn.fetchval("select arn from aws_iam_group order by arn limit 1")
        rows = await stmt.fetch(first)
        check("asyncpg prepared statement", len(rows) == 1 and rows[0]["arn"] == first, rows)
    finally:
        await conn.close()


asyncio.run(apg())

if failures:
    print("FAILED:", failures)
    sys.exit(1)
print("ALL OK")
