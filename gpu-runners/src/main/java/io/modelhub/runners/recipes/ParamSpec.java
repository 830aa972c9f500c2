package io.modelhub.runners.recipes;

/**
 * One parameter of a recipe. {@code type} is "int", "float", "string", "bool" or "model"; {@code min}/{@code max}
 * bound numbers (null = unbounded); {@code choices} lists allowed strings (null = any). A "model" parameter names a
 * model repository ("owner/name", optionally "@revision"): the hub checks it like a base model and pins it to a
 * commit, the agent downloads it, and the recipe reads it from {@link RunContext#modelDir(String)}; its
 * {@code choices} are the modalities it accepts (null = any).
 */
public record ParamSpec(String name, String type, Object defaultValue, Double min, Double max,
                        java.util.List<String> choices, String help) {

    public static ParamSpec integer(String name, int defaultValue, int min, int max, String help) {
        return new ParamSpec(name, "int", defaultValue, (double) min, (double) max, null, help);
    }

    /** A required model repository whose modality is one of {@code modalities} (or any, when empty). */
    public static ParamSpec model(String name, java.util.List<String> modalities, String help) {
        return new ParamSpec(name, MODEL, null, null, null, modalities.isEmpty() ? null : modalities, help);
    }

    public static final String MODEL = "model";

    public static ParamSpec number(String name, double defaultValue, double min, double max, String help) {
        return new ParamSpec(name, "float", defaultValue, min, max, null, help);
    }
}
