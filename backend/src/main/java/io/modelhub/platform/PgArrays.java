package io.modelhub.platform;

import java.util.List;

/** PostgreSQL text[] literals for native queries (cast(? as text[])), quoting each element. */
public final class PgArrays {
    private PgArrays() {
    }

    public static String text(List<String> values) {
        if (values == null || values.isEmpty()) {
            return "{}";
        }
        StringBuilder sb = new StringBuilder("{");
        for (String v : values) {
            sb.append(sb.length() > 1 ? "," : "").append('"').append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return sb.append('}').toString();
    }
}
