package io.modelhub.crossmodal;

/**
 * A dual encoder's text tower that the hub cannot run for queries (another tokenizer or encoder kind, a tower too
 * large, weights missing): search then falls back to the closest indexed text, and the answer carries this message.
 */
public class UnsupportedTowerException extends RuntimeException {
    public UnsupportedTowerException(String message) {
        super(message);
    }
}
