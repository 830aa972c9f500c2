package io.modelhub.runners.recipes;

/**
 * One parameter of a recipe. {@code type} is "int", "float", "string" or "bool"; {@code min}/{@code max} bound
 * numbers (null = unbounded); {@code choices} lists allowed strings (null = any).
 */
public record ParamSpec(String name, String type, Object defaultValue, Double min, Double max,
                        java.util.List<String> choices, String help) {

    public static ParamSpec integer(String name, int defaultValue, int min, int max, String help) {
        return new ParamSpec(name, "int", defaultValue, (double) min, (double) max, null, help);
    }

    public static ParamSpec number(String name, double defaultValue, double min, double max, String help) {
        return new ParamSpec(name, "float", defaultValue, min, max, null, help);
    }
}
