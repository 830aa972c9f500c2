package io.modelhub.testing;

import java.util.List;

/**
 * A tokenizer.json in the layout gpu-runners TextTokenizer.train writes: [PAD] [UNK] [CLS] [SEP] [MASK] at ids 0-4
 * (added, special, not normalised), a Lowercase normalizer, the BertPreTokenizer, a "[CLS] $A [SEP]" template and a
 * WordLevel vocabulary of the given words from id 5 on.
 */
public final class TokenizerJson {
    public static final List<String> SPECIALS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

    private TokenizerJson() {
    }

    public static String wordLevel(List<String> words) {
        StringBuilder added = new StringBuilder();
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < SPECIALS.size(); i++) {
            added.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(",\"content\":\"").append(SPECIALS.get(i))
                    .append("\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}");
            vocab.append(i == 0 ? "" : ",").append('"').append(SPECIALS.get(i)).append("\":").append(i);
        }
        for (int i = 0; i < words.size(); i++) {
            vocab.append(",\"").append(words.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append("\":")
                    .append(SPECIALS.size() + i);
        }
        return "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[" + added + "],"
                + "\"normalizer\":{\"type\":\"Lowercase\"},\"pre_tokenizer\":{\"type\":\"BertPreTokenizer\"},"
                + "\"post_processor\":{\"type\":\"TemplateProcessing\","
                + "\"single\":[{\"SpecialToken\":{\"id\":\"[CLS]\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
                + "{\"SpecialToken\":{\"id\":\"[SEP]\",\"type_id\":0}}],"
                + "\"pair\":[{\"SpecialToken\":{\"id\":\"[CLS]\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
                + "{\"SpecialToken\":{\"id\":\"[SEP]\",\"type_id\":0}},{\"Sequence\":{\"id\":\"B\",\"type_id\":1}},"
                + "{\"SpecialToken\":{\"id\":\"[SEP]\",\"type_id\":1}}],"
                + "\"special_tokens\":{\"[CLS]\":{\"id\":\"[CLS]\",\"ids\":[2],\"tokens\":[\"[CLS]\"]},"
                + "\"[SEP]\":{\"id\":\"[SEP]\",\"ids\":[3],\"tokens\":[\"[SEP]\"]}}},"
                + "\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":{" + vocab + "},\"unk_token\":\"[UNK]\"}}\n";
    }
}
