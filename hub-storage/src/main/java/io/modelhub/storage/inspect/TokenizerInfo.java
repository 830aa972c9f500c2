package io.modelhub.storage.inspect;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A Hugging Face {@code tokenizer.json}, read as a stream: these files reach tens of MB, nearly all of it the
 * vocabulary and merges, which are counted and skipped rather than loaded.
 */
public final class TokenizerInfo {

    private final String modelType;
    private final int vocabSize;
    private final int addedTokens;

    private TokenizerInfo(String modelType, int vocabSize, int addedTokens) {
        this.modelType = modelType;
        this.vocabSize = vocabSize;
        this.addedTokens = addedTokens;
    }

    /**
     * Reads {@code in} to the end of the JSON document; the stream is not closed.
     *
     * @throws UncheckedIOException if reading the stream itself fails
     */
    public static TokenizerInfo parse(InputStream in) throws InspectionException {
        try (JsonParser json = Json.MAPPER.createParser(in)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw new InspectionException("tokenizer.json must be a JSON object");
            }
            Model model = null;
            int addedTokens = 0;
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                if (field.equals("model")) {
                    if (value != JsonToken.START_OBJECT) {
                        throw new InspectionException("tokenizer.json \"model\" must be an object");
                    }
                    model = Model.read(json);
                } else if (field.equals("added_tokens") && value == JsonToken.START_ARRAY) {
                    addedTokens = countArray(json);
                } else {
                    json.skipChildren();
                }
            }
            if (model == null) {
                throw new InspectionException("tokenizer.json has no \"model\" section");
            }
            return new TokenizerInfo(model.type(), model.vocabSize(), addedTokens);
        } catch (JsonProcessingException e) {
            throw Json.invalid("tokenizer.json", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** BPE, WordPiece, WordLevel or Unigram; null if the file names none and it cannot be told. */
    public String modelType() {
        return modelType;
    }

    /** Entries in the model's vocabulary, added tokens not included. */
    public int vocabSize() {
        return vocabSize;
    }

    /** Special and user-added tokens ({@code added_tokens}). */
    public int addedTokens() {
        return addedTokens;
    }

    private record Model(String type, int vocabSize) {

        /** Reads the model object; the parser stands on its START_OBJECT and is left on its END_OBJECT. */
        static Model read(JsonParser json) throws IOException {
            String type = null;
            int vocabSize = 0;
            boolean vocabIsList = false;
            boolean hasMerges = false;
            boolean hasWordPieceLimit = false;
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                switch (field) {
                    case "type" -> type = value == JsonToken.VALUE_STRING ? json.getText() : null;
                    case "vocab" -> {
                        vocabIsList = value == JsonToken.START_ARRAY;
                        vocabSize = vocabIsList ? countArray(json) : value == JsonToken.START_OBJECT
                                ? countObject(json) : 0;
                    }
                    case "merges" -> {
                        hasMerges = true;
                        json.skipChildren();
                    }
                    case "max_input_chars_per_word" -> hasWordPieceLimit = true;
                    default -> json.skipChildren();
                }
            }
            if (type == null) {
                // older files leave the type out; tell it from the fields each model kind has
                type = vocabIsList ? "Unigram" : hasMerges ? "BPE" : hasWordPieceLimit ? "WordPiece"
                        : vocabSize > 0 ? "WordLevel" : null;
            }
            return new Model(type, vocabSize);
        }
    }

    /** Counts the elements of the array the parser stands on, leaving it on the END_ARRAY. */
    private static int countArray(JsonParser json) throws IOException {
        int count = 0;
        while (json.nextToken() != JsonToken.END_ARRAY) {
            json.skipChildren();
            count++;
        }
        return count;
    }

    /** Counts the fields of the object the parser stands on, leaving it on the END_OBJECT. */
    private static int countObject(JsonParser json) throws IOException {
        int count = 0;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            json.nextToken();
            json.skipChildren();
            count++;
        }
        return count;
    }
}
