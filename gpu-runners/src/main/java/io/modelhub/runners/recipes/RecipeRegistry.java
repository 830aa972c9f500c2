package io.modelhub.runners.recipes;

import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** The recipes on this runner's classpath (META-INF/services/io.modelhub.runners.recipes.Recipe). */
public final class RecipeRegistry {
    private RecipeRegistry() {
    }

    public static List<Recipe> all() {
        return ServiceLoader.load(Recipe.class).stream().map(ServiceLoader.Provider::get).toList();
    }

    public static Optional<Recipe> find(String id) {
        return all().stream().filter(r -> r.id().equals(id)).findFirst();
    }
}
