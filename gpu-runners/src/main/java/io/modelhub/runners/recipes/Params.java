package io.modelhub.runners.recipes;

import io.modelhub.contract.JobParameters;
import io.modelhub.contract.ParamSpec;

import java.util.List;
import java.util.Map;

/**
 * Typed access to a run's parameters, validated with the same rules the hub applied before queuing the job
 * ({@link JobParameters}, {@link ParamSpec#check}), so a recipe run directly, from a test or a script, fails with
 * the same clear message on a bad value.
 */
public final class Params {

    private final Map<String, ParamSpec> specs;
    private final Map<String, Object> values;

    private Params(List<ParamSpec> specs, Map<String, Object> values) {
        this.specs = new java.util.HashMap<>();
        specs.forEach(s -> this.specs.put(s.name(), s));
        this.values = JobParameters.validate("this recipe", specs, values);
    }

    public static Params of(List<ParamSpec> specs, Map<String, Object> values) {
        return new Params(specs, values);
    }

    public int getInt(String name) {
        long n = (Long) typed(name, ParamSpec.INT);
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Parameter '" + name + "' must be a 32-bit integer, got " + n);
        }
        return (int) n;
    }

    public double getDouble(String name) {
        Object value = typed(name, null);
        if (!(value instanceof Number number)) {
            throw new IllegalStateException("recipe reads " + specs.get(name).type() + " parameter \"" + name + "\" as a number");
        }
        return number.doubleValue();
    }

    /** Whether the parameter has a value (given, or a default); a parameter without default may have none. */
    public boolean has(String name) {
        if (!specs.containsKey(name)) {
            throw new IllegalStateException("recipe reads parameter \"" + name + "\" that it does not declare");
        }
        return values.get(name) != null;
    }

    public boolean getBoolean(String name) {
        return (Boolean) typed(name, ParamSpec.BOOL);
    }

    /** An {@link ParamSpec#INT_LIST}'s numbers (empty where it allows none). */
    public List<Integer> getInts(String name) {
        return ParamSpec.ints((String) typed(name, ParamSpec.INT_LIST));
    }

    public String getString(String name) {
        return typed(name, null).toString();
    }

    private Object typed(String name, String type) {
        ParamSpec spec = specs.get(name);
        if (spec == null) {
            throw new IllegalStateException("recipe reads parameter \"" + name + "\" that it does not declare");
        }
        if (type != null && !spec.type().equals(type)) {
            throw new IllegalStateException("recipe reads " + spec.type() + " parameter \"" + name + "\" as " + type);
        }
        Object value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("Parameter '" + name + "' is required");
        }
        return value;
    }
}
