package io.modelhub.contract;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A job's parameters checked against its recipe's schema: every name known, every value valid
 * ({@link ParamSpec#check}), defaults filled in. The hub runs this before queuing a job; the runner runs it again
 * before a recipe reads a value, so a recipe started from a test or a script fails the same way.
 */
public final class JobParameters {
    private JobParameters() {
    }

    /** The normalised values in schema order; a parameter without value or default is absent (null). */
    public static Map<String, Object> validate(String recipeId, List<ParamSpec> schema, Map<String, Object> given) {
        Map<String, ParamSpec> byName = new LinkedHashMap<>();
        schema.forEach(p -> byName.put(p.name(), p));
        Map<String, Object> in = given == null ? Map.of() : given;
        for (String name : in.keySet()) {
            if (!byName.containsKey(name)) {
                throw new InvalidParameterException(name, "Unknown parameter '" + name + "' for recipe '" + recipeId
                        + "' (known: " + String.join(", ", new TreeSet<>(byName.keySet())) + ")");
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (ParamSpec p : schema) {
            Object value = in.containsKey(p.name()) ? in.get(p.name()) : p.defaultValue();
            out.put(p.name(), value == null ? null : p.check(value));
        }
        return out;
    }
}
