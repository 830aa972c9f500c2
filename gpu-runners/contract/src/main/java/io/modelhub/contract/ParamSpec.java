package io.modelhub.contract;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One parameter of a recipe, as runners publish it and as the hub validates jobs against it. {@code type} is one
 * of {@link #INT}, {@link #FLOAT}, {@link #STRING}, {@link #BOOL}, {@link #INT_LIST} or {@link #MODEL};
 * {@code min}/{@code max} bound numbers (null = unbounded), for an {@link #INT_LIST} each of its numbers;
 * {@code choices} lists the allowed strings (null = any).
 * <p>
 * An {@link #INT_LIST} (e.g. layer widths) is typed as "32, 64" in a form or sent as a JSON list [32, 64]; its
 * normalised value is the text "32,64" ({@link #ints} reads it back). It may be empty only when its default is.
 * <p>
 * A {@link #MODEL} parameter names a model repository ("owner/name", optionally "@revision"): the hub checks it
 * like a base model and pins it to a commit, the runner downloads it as one of the job's inputs. For it,
 * {@code choices} are the modalities it accepts and {@code modelTypes} the config.json model types (empty: any).
 * <p>
 * {@link #check} is the one validation of a value, run by the hub before a job is queued (and by the launch form
 * on each field) and by the runner before a recipe reads it, so both refuse the same values with the same words.
 */
public record ParamSpec(String name, String type, Object defaultValue, Double min, Double max, List<String> choices,
                        String help, List<String> modelTypes) {

    public static final String INT = "int";
    public static final String FLOAT = "float";
    public static final String STRING = "string";
    public static final String BOOL = "bool";
    public static final String MODEL = "model";
    public static final String INT_LIST = "int_list";
    /** More numbers than any layer list needs: a bound on what a typo or a hostile value makes a runner build. */
    public static final int MAX_LIST_LENGTH = 64;

    public ParamSpec {
        choices = choices == null || choices.isEmpty() ? null : List.copyOf(choices);
        modelTypes = modelTypes == null ? List.of() : List.copyOf(modelTypes);
    }

    /** A parameter that takes no model types (every type but {@link #MODEL}). */
    public ParamSpec(String name, String type, Object defaultValue, Double min, Double max, List<String> choices, String help) {
        this(name, type, defaultValue, min, max, choices, help, List.of());
    }

    public static ParamSpec integer(String name, int defaultValue, int min, int max, String help) {
        return new ParamSpec(name, INT, defaultValue, (double) min, (double) max, null, help, List.of());
    }

    public static ParamSpec number(String name, double defaultValue, double min, double max, String help) {
        return new ParamSpec(name, FLOAT, defaultValue, min, max, null, help, List.of());
    }

    public static ParamSpec bool(String name, boolean defaultValue, String help) {
        return new ParamSpec(name, BOOL, defaultValue, null, null, null, help, List.of());
    }

    public static ParamSpec choice(String name, String defaultValue, List<String> choices, String help) {
        return new ParamSpec(name, STRING, defaultValue, null, null, choices, help, List.of());
    }

    /** Whole numbers in [min, max], at most {@link #MAX_LIST_LENGTH}; empty allowed when the default is "". */
    public static ParamSpec intList(String name, String defaultValue, int min, int max, String help) {
        return new ParamSpec(name, INT_LIST, defaultValue, (double) min, (double) max, null, help, List.of());
    }

    /** The numbers of a value {@link #check} normalised for an {@link #INT_LIST} ("32,64"; "" for none). */
    public static List<Integer> ints(String normalised) {
        return normalised.isEmpty() ? List.of()
                : Arrays.stream(normalised.split(",")).map(Integer::valueOf).toList();
    }

    /** A required model repository of one of {@code modalities} (any when empty) and one of {@code modelTypes}. */
    public static ParamSpec model(String name, List<String> modalities, List<String> modelTypes, String help) {
        return new ParamSpec(name, MODEL, null, null, null, modalities, help, modelTypes);
    }

    public boolean isModel() {
        return MODEL.equals(type);
    }

    /**
     * The value normalised to its type (Long for int, Double for float, Boolean, String), or an
     * {@link InvalidParameterException} saying what is wrong with it.
     */
    public Object check(Object value) {
        if (value == null) {
            throw new InvalidParameterException(name, "Parameter '" + name + "' is required");
        }
        switch (type) {
            case INT, FLOAT -> {
                double d;
                if (value instanceof Number n) {
                    d = n.doubleValue();
                } else {
                    try {
                        d = Double.parseDouble(value.toString().trim());
                    } catch (NumberFormatException e) {
                        throw new InvalidParameterException(name, "Parameter '" + name + "' must be a number, got '" + value + "'");
                    }
                }
                if (!Double.isFinite(d)) {
                    throw new InvalidParameterException(name, "Parameter '" + name + "' must be a finite number, got " + value);
                }
                if (type.equals(INT) && d != Math.rint(d)) {
                    throw new InvalidParameterException(name, "Parameter '" + name + "' must be a whole number, got " + value);
                }
                if ((min != null && d < min) || (max != null && d > max)) {
                    throw new InvalidParameterException(name, "Parameter '" + name + "' is " + value + "; it must be between "
                            + format(min) + " and " + format(max));
                }
                return type.equals(INT) ? (Object) (long) d : (Object) d;
            }
            case BOOL -> {
                if (value instanceof Boolean b) {
                    return b;
                }
                String s = value.toString().trim().toLowerCase(Locale.ROOT);
                if (s.equals("true") || s.equals("false")) {
                    return Boolean.parseBoolean(s);
                }
                throw new InvalidParameterException(name, "Parameter '" + name + "' must be true or false, got '" + value + "'");
            }
            case MODEL -> {
                String s = value.toString().trim();
                if (s.isEmpty()) {
                    throw new InvalidParameterException(name, "Parameter '" + name + "' needs a model repository id (owner/name)");
                }
                return s;
            }
            case INT_LIST -> {
                return checkIntList(value);
            }
            case STRING -> {
                String s = value.toString();
                if (choices != null && !choices.contains(s)) {
                    throw new InvalidParameterException(name, "Parameter '" + name + "' must be one of " + choices + ", got '" + s + "'");
                }
                return s;
            }
            default -> throw new InvalidParameterException(name, "Parameter '" + name + "' has an unknown type '" + type + "'");
        }
    }

    private String checkIntList(Object value) {
        String example = "whole numbers separated by commas, e.g. \"32,64\"";
        List<?> items;
        if (value instanceof List<?> list) {
            items = list;
        } else {
            String text = value.toString().trim();
            items = text.isEmpty() ? List.of() : Arrays.asList(text.split(",", -1));
        }
        if (items.isEmpty() && !"".equals(defaultValue)) {
            throw new InvalidParameterException(name, "Parameter '" + name + "' needs at least one number: " + example);
        }
        if (items.size() > MAX_LIST_LENGTH) {
            throw new InvalidParameterException(name, "Parameter '" + name + "' lists " + items.size()
                    + " numbers; at most " + MAX_LIST_LENGTH);
        }
        List<String> normalised = new ArrayList<>();
        for (Object item : items) {
            String s = item.toString().trim();
            long n;
            try {
                if (item instanceof Number number && number.doubleValue() != Math.rint(number.doubleValue())) {
                    throw new NumberFormatException();
                }
                n = item instanceof Number number ? number.longValue() : Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new InvalidParameterException(name, "Parameter '" + name + "' must be " + example + ", got '"
                        + value + "'");
            }
            if ((min != null && n < min) || (max != null && n > max)) {
                throw new InvalidParameterException(name, "Parameter '" + name + "' has " + n + "; each number must be "
                        + "between " + format(min) + " and " + format(max));
            }
            normalised.add(Long.toString(n));
        }
        return String.join(",", normalised);
    }

    private static String format(Double d) {
        return d == null ? "any" : BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }
}
