package io.modelhub.runners.serving;

import io.modelhub.contract.InferenceProtocol.Work;

import java.util.ArrayList;
import java.util.List;

/** A model loaded for inference; {@link #run} is called by one thread at a time. */
public interface ServedModel extends AutoCloseable {
    /** The pipeline task it answers, e.g. text-classification. */
    String task();

    /**
     * The request's answer in the shape the transformers pipeline of {@link #task} (as the HF inference API
     * returns it) has.
     *
     * @throws BadInput when the input or parameters do not fit the task
     */
    Object run(Work work) throws Exception;

    /** The answer to one request of a batch: its output, or what went wrong with it alone. */
    record Answer(Object output, Exception error) {
    }

    /**
     * Answers several requests at once, in their order; a request whose input does not fit fails alone. The
     * default runs them one by one; models that gain from one forward pass over all of them override it.
     */
    default List<Answer> runBatch(List<Work> works) {
        List<Answer> answers = new ArrayList<>();
        for (Work work : works) {
            try {
                answers.add(new Answer(run(work), null));
            } catch (Exception e) {
                answers.add(new Answer(null, e));
            }
        }
        return answers;
    }

    /**
     * The answer of a batch of one request, or its error: for models whose {@link #runBatch} is the real work (one
     * forward pass over all the requests).
     */
    default Object runAlone(Work work) throws Exception {
        Answer answer = runBatch(List.of(work)).get(0);
        if (answer.error() != null) {
            throw answer.error();
        }
        return answer.output();
    }

    @Override
    void close();
}
