// pgjdbc (the driver under DBeaver, Metabase, Tableau) against a running server:
// currentSchema, jsonb values, transaction recovery (ROLLBACK and savepoints), COPY through
// CopyManager, the DatabaseMetaData calls DBeaver and Metabase make while browsing,
// fetch-size paging and setMaxRows.
// Usage: java -cp postgresql.jar:. JdbcCompat PORT SCHEMA [DATABASE?user=USER]
import java.io.StringWriter;
import java.sql.*;
import java.util.*;
import org.postgresql.PGConnection;
import org.postgresql.util.PGobject;

public class JdbcCompat {
    static List<String> failures = new ArrayList<>();

    static void check(String name, boolean ok, Object detail) {
        System.out.println((ok ? "ok   " : "FAIL ") + name + (ok ? "" : ": " + detail));
        if (!ok) failures.add(name);
    }

    public static void main(String[] args) throws Exception {
        String port = args[0];
        String schema = args[1];
        // The same checks run against PostgreSQL 15 holding the demo's rows: a third
        // argument gives its database and user (e.g. "test?user=postgres").
        String database = args.length > 2 ? args[2] : "pathwarden?user=analyst";
        String base = "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
        String jsonQ = "select assume_role_policy_std from " + schema + ".aws_iam_role order by name limit 1";

        try (Connection c = DriverManager.getConnection(base + "&currentSchema=" + schema)) {
            check("jdbc currentSchema -> getSchema()", schema.equals(c.getSchema()), c.getSchema());
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select current_schema()")) {
                rs.next();
                check("jdbc current_schema()", schema.equals(rs.getString(1)), rs.getString(1));
            }
            long viaPath, qualified;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from aws_iam_user")) {
                rs.next();
                viaPath = rs.getLong(1);
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select count(*) from " + schema + ".aws_iam_user")) {
                rs.next();
                qualified = rs.getLong(1);
            }
            check("jdbc unqualified names resolve through currentSchema", viaPath == qualified, viaPath + " vs " + qualified);

            try (PreparedStatement p = c.prepareStatement(jsonQ); ResultSet rs = p.executeQuery()) {
                rs.next();
                String typeName = rs.getMetaData().getColumnTypeName(1);
                check("jdbc jsonb column type", "jsonb".equals(typeName), typeName);
                Object o = rs.getObject(1);
                check("jdbc jsonb value is a PGobject of type jsonb",
                        o instanceof PGobject && "jsonb".equals(((PGobject) o).getType())
                                && ((PGobject) o).getValue().startsWith("{"), o == null ? "null" : o.getClass() + " " + o);
            }

