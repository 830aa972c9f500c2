package io.modelhub.runners.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.modelhub.runners.recipes.audio.WavDecoder;
import io.modelhub.runners.recipes.audio.Waveform;
import io.modelhub.runners.recipes.audio.WavWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Spoken digits as an audiofolder dataset ({@code <split>/<zero..nine>/<voice>-s<speed>-p<pitch>.wav}, 16 kHz mono
 * 16-bit): every digit word said by Debian's espeak-ng with each voice, speed (words per minute) and pitch (0-99).
 * espeak-ng writes 22,050 Hz; the clips are resampled to 16 kHz by the runner's own Resampler. The speaker settings
 * of each digit are shuffled (seeded) into test, validation and train, so the test clips are settings the model
 * never heard for that word. Where espeak-ng is missing the test is skipped, or fails when
 * {@code MODELHUB_REQUIRE_REFERENCES} is set (as {@link PythonReference}). docs/audio-models.md has the same
 * dataset as a shell loop.
 * <pre>
 *   Path root = SpokenDigitsBuilder.in(tempDir).voices("en", "en-us").speeds(140, 180).pitches(30, 70)
 *       .holdOut(1, 1).build();
 * </pre>
 */
public final class SpokenDigitsBuilder {

    public static final List<String> DIGITS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine");
    public static final String ESPEAK = "espeak-ng";
    private static final int SAMPLE_RATE = 16_000;

    private final Path root;
    private List<String> voices = List.of("en", "en-us", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-us-nyc");
    private List<Integer> speeds = List.of(130, 175);
    private List<Integer> pitches = List.of(30, 70);
    private int test = 2;
    private int validation = 2;
    private long seed = 1;

    private SpokenDigitsBuilder(Path root) {
        this.root = root;
    }

    public static SpokenDigitsBuilder in(Path root) {
        return new SpokenDigitsBuilder(root);
    }

    /** espeak-ng voice names (see {@code espeak-ng --voices=en}), with an optional {@code +variant}. */
    public SpokenDigitsBuilder voices(String... names) {
        this.voices = List.of(names);
        return this;
    }

    public SpokenDigitsBuilder speeds(Integer... wordsPerMinute) {
        this.speeds = List.of(wordsPerMinute);
        return this;
    }

    public SpokenDigitsBuilder pitches(Integer... pitches) {
        this.pitches = List.of(pitches);
        return this;
    }

    /** Speaker settings per digit kept for the test and validation splits; the rest are train. */
    public SpokenDigitsBuilder holdOut(int testPerDigit, int validationPerDigit) {
        this.test = testPerDigit;
        this.validation = validationPerDigit;
        return this;
    }

    public SpokenDigitsBuilder seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** Skips the test, or fails it where references are required, when espeak-ng cannot run. */
    public static void requireEspeak() {
        boolean found;
        try {
            Process process = new ProcessBuilder(ESPEAK, "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            found = process.waitFor(1, TimeUnit.MINUTES) && process.exitValue() == 0;
        } catch (IOException e) {
            found = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            found = false;
        }
        if (!found) {
            String message = ESPEAK + " is not installed (apt-get install espeak-ng)";
            if (System.getenv("MODELHUB_REQUIRE_REFERENCES") != null) {
                fail(message + ", and MODELHUB_REQUIRE_REFERENCES is set");
            }
            Assumptions.abort(message + ": the spoken-digits test is skipped");
        }
    }

    /** Writes the files (espeak-ng runs in parallel) and returns the dataset root. */
    public Path build() {
        requireEspeak();
        List<String[]> settings = new ArrayList<>();
        for (String voice : voices) {
            for (int speed : speeds) {
                for (int pitch : pitches) {
                    settings.add(new String[] {voice, Integer.toString(speed), Integer.toString(pitch)});
                }
            }
        }
        if (settings.size() <= test + validation) {
            throw new IllegalStateException(settings.size() + " speaker settings leave none for train after "
                    + test + " test and " + validation + " validation ones");
        }
        Random random = new Random(seed);
        // espeak-ng spends its time starting and waiting, not computing: more processes than cores pay off
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (String digit : DIGITS) {
                List<String[]> order = new ArrayList<>(settings);
                Collections.shuffle(order, random);
                for (int i = 0; i < order.size(); i++) {
                    String split = i < test ? "test" : i < test + validation ? "validation" : "train";
                    String[] s = order.get(i);
                    Path file = root.resolve(split).resolve(digit)
                            .resolve(s[0].replace('+', '_') + "-s" + s[1] + "-p" + s[2] + ".wav");
                    jobs.add(pool.submit(() -> {
                        speak(digit, s[0], s[1], s[2], file);
                        return null;
                    }));
                }
            }
            for (Future<?> job : jobs) {
                job.get();
            }
            return root;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static void speak(String word, String voice, String speed, String pitch, Path file) throws IOException,
            InterruptedException {
        Files.createDirectories(file.getParent());
        Path raw = file.resolveSibling(file.getFileName() + ".22k");
        Process process = new ProcessBuilder(ESPEAK, "-v", voice, "-s", speed, "-p", pitch, "-w", raw.toString(), word)
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(1, TimeUnit.MINUTES) || process.exitValue() != 0 || !Files.isRegularFile(raw)) {
            throw new IllegalStateException(ESPEAK + " -v " + voice + " failed for \"" + word + "\": " + output);
        }
        try {
            Waveform wave = WavDecoder.read(raw).resampledTo(SAMPLE_RATE);
            WavWriter.write(file, wave.samples(), SAMPLE_RATE);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            Files.deleteIfExists(raw);
        }
    }
}
