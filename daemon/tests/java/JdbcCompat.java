// pgjdbc (the driver under DBeaver, Metabase, Tableau) against a running server:
// currentSchema, jsonb values, transaction recovery, COPY through CopyManager.
// Usage: java -cp postgresql.jar:. JdbcCompat PORT SCHEMA
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
        String base = "jdbc:postgresql://127.0.0.1:" + port + "/pathwarden?user=analyst";
        String jsonQ = "select assume_role_policy_std from demo.aws_iam_role order by name limit 1";

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

        if (!failures.isEmpty()) {
            System.out.println("FAILED: " + failures);
            System.exit(1);
        }
        System.out.println("ALL OK");
    }
}