            // COPY through the driver's CopyManager.
            StringWriter w = new StringWriter();
            long n = c.unwrap(PGConnection.class).getCopyAPI().copyOut(
                    "COPY (select name from " + schema + ".aws_iam_user order by name) TO STDOUT", w);
            check("jdbc CopyManager.copyOut", n == qualified && w.toString().split("\n").length == qualified,
                    n + " rows, " + w.toString().length() + " chars");
        }

        // Autocommit off: a failed statement aborts the transaction until rollback.
        try (Connection c = DriverManager.getConnection(base)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.executeQuery("select * from no_such_table_anywhere");
                check("jdbc bad statement fails", false, "ran");
            } catch (SQLException e) {
                check("jdbc bad statement fails with 42P01", "42P01".equals(e.getSQLState()), e.getSQLState() + " " + e.getMessage());
            }
            try (Statement s = c.createStatement()) {
                s.executeQuery("select 1");
                check("jdbc aborted transaction refuses statements", false, "ran");
            } catch (SQLException e) {
                check("jdbc aborted transaction refuses statements (25P02)", "25P02".equals(e.getSQLState()), e.getSQLState() + " " + e.getMessage());
            }
            c.rollback();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select 41 + 1")) {
                rs.next();
                check("jdbc works after rollback", rs.getInt(1) == 42, rs.getInt(1));
            }
            c.commit();
        }

        // DatabaseMetaData, as DBeaver and Metabase call it on connect and while browsing.
        try (Connection c = DriverManager.getConnection(base)) {
            DatabaseMetaData md = c.getMetaData();
            Set<String> tables = new HashSet<>();
            try (ResultSet rs = md.getTables(null, schema, "aws_iam_%", new String[] {"TABLE"})) {
                while (rs.next()) {
                    tables.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME") + ":" + rs.getString("TABLE_TYPE"));
                }
            }
            check("jdbc getTables", tables.contains(schema + ".aws_iam_role:TABLE") && tables.contains(schema + ".aws_iam_user:TABLE"), tables);

            Map<String, String> cols = new LinkedHashMap<>();
            Map<String, Integer> sqlTypes = new HashMap<>();
            int firstPosition = -1;
            try (ResultSet rs = md.getColumns(null, schema, "aws_iam_role", "%")) {
                while (rs.next()) {
                    if (firstPosition < 0) firstPosition = rs.getInt("ORDINAL_POSITION");
                    cols.put(rs.getString("COLUMN_NAME"), rs.getString("TYPE_NAME"));
                    sqlTypes.put(rs.getString("COLUMN_NAME"), rs.getInt("DATA_TYPE"));
                }
            }
            check("jdbc getColumns names and types",
                    "text".equals(cols.get("name")) && "jsonb".equals(cols.get("assume_role_policy_std"))
                            && "timestamptz".equals(cols.get("create_date")) && firstPosition == 1,
                    cols);
            check("jdbc getColumns java.sql.Types", Integer.valueOf(Types.VARCHAR).equals(sqlTypes.get("name"))
                    && Integer.valueOf(Types.TIMESTAMP).equals(sqlTypes.get("create_date")), sqlTypes);

            Set<String> typeNames = new HashSet<>();
            try (ResultSet rs = md.getTypeInfo()) {
                while (rs.next()) typeNames.add(rs.getString("TYPE_NAME"));
            }
            check("jdbc getTypeInfo", typeNames.containsAll(List.of("int8", "text", "bool", "jsonb", "timestamptz")), typeNames.size() + " types");

            int pks = 0;
            try (ResultSet rs = md.getPrimaryKeys(null, schema, "aws_iam_role")) {
                while (rs.next()) pks++;
                check("jdbc getPrimaryKeys runs (no keys declared)", pks == 0, pks);
            } catch (SQLException e) {
                check("jdbc getPrimaryKeys runs", false, e.getSQLState() + " " + e.getMessage());
            }
            try (ResultSet rs = md.getIndexInfo(null, schema, "aws_iam_role", false, true)) {
                int n = 0;
                while (rs.next()) n++;
                check("jdbc getIndexInfo runs (no indexes)", n == 0, n);
            } catch (SQLException e) {
                check("jdbc getIndexInfo runs", false, e.getSQLState() + " " + e.getMessage());
            }
            try (ResultSet rs = md.getImportedKeys(null, schema, "aws_iam_role")) {
                int n = 0;
                while (rs.next()) n++;
                check("jdbc getImportedKeys runs (no foreign keys)", n == 0, n);
            } catch (SQLException e) {
                check("jdbc getImportedKeys runs", false, e.getSQLState() + " " + e.getMessage());
            }
            try (ResultSet rs = md.getExportedKeys(null, schema, "aws_iam_role")) {
                int n = 0;
                while (rs.next()) n++;
                check("jdbc getExportedKeys runs (no foreign keys)", n == 0, n);
            } catch (SQLException e) {
                check("jdbc getExportedKeys runs", false, e.getSQLState() + " " + e.getMessage());
            }
            try (ResultSet rs = md.getFunctions(null, "pg_catalog", "lower")) {
                Set<String> fns = new HashSet<>();
                while (rs.next()) fns.add(rs.getString("FUNCTION_SCHEM") + "." + rs.getString("FUNCTION_NAME"));
                check("jdbc getFunctions finds pg_catalog.lower", fns.contains("pg_catalog.lower"), fns);
            } catch (SQLException e) {
                check("jdbc getFunctions runs", false, e.getSQLState() + " " + e.getMessage());
            }
            try (ResultSet rs = md.getSchemas()) {
                Set<String> schemas = new HashSet<>();
                while (rs.next()) schemas.add(rs.getString("TABLE_SCHEM"));
                check("jdbc getSchemas", schemas.contains(schema) && schemas.contains("pg_catalog"), schemas);
            }
        }

        // Paging: fetch size with autocommit off (a portal read in parts), setMaxRows.
        try (Connection c = DriverManager.getConnection(base)) {
            c.setAutoCommit(false);
            long total;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from " + schema + ".aws_iam_user")) {
                rs.next();
                total = rs.getLong(1);
            }
            try (PreparedStatement p = c.prepareStatement("select name from " + schema + ".aws_iam_user where name <> ? order by name")) {
                p.setFetchSize(7);
                p.setString(1, "");
                int n = 0;
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) n++;
                }
                check("jdbc fetch-size paging reads every row", n == total && total > 7, n + " of " + total);
                p.setMaxRows(5);
                n = 0;
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) n++;
                }
                check("jdbc setMaxRows", n == 5, n);
            }
            c.commit();
        }

        // Savepoints: ROLLBACK TO SAVEPOINT leaves the aborted state (pgjdbc autosave).
        try (Connection c = DriverManager.getConnection(base)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select 1")) {
                rs.next();
            }
            Savepoint sp = c.setSavepoint("before_bad");
            try (Statement s = c.createStatement()) {
                s.executeQuery("select * from no_such_table_anywhere");
            } catch (SQLException e) {
                check("jdbc failing statement after savepoint (42P01)", "42P01".equals(e.getSQLState()), e.getSQLState());
            }
            c.rollback(sp);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select 6 * 7")) {
                rs.next();
                check("jdbc works after rollback to savepoint", rs.getInt(1) == 42, rs.getInt(1));
            } catch (SQLException e) {
                check("jdbc works after rollback to savepoint", false, e.getSQLState() + " " + e.getMessage());
            }
            c.commit();
        }
        try (Connection c = DriverManager.getConnection(base + "&autosave=always")) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.executeQuery("select * from no_such_table_anywhere");
            } catch (SQLException e) {
                // expected
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select 43 - 1")) {
                rs.next();
                check("jdbc autosave=always recovers", rs.getInt(1) == 42, rs.getInt(1));
            } catch (SQLException e) {
                check("jdbc autosave=always recovers", false, e.getSQLState() + " " + e.getMessage());
            }
            c.commit();
        }

        if (!failures.isEmpty()) {
            System.out.println("FAILED: " + failures);
            System.exit(1);
        }
        System.out.println("ALL OK");
    }
}
