package io.modelhub.runners.serving;

import io.modelhub.contract.InferenceProtocol.LoadedModel;
import io.modelhub.contract.InferenceProtocol.Work;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelCacheTest {
    private final List<String> closed = new ArrayList<>();
    private final List<String> loads = new ArrayList<>();

    private ModelCache.Loader model(String name) {
        return () -> {
            loads.add(name);
            return new ServedModel() {
                @Override
                public String task() {
                    return "test";
                }

                @Override
                public Object run(Work work) {
                    return name;
                }

                @Override
                public void close() {
                    closed.add(name);
                }
            };
        };
    }

    private static LoadedModel key(String name) {
        return new LoadedModel("ns/" + name, "c0ffee");
    }

    @Test
    void leastRecentlyUsedIdleModelsMakeRoom() throws Exception {
        ModelCache cache = new ModelCache(100);
        ServedModel a = cache.acquire(key("a"), 40, model("a"));
        cache.release(key("a"));
        cache.acquire(key("b"), 40, model("b"));
        cache.release(key("b"));
        assertSame(a, cache.acquire(key("a"), 40, model("a")), "loaded once, then reused");
        cache.release(key("a"));
        assertEquals(List.of(key("a"), key("b")), cache.loaded(), "most recently used first");
        assertEquals(20, cache.freeBytes());

        cache.acquire(key("c"), 40, model("c"));
        assertEquals(List.of("b"), closed, "b was used least recently");
        assertEquals(List.of(key("c"), key("a")), cache.loaded());
        assertEquals(List.of("a", "b", "c"), loads);
    }

    @Test
    void aModelInUseIsNeverUnloaded() throws Exception {
        ModelCache cache = new ModelCache(100);
        cache.acquire(key("busy"), 60, model("busy"));
        cache.acquire(key("next"), 60, model("next"));
        assertEquals(List.of(), closed, "the busy model stays, the cache runs over its budget for a while");
        cache.release(key("busy"));
        cache.release(key("next"));
        cache.acquire(key("third"), 60, model("third"));
        assertEquals(List.of("busy", "next"), closed, "back under budget once both are idle");
        assertEquals(List.of(key("third")), cache.loaded());
    }

    @Test
    void aModelLargerThanTheBudgetIsRefusedNamingTheLimit() {
        ModelCache cache = new ModelCache(100L << 20);
        ModelCache.TooLarge e = assertThrows(ModelCache.TooLarge.class,
                () -> cache.acquire(key("huge"), 300L << 20, model("huge")));
        assertTrue(e.getMessage().contains("300 MB") && e.getMessage().contains("up to 100 MB"), e.getMessage());
        assertEquals(List.of(), loads, "nothing was loaded");
    }

    @Test
    void estimatesWeightsTwice() {
        assertEquals((200 + 10) * 5 / 4, ModelCache.estimate(Map.of("model.safetensors", 100L, "tokenizer.json", 10L)));
    }
}
