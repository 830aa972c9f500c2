package io.modelhub.jobs;

import io.modelhub.platform.ApiException;
import io.modelhub.runners.RecipeInfo;

import java.util.LinkedHashMap;
import java.util.Map;

/** Job parameters checked against the recipe's schema: known names, types, ranges, choices; defaults filled. */
public final class JobParams {
    /** A model repository id; {@link JobService} resolves and pins it, so here it is only a string. */
    public static final String MODEL = "model";

    private JobParams() {
    }

    static Map<String, Object> validate(RecipeInfo recipe, Map<String, Object> given) {
        Map<String, RecipeInfo.Param> schema = recipe.byName();
        Map<String, Object> in = given == null ? Map.of() : given;
        for (String name : in.keySet()) {
            if (!schema.containsKey(name)) {
                throw ApiException.badRequest("Unknown parameter '" + name + "' for recipe '" + recipe.id() + "' (known: "
                        + String.join(", ", schema.keySet()) + ")");
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (RecipeInfo.Param p : recipe.parameters()) {
            Object value = in.containsKey(p.name()) ? in.get(p.name()) : p.defaultValue();
            out.put(p.name(), value == null ? null : check(p, value));
        }
        return out;
    }

    /**
     * The resource rules, as a message per field ("gpus", "gpuMemoryMb", "maxAttempts"); empty when all fit. The
     * launch form shows these on its fields, the API refuses with the first.
     */
    public static Map<String, String> resourceProblems(int gpus, long gpuMemoryMb, int maxAttempts) {
        Map<String, String> problems = new LinkedHashMap<>();
        if (gpus < 0 || gpus > 64) {
            problems.put("gpus", "GPUs must be between 0 and 64, got " + gpus);
        }
        if (gpuMemoryMb < 0) {
            problems.put("gpuMemoryMb", "GPU memory must be 0 or more MB, got " + gpuMemoryMb);
        }
        if (maxAttempts < 1 || maxAttempts > 20) {
            problems.put("maxAttempts", "Attempts must be between 1 and 20, got " + maxAttempts);
        }
        return problems;
    }

    /** One parameter checked as {@link #validate} checks it: the normalised value, or an ApiException saying why not. */
    public static Object check(RecipeInfo.Param p, Object value) {
        switch (p.type()) {
            case "int", "float" -> {
                double d;
                if (value instanceof Number n) {
                    d = n.doubleValue();
                } else {
                    try {
                        d = Double.parseDouble(value.toString());
                    } catch (NumberFormatException e) {
                        throw ApiException.badRequest("Parameter '" + p.name() + "' must be a number, got '" + value + "'");
                    }
                }
                if (p.type().equals("int") && d != Math.rint(d)) {
                    throw ApiException.badRequest("Parameter '" + p.name() + "' must be a whole number, got " + value);
                }
                if ((p.min() != null && d < p.min()) || (p.max() != null && d > p.max())) {
                    throw ApiException.badRequest("Parameter '" + p.name() + "' is " + value + "; it must be between "
                            + fmt(p.min()) + " and " + fmt(p.max()));
                }
                return p.type().equals("int") ? (Object) (long) d : (Object) d;
            }
            case "bool" -> {
                if (value instanceof Boolean b) {
                    return b;
                }
                String s = value.toString().toLowerCase();
                if (s.equals("true") || s.equals("false")) {
                    return Boolean.parseBoolean(s);
                }
                throw ApiException.badRequest("Parameter '" + p.name() + "' must be true or false, got '" + value + "'");
            }
            case MODEL -> {
                return value.toString();
            }
            default -> {
                String s = value.toString();
                if (p.choices() != null && !p.choices().isEmpty() && !p.choices().contains(s)) {
                    throw ApiException.badRequest("Parameter '" + p.name() + "' must be one of " + p.choices() + ", got '" + s + "'");
                }
                return s;
            }
        }
    }

    private static String fmt(Double d) {
        return d == null ? "any" : java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }
}
