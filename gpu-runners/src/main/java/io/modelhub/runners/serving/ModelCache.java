package io.modelhub.runners.serving;

import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.InferenceProtocol.LoadedModel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The models a serving runner keeps loaded, least recently used first out, bounded by a memory budget. A model's
 * cost is its estimated resident size (weights as float32 plus tokenizer and activations headroom, from its file
 * sizes); a model in use is never unloaded. A model larger than the whole budget is refused with the limit named.
 */
public final class ModelCache implements AutoCloseable {
    /** Loads a model folder; the cache calls it outside its lock, once per model. */
    @FunctionalInterface
    public interface Loader {
        ServedModel load() throws Exception;
    }

    /** The model does not fit this runner's serving budget at all. */
    public static final class TooLarge extends RuntimeException {
        TooLarge(String message) {
            super(message);
        }
    }

    private static final class Entry {
        final LoadedModel key;
        final long bytes;
        ServedModel model;
        int users;

        Entry(LoadedModel key, long bytes) {
            this.key = key;
            this.bytes = bytes;
        }
    }

    private final long budgetBytes;
    /** Access order: the first entry is the least recently used. */
    private final LinkedHashMap<LoadedModel, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<LoadedModel, Object> loadLocks = new HashMap<>();

    public ModelCache(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    /**
     * The model, loaded now if needed, marked in use until {@link #release}. Loading one model does not hold up
     * requests for models already loaded.
     */
    public ServedModel acquire(LoadedModel key, long bytes, Loader loader) throws Exception {
        if (bytes > budgetBytes) {
            throw new TooLarge(key.repo() + " needs about " + mb(bytes) + " MB loaded; this runner serves models up to "
                    + mb(budgetBytes) + " MB (MODELHUB_RUNNER_SERVE_MEMORY_MB)");
        }
        Object lock;
        synchronized (this) {
            Entry e = entries.get(key);
            if (e != null && e.model != null) {
                e.users++;
                return e.model;
            }
            lock = loadLocks.computeIfAbsent(key, k -> new Object());
        }
        synchronized (lock) {
            synchronized (this) {
                Entry e = entries.get(key);
                if (e != null && e.model != null) {
                    e.users++;
                    return e.model;
                }
            }
            ServedModel model = loader.load();
            List<ServedModel> evicted = new ArrayList<>();
            synchronized (this) {
                Entry e = new Entry(key, bytes);
                e.model = model;
                e.users = 1;
                long used = usedBytes() + bytes;
                for (Iterator<Entry> it = entries.values().iterator(); it.hasNext() && used > budgetBytes; ) {
                    Entry old = it.next();
                    if (old.users == 0) {
                        used -= old.bytes;
                        evicted.add(old.model);
                        it.remove();
                    }
                }
                entries.put(key, e);
                loadLocks.remove(key);
            }
            evicted.forEach(ServedModel::close);
            return model;
        }
    }

    public synchronized void release(LoadedModel key) {
        Entry e = entries.get(key);
        if (e != null && e.users > 0) {
            e.users--;
        }
    }

    /** Most recently used first, as the hub's routing reads it. */
    public synchronized List<LoadedModel> loaded() {
        List<LoadedModel> keys = new ArrayList<>(entries.keySet());
        java.util.Collections.reverse(keys);
        return keys;
    }

    public synchronized long freeBytes() {
        return Math.max(0, budgetBytes - usedBytes());
    }

    private long usedBytes() {
        return entries.values().stream().mapToLong(e -> e.bytes).sum();
    }

    /** A model's resident size from its files: {@link InferenceProtocol#servingBytes}, which the hub refuses by too. */
    public static long estimate(Map<String, Long> fileSizes) {
        return InferenceProtocol.servingBytes(fileSizes);
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    private static long mb(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }

    @Override
    public synchronized void close() {
        entries.values().forEach(e -> e.model.close());
        entries.clear();
    }
}
