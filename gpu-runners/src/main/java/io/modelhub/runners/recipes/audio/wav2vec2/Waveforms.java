package io.modelhub.runners.recipes.audio.wav2vec2;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.modelhub.runners.recipes.audio.WavDecoder;
import io.modelhub.runners.recipes.audio.Waveform;
import io.modelhub.runners.recipes.data.DatasetException;
import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.training.LabelledExamples;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * An audiofolder split as a Wav2Vec2FeatureExtractor prepares it: every WAV decoded, mixed to mono, resampled to
 * the extractor's sampling_rate (see {@link io.modelhub.runners.recipes.audio.Resampler}), cut to at most
 * max_duration_s, then normalised to zero mean and unit variance per clip when do_normalize. Batches are padded to
 * their longest clip with padding_value, with a 0/1 attention mask when the extractor returns one.
 * <p>
 * Clips are decoded once, in parallel, and kept: 64 KiB per second of audio (10,000 one-second clips take 640 MiB).
 */
public final class Waveforms implements LabelledExamples {

    /** Audio read past the cut so that resampling sees the samples right after it. */
    private static final double READ_MARGIN_SECONDS = 0.05;

    private final LabelledFiles split;
    private final FeatureExtractorConfig extractor;
    private final float[][] clips;

    private Waveforms(LabelledFiles split, FeatureExtractorConfig extractor, float[][] clips) {
        this.split = split;
        this.extractor = extractor;
        this.clips = clips;
    }

    /**
     * @param minSamples the model's receptive field: a shorter clip gives no frame at all, and is refused by name
     * @throws DatasetException naming the first file that is not a usable WAV or is too short
     */
    public static Waveforms of(LabelledFiles split, FeatureExtractorConfig extractor, double maxSeconds,
            int minSamples) {
        float[][] clips = new float[split.size()][];
        // each clip is independent, so a parallel pass gives the same values as a sequential one
        IntStream.range(0, split.size()).parallel()
                .forEach(i -> clips[i] = prepare(split.file(i), extractor, maxSeconds, minSamples));
        return new Waveforms(split, extractor, clips);
    }

    /**
     * One clip as the extractor prepares it: decoded, mixed to mono, resampled to sampling_rate, cut to
     * {@code maxSeconds}, normalised.
     *
     * @throws DatasetException when the file is not a usable WAV or is shorter than {@code minSamples}
     */
    public static float[] prepare(Path file, FeatureExtractorConfig extractor, double maxSeconds, int minSamples) {
        int rate = extractor.samplingRate();
        int maxSamples = (int) Math.round(maxSeconds * rate);
        Waveform wave = WavDecoder.read(file, maxSeconds + READ_MARGIN_SECONDS).resampledTo(rate);
        float[] samples = wave.samples().length > maxSamples ? Arrays.copyOf(wave.samples(), maxSamples)
                : wave.samples();
        if (samples.length < minSamples) {
            throw new DatasetException("audio " + file + " has " + samples.length + " samples at " + rate
                    + " Hz, fewer than the " + minSamples + " (" + Math.round(1000.0 * minSamples / rate)
                    + " ms) one frame of this model needs");
        }
        return extractor.normalize(samples);
    }

    @Override
    public int size() {
        return clips.length;
    }

    @Override
    public int label(int index) {
        return split.label(index);
    }

    public LabelledFiles split() {
        return split;
    }

    /** The prepared samples of a clip. Do not modify: they are shared. */
    public float[] clip(int index) {
        return clips[index];
    }

    /**
     * input_values (batch, longest) and, when the extractor returns one, attention_mask (batch, longest) of
     * examples {@code order[from..to)} (or from..to when order is null).
     */
    public NDList batch(NDManager manager, int[] order, int from, int to) {
        float[][] picked = new float[to - from][];
        for (int b = 0; b < picked.length; b++) {
            picked[b] = clips[order == null ? from + b : order[from + b]];
        }
        return pad(manager, picked, extractor, extractor.returnAttentionMask());
    }

    /**
     * Prepared clips right-padded to the longest with padding_value: input_values (batch, longest), and with
     * {@code withMask} the attention_mask (batch, longest), 1 over each clip's own samples.
     */
    public static NDList pad(NDManager manager, float[][] clips, FeatureExtractorConfig extractor, boolean withMask) {
        int batch = clips.length;
        int longest = 0;
        for (float[] clip : clips) {
            longest = Math.max(longest, clip.length);
        }
        float[] values = new float[batch * longest];
        float[] mask = new float[batch * longest];
        Arrays.fill(values, extractor.paddingValue());
        for (int b = 0; b < batch; b++) {
            System.arraycopy(clips[b], 0, values, b * longest, clips[b].length);
            Arrays.fill(mask, b * longest, b * longest + clips[b].length, 1f);
        }
        Shape shape = new Shape(batch, longest);
        return withMask ? new NDList(manager.create(values, shape), manager.create(mask, shape))
                : new NDList(manager.create(values, shape));
    }
}
