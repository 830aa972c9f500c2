package io.modelhub.runners;

import java.util.List;
import java.util.Map;

/** A recipe as runners publish it: what it trains, and the schema its job parameters are validated against. */
public record RecipeInfo(String id, String version, String modality, String task, boolean needsBaseModel,
                         List<Param> parameters) {

    /** type: int, float, string or bool; min/max bound numbers; choices bound strings. */
    public record Param(String name, String type, Object defaultValue, Double min, Double max, List<String> choices,
                        String help) {
    }

    public Map<String, Param> byName() {
        return parameters.stream().collect(java.util.stream.Collectors.toMap(Param::name, p -> p));
    }
}
