"""The catalog and session behaviour of the tools analysts browse with, through the
tools' own code where it runs headless: pgcli's completion metadata (PGExecute and
pgspecial), harlequin-postgres (catalog, describe, read-only mode), SQLAlchemy
reflection as Superset and pandas use it (psycopg2, Superset's driver), plus
information_schema type names, SET TIME ZONE, now()::text and savepoint recovery.

Usage: client_matrix.py URL SCHEMA
Prints one line per check and "ALL OK" when every check passed.
"""
import re
import sys
import traceback

url = sys.argv[1]
schema = sys.argv[2]
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + (f": {detail}" if not cond else ""))
    if not cond:
        failures.append(name)


def attempt(name, fn):
    """Run one group of checks; an exception fails the group with its traceback."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - report and go on with the next client
        traceback.print_exc()
        check(name, False, f"{type(e).__name__}: {e}")


import psycopg


def information_schema_types():
    with psycopg.connect(url, autocommit=True) as conn:
        rows = dict(
            conn.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = %s and table_name = 'aws_iam_role'",
                (schema,),
            ).fetchall()
        )
        check(
            "information_schema.columns.data_type text/jsonb/timestamptz",
            rows.get("name") == "text"
            and rows.get("assume_role_policy_std") == "jsonb"
            and rows.get("create_date") == "timestamp with time zone",
            rows,
        )
        rows = dict(
            conn.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = %s and table_name = 'aws_iam_user'",
                (schema,),
            ).fetchall()
        )
        check(
            "information_schema.columns.data_type boolean/bigint",
            rows.get("mfa_enabled") == "boolean"
            and all(not re.search(r"Utf8|Int64|Timestamp\(", v or "") for v in rows.values()),
            rows,
        )


def time_zone_and_now():
    with psycopg.connect(url, autocommit=True) as conn:
        now_text = conn.execute("select now()::text").fetchone()[0]
        check(
            "now()::text in PostgreSQL's format",
            re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?\+00", now_text) is not None,
            now_text,
        )
        conn.execute("set time zone 'Asia/Tokyo'")
        shown = conn.execute(
            "select '2024-01-01 00:00:00+00'::timestamptz::text"
        ).fetchone()[0]
        check("SET TIME ZONE changes timestamptz::text", shown == "2024-01-01 09:00:00+09", shown)
        value = conn.execute("select '2024-01-01 00:00:00+00'::timestamptz").fetchone()[0]
        check(
            "SET TIME ZONE changes timestamptz on the wire",
            value.utcoffset() is not None and value.utcoffset().total_seconds() == 9 * 3600 and value.hour == 9,
            repr(value),
        )
        conn.execute("set timezone to 'America/New_York'")
        shown = conn.execute("select '2024-01-01 00:00:00+00'::timestamptz::text").fetchone()[0]
        check("SET timezone TO changes timestamptz::text", shown == "2023-12-31 19:00:00-05", shown)
        check("SHOW timezone after SET timezone TO", conn.execute("show timezone").fetchone()[0] == "America/New_York")
        try:
            conn.execute("set timezone to 'Nowhere/City'")
            check("SET timezone to an unknown zone is refused", False, "accepted")
        except psycopg.errors.InvalidParameterValue:
            check("SET timezone to an unknown zone is refused (22023)", True)
        conn.execute("set time zone 'UTC'")
        value = conn.execute("select '2024-01-01 00:00:00+00'::timestamptz").fetchone()[0]
        check("SET TIME ZONE back to UTC", value.hour == 0 and value.utcoffset().total_seconds() == 0, repr(value))


def savepoints():
    with psycopg.connect(url) as conn:
        conn.execute("select 1")
        try:
            with conn.transaction():
                conn.execute("select * from no_such_table_anywhere")
        except psycopg.errors.UndefinedTable:
            pass
        value = conn.execute("select 40 + 2").fetchone()[0]
        check("psycopg nested transaction (ROLLBACK TO SAVEPOINT) recovers", value == 42, value)
        conn.rollback()


def pgcli():
    from pgcli.pgexecute import PGExecute
    from pgspecial.main import PGSpecial

    ex = PGExecute(dsn=url)
    special = PGSpecial()
    check("pgcli search_path", schema in ex.search_path() or "public" in ex.search_path(), ex.search_path())
    schemata = list(ex.schemata())
    check("pgcli schemata", schema in schemata, schemata)
    tables = set(ex.tables())
    check("pgcli tables", (schema, "aws_iam_role") in tables, sorted(tables)[:5])
    cols = {(s, t, c): ty for s, t, c, ty, *_ in ex.table_columns() if t == "aws_iam_role" and s == schema}
    check(
        "pgcli table_columns types (::regtype::text)",
        cols.get((schema, "aws_iam_role", "name")) == "text"
        and cols.get((schema, "aws_iam_role", "assume_role_policy_std")) == "jsonb",
        dict(list(cols.items())[:6]),
    )
    fns = list(ex.functions())
    lower = [f for f in fns if f.func_name == "lower"]
    check(
        "pgcli functions (proargtypes::regtype[])",
        # PostgreSQL has several overloads of lower (text, ranges); one returns text.
        len(fns) > 10 and any(f.return_type == "text" for f in lower),
        (len(fns), lower[:1]),
    )
    types = list(ex.datatypes())
    check("pgcli datatypes", isinstance(types, list), types[:3])
    fks = list(ex.foreignkeys())
    check("pgcli foreignkeys", fks == [], fks[:3])
    # Meta-commands through pgspecial, as typed at the prompt.
    out = list(ex.run("\\dt " + schema + ".*", pgspecial=special))
    rows = list(out[0][1]) if out and out[0][1] is not None else []
    names = {r[1] for r in rows}
    check("pgcli \\dt", "aws_iam_role" in names, sorted(names)[:5])
    out = list(ex.run("\\d " + schema + ".aws_iam_role", pgspecial=special))
    rows = list(out[0][1]) if out and out[0][1] is not None else []
    described = {r[0]: r[1] for r in rows}
    check("pgcli \\d table", described.get("name") == "text" and described.get("tags") == "jsonb", described)
    out = list(ex.run("\\df lower", pgspecial=special))
    rows = list(out[0][1]) if out and out[0][1] is not None else []
    check("pgcli \\df", any(r[1] == "lower" for r in rows), rows[:3])


def harlequin():
    from harlequin_postgres.adapter import HarlequinPostgresAdapter
    from harlequin_postgres import interactions

    conn = HarlequinPostgresAdapter(conn_str=(url,), read_only=True).connect()
    check("harlequin read-only connection", conn.read_only)
    catalog = conn.get_catalog()
    # One item per database of the server; ours is the one in the URL.
    dbname = url.rsplit("/", 1)[-1].split("?")[0]
    db = next((i for i in catalog.items if i.label == dbname), catalog.items[0])
    schemas = {s.label: s for s in db.fetch_children()} if hasattr(db, "fetch_children") else {}
    check("harlequin catalog schemas", schema in schemas, sorted(schemas)[:5])
    rels = {r.label: r for r in schemas[schema].fetch_children()}
    check("harlequin catalog relations", "aws_iam_role" in rels, sorted(rels)[:5])
    role = rels["aws_iam_role"]
    cols = {c.label: c for c in role.fetch_children()}
    check("harlequin catalog columns", "name" in cols and "tags" in cols, sorted(cols)[:5])
    cur = conn.execute(f'select * from "{schema}"."aws_iam_role" limit 5')
    types = dict(cur.columns())
    preview = cur.fetchall()
    check("harlequin preview", len(preview) == 5 and types.get("name") == "s", (len(preview), types))

    class Driver:
        text = None

        def insert_text_in_new_buffer(self, text):
            Driver.text = text

        def notify(self, *a, **k):
            pass

    interactions.show_describe_relation(role, Driver())
    cur = conn.execute(Driver.text)
    header = [c for c, _ in cur.columns()]
    rows = [dict(zip(header, r)) for r in cur.fetchall()]
    descriptions = {r["Column"]: r["Description"] for r in rows}
    types = {r["Column"]: r["Type"] for r in rows}
    check(
        "harlequin describe (col_description)",
        descriptions.get("name") == "Role name." and types.get("tags") == "jsonb",
        (descriptions.get("name"), types.get("tags")),
    )
    try:
        conn.execute("create table harlequin_probe (a int)").fetchall()
        check("harlequin read-only refuses DDL", False, "accepted")
    except Exception as e:  # noqa: BLE001
        check("harlequin read-only refuses DDL", "denied" in str(e) or "read-only" in str(e), e)
    conn.close()


def superset_and_pandas():
    import pandas as pd
    import sqlalchemy as sa

    # Superset's PostgreSQL engine: SQLAlchemy over psycopg2.
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://"))
    with engine.connect() as c:
        check("superset connection test", c.execute(sa.text("select 1")).scalar() == 1)
    insp = sa.inspect(engine)
    check("superset schemas", schema in insp.get_schema_names())
    check("superset tables", "aws_iam_role" in insp.get_table_names(schema=schema))
    # Table metadata: Superset reflects the table (options with pg_class.reloptions,
    # columns, keys, indexes, comments).
    table = sa.Table("aws_iam_role", sa.MetaData(), schema=schema, autoload_with=engine)
    check("superset table reflection columns", "assume_role_policy_std" in table.c and len(table.c) > 10, list(table.c.keys())[:5])
    check("superset table options (reloptions)", isinstance(insp.get_table_options("aws_iam_role", schema=schema), dict))
    check("superset pk constraint", insp.get_pk_constraint("aws_iam_role", schema=schema)["constrained_columns"] == [])
    check("superset foreign keys", insp.get_foreign_keys("aws_iam_role", schema=schema) == [])
    check("superset indexes", insp.get_indexes("aws_iam_role", schema=schema) == [])
    comment = insp.get_table_comment("aws_iam_role", schema=schema)
    check("superset table comment", bool(comment.get("text")), comment)
    with engine.connect() as c:
        total = c.execute(sa.text(f"select count(*) from {schema}.aws_iam_role")).scalar()
        # SQL Lab wraps the user's query with its row limit.
        lab = c.execute(
            sa.text(f"SELECT name, arn FROM (select * from {schema}.aws_iam_role) AS inner_qry LIMIT 1001")
        ).fetchall()
        check("superset SQL Lab limit query", len(lab) == min(total, 1001), (len(lab), total))
        chart = c.execute(
            sa.text(
                f"SELECT DATE_TRUNC('month', create_date) AS __timestamp, COUNT(*) AS count "
                f"FROM {schema}.aws_iam_role GROUP BY DATE_TRUNC('month', create_date) "
                "ORDER BY count DESC LIMIT 10000"
            )
        ).fetchall()
        check(
            "superset DATE_TRUNC chart query",
            sum(r.count for r in chart) == total and all(r.__timestamp.day == 1 for r in chart),
            chart[:3],
        )
    # pandas.read_sql_table reflects the table (pg_get_indexdef, reloptions) then reads it.
    df = pd.read_sql_table("aws_iam_role", engine, schema=schema)
    check("pandas read_sql_table", len(df) == total and "arn" in df.columns, df.shape)


for name, fn in [
    ("information_schema", information_schema_types),
    ("time zone", time_zone_and_now),
    ("savepoints", savepoints),
    ("pgcli", pgcli),
    ("harlequin", harlequin),
    ("superset/pandas", superset_and_pandas),
]:
    attempt(name, fn)

if failures:
    print("FAILED:", failures)
    sys.exit(1)
print("ALL OK")
