package io.modelhub.runners.serving;

import io.modelhub.contract.InferenceProtocol.Work;

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

    @Override
    void close();
}
