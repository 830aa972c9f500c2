package io.modelhub.runners.recipes;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Typed access to a run's parameters against the recipe's {@link ParamSpec}s. The agent validates and fills in
 * defaults before a run; this checks again (values arrive from JSON as Integer, Long, Double or String) so that
 * a recipe run directly, e.g. from a test or a script, fails with the same clear message on a bad value.
 */
public final class Params {

    private final Map<String, ParamSpec> specs = new HashMap<>();
    private final Map<String, Object> values;

    private Params(List<ParamSpec> specs, Map<String, Object> values) {
        specs.forEach(s -> this.specs.put(s.name(), s));
        this.values = values == null ? Map.of() : values;
        for (String name : this.values.keySet()) {
            if (!this.specs.containsKey(name)) {
                throw new IllegalArgumentException("unknown parameter \"" + name + "\"; this recipe takes "
                        + String.join(", ", this.specs.keySet().stream().sorted().toList()));
            }
        }
    }

    public static Params of(List<ParamSpec> specs, Map<String, Object> values) {
        return new Params(specs, values);
    }

    public int getInt(String name) {
        Object value = raw(name);
        long n;
        if (value instanceof Number number) {
            double d = number.doubleValue();
            if (d != Math.rint(d)) {
                throw bad(name, value, "a whole number");
            }
            n = number.longValue();
        } else if (value instanceof String s) {
            try {
                n = Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw bad(name, value, "a whole number");
            }
        } else {
            throw bad(name, value, "a whole number");
        }
        checkRange(name, n);
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            throw bad(name, value, "a 32-bit integer");
        }
        return (int) n;
    }

    public double getDouble(String name) {
        Object value = raw(name);
        double d;
        if (value instanceof Number number) {
            d = number.doubleValue();
        } else if (value instanceof String s) {
            try {
                d = Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw bad(name, value, "a number");
            }
        } else {
            throw bad(name, value, "a number");
        }
        if (!Double.isFinite(d)) {
            throw bad(name, value, "a finite number");
        }
        checkRange(name, d);
        return d;
    }

    public boolean getBoolean(String name) {
        Object value = raw(name);
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof String s) {
            String lower = s.trim().toLowerCase(Locale.ROOT);
            if (lower.equals("true") || lower.equals("false")) {
                return Boolean.parseBoolean(lower);
            }
        }
        throw bad(name, value, "true or false");
    }

    public String getString(String name) {
        Object value = raw(name);
        ParamSpec spec = specs.get(name);
        String s = value.toString();
        if (spec.choices() != null && !spec.choices().isEmpty() && !spec.choices().contains(s)) {
            throw bad(name, s, "one of " + spec.choices());
        }
        return s;
    }

    private Object raw(String name) {
        ParamSpec spec = specs.get(name);
        if (spec == null) {
            throw new IllegalStateException("recipe reads parameter \"" + name + "\" that it does not declare");
        }
        Object value = values.get(name);
        if (value == null) {
            value = spec.defaultValue();
        }
        if (value == null) {
            throw new IllegalArgumentException("parameter \"" + name + "\" is required");
        }
        return value;
    }

    private void checkRange(String name, double value) {
        ParamSpec spec = specs.get(name);
        if ((spec.min() != null && value < spec.min()) || (spec.max() != null && value > spec.max())) {
            throw new IllegalArgumentException("parameter \"" + name + "\" is " + format(value) + " but must be in "
                    + (spec.min() == null ? "(-inf" : "[" + format(spec.min())) + ", "
                    + (spec.max() == null ? "inf)" : format(spec.max()) + "]"));
        }
    }

    private static String format(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static IllegalArgumentException bad(String name, Object value, String expected) {
        return new IllegalArgumentException("parameter \"" + name + "\" must be " + expected + ", not " + value);
    }
}
