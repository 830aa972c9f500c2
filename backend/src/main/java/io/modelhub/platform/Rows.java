package io.modelhub.platform;

import jakarta.persistence.Tuple;

/**
 * Nullable numbers of native query rows read by column name ({@code createNativeQuery(sql, Tuple.class)}): the
 * driver's type follows the column's SQL type (int4, int8, numeric, float8), the record's component does not.
 */
public final class Rows {
    private Rows() {
    }

    public static Long longOrNull(Tuple row, String column) {
        Number n = row.get(column, Number.class);
        return n == null ? null : n.longValue();
    }

    public static Double doubleOrNull(Tuple row, String column) {
        Number n = row.get(column, Number.class);
        return n == null ? null : n.doubleValue();
    }
}
