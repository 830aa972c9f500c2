package io.modelhub.runners.recipes.audio;

import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.training.LabelledExamples;
import java.util.stream.IntStream;

/**
 * The model inputs of an audiofolder split: every WAV file decoded, mixed to mono, resampled to the spec's rate
 * and turned into its normalised (n_mels x frames) log-mel image by {@link LogMel#features}.
 * <p>
 * Features are computed once, in parallel, and kept (a 1 s clip at 40 mels is 16 KiB, so 10,000 clips take
 * 160 MiB); a split whose features exceed the cache budget is computed on demand for every batch instead.
 */
public final class LogMelClips implements LabelledExamples {

    public static final long DEFAULT_CACHE_BUDGET = 1L << 30;
    /** Extra audio read past the clip so that resampling sees the samples right after its end. */
    private static final double READ_MARGIN_SECONDS = 0.05;

    private final LabelledFiles split;
    private final LogMel logMel;
    private final float[][] cache;

    private LogMelClips(LabelledFiles split, LogMel logMel, float[][] cache) {
        this.split = split;
        this.logMel = logMel;
        this.cache = cache;
    }

    public static LogMelClips of(LabelledFiles split, LogMelSpec spec) {
        return of(split, spec, DEFAULT_CACHE_BUDGET);
    }

    /** @throws io.modelhub.runners.recipes.data.DatasetException naming the first file that is not a usable WAV */
    public static LogMelClips of(LabelledFiles split, LogMelSpec spec, long cacheBudgetBytes) {
        LogMel logMel = new LogMel(spec);
        long bytes = (long) split.size() * spec.nMels() * spec.frames() * Float.BYTES;
        if (bytes > cacheBudgetBytes) {
            return new LogMelClips(split, logMel, null);
        }
        float[][] cache = new float[split.size()][];
        // each clip is independent, so a parallel pass gives the same values as a sequential one
        IntStream.range(0, split.size()).parallel().forEach(i -> cache[i] = compute(logMel, split, i));
        return new LogMelClips(split, logMel, cache);
    }

    private static float[] compute(LogMel logMel, LabelledFiles split, int index) {
        LogMelSpec spec = logMel.spec();
        Waveform wave = WavDecoder.read(split.file(index), spec.clipSeconds() + READ_MARGIN_SECONDS);
        return logMel.features(wave.resampledTo(spec.sampleRate()).samples());
    }

    @Override
    public int size() {
        return split.size();
    }

    @Override
    public int label(int index) {
        return split.label(index);
    }

    public LabelledFiles split() {
        return split;
    }

    public LogMelSpec spec() {
        return logMel.spec();
    }

    /** n_mels * frames values, mel-major. Do not modify: cached arrays are shared. */
    public float[] features(int index) {
        return cache != null ? cache[index] : compute(logMel, split, index);
    }
}
