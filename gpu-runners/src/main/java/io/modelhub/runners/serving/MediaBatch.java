package io.modelhub.runners.serving;

import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.runners.recipes.data.DatasetException;
import io.modelhub.runners.recipes.data.LabelledFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The image or audio files of a batch of requests, prepared together by the model's own recipe code (which reads
 * files: each file goes through the very decoder the model was trained with) for one forward pass. A request that
 * does not fit (the task, its bytes, then {@code check}, then a file the decoder refuses) fails alone.
 *
 * @param <R>      what the preparation gives for a list of files: decoded images, log-mel clips, waveforms, ...
 * @param prepared the preparation of the files that fit, row i being the i-th of them; null when none fits
 * @param rows     per request, its row in {@code prepared}, or -1 when it failed
 * @param answers  per request, its error, or null until the caller fills in its answer
 */
record MediaBatch<R>(R prepared, int[] rows, List<ServedModel.Answer> answers) {

    /** The 400 of a file the decoder refused, without the temporary file's name (it is no business of the caller). */
    @FunctionalInterface
    interface Refusal {
        BadInput of(DatasetException e, Path file, int bytes);
    }

    /**
     * @param what    "an image", "audio": what the model reads, for the messages
     * @param prepare the model's preparation of a split of files, as its evaluator uses it
     */
    static <R> MediaBatch<R> of(List<Work> works, String task, String what, Consumer<Work> check,
            Function<LabelledFiles, R> prepare, Refusal refusal) throws IOException {
        List<ServedModel.Answer> answers = new ArrayList<>();
        int[] rows = new int[works.size()];
        List<byte[]> bodies = new ArrayList<>();
        for (Work work : works) {
            try {
                ServedModels.requireTask(work, task);
                byte[] bytes = ServedModels.binaryInput(work, what);
                check.accept(work);
                bodies.add(bytes);
                answers.add(null);
            } catch (BadInput e) {
                bodies.add(null);
                answers.add(new ServedModel.Answer(null, e));
            }
        }
        Path dir = Files.createTempDirectory("inference-");
        try {
            List<Path> files = new ArrayList<>();
            for (int w = 0; w < works.size(); w++) {
                Path file = null;
                if (bodies.get(w) != null) {
                    file = dir.resolve("input-" + w);
                    Files.write(file, bodies.get(w));
                }
                files.add(file);
            }
            R prepared;
            List<Path> good = files.stream().filter(f -> f != null).toList();
            try {
                prepared = good.isEmpty() ? null : prepare.apply(split(good));
            } catch (DatasetException together) {
                // some file is refused: prepare each alone to tell which, then the others together
                for (int w = 0; w < works.size(); w++) {
                    if (files.get(w) == null) {
                        continue;
                    }
                    try {
                        prepare.apply(split(List.of(files.get(w))));
                    } catch (DatasetException e) {
                        answers.set(w, new ServedModel.Answer(null, refusal.of(e, files.get(w), bodies.get(w).length)));
                        files.set(w, null);
                    }
                }
                good = files.stream().filter(f -> f != null).toList();
                prepared = good.isEmpty() ? null : prepare.apply(split(good));
            }
            int row = 0;
            for (int w = 0; w < works.size(); w++) {
                rows[w] = files.get(w) == null ? -1 : row++;
            }
            return new MediaBatch<>(prepared, rows, answers);
        } finally {
            try (var paths = Files.list(dir)) {
                for (Path p : paths.toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException | UncheckedIOException e) {
                // left for the temp folder's cleaner; the model has what it needs
            }
            Files.deleteIfExists(dir);
        }
    }

    private static LabelledFiles split(List<Path> files) {
        return new LabelledFiles("inputs", files, new int[files.size()]);
    }

    /** How many requests fit (rows of {@link #prepared}). */
    int size() {
        int n = 0;
        for (int row : rows) {
            n += row >= 0 ? 1 : 0;
        }
        return n;
    }
}
