package io.modelhub.storage.inspect;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CsvAndSplitNamesTest {

    @Test
    void quotedCellsHoldSeparatorsQuotesAndLineBreaks() {
        assertEquals(List.of("a", "b, c", "say \"hi\""), Csv.cells("a,\"b, c\",\"say \"\"hi\"\"\"", ','));
        assertEquals(List.of("x", "y\tz"), Csv.cells("x\t\"y\tz\"", '\t'));
        assertEquals(List.of("", "", ""), Csv.cells(",,", ','));
        assertEquals(List.of(List.of("text", "label"), List.of("two\nlines", "pos"), List.of("it's 5\" long", "neg")),
                Csv.records("text,label\r\n\"two\nlines\",pos\n\nit's 5\" long,neg\n", ','));
        assertThrows(IllegalArgumentException.class, () -> Csv.records("a,\"never closed\n", ','));
    }

    @Test
    void splitsFromFoldersAndFileNamesAsHuggingFaceNamesThem() {
        assertEquals("validation", SplitNames.canonical("VAL"));
        assertEquals("test", SplitNames.canonical("testing"));
        assertNull(SplitNames.canonical("holdout"));
        assertEquals("train", SplitNames.ofPath("train.csv"));
        assertEquals("validation", SplitNames.ofPath("data/dev-00000-of-00001.jsonl"));
        assertEquals("test", SplitNames.ofPath("test/cat/1.png"));
        assertEquals("train", SplitNames.ofPath("training/metadata.csv"));
        assertNull(SplitNames.ofPath("data/all/1.png"));
        assertNull(SplitNames.ofPath("metadata.csv"));
    }
}
