package io.modelhub.testing;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mail fixture: real mails, cleaned, balanced, reproducible, with no text in both splits. */
class SpamAssassinMailTest {

    @Test
    void balancedDeterministicAndDisjoint() {
        SpamAssassinMail.Splits splits = SpamAssassinMail.corpus().train(600).test(300).seed(13).build();
        assertEquals(600, splits.train().size());
        assertEquals(300, splits.test().size());
        assertEquals(300, splits.train().stream().filter(m -> m.label().equals("spam")).count());
        assertEquals(150, splits.test().stream().filter(m -> m.label().equals("ham")).count());
        Set<String> trainTexts = new HashSet<>();
        splits.train().forEach(m -> trainTexts.add(m.text()));
        assertTrue(splits.test().stream().noneMatch(m -> trainTexts.contains(m.text())), "no mail in both splits");
        for (SpamAssassinMail.Mail m : splits.train()) {
            assertTrue(m.text().length() <= 600, m.text());
            assertFalse(m.text().matches("(?is).*(content-type:|<html|<br>|<p>).*"), m.text());
        }
        // a bounce quotes the returned mail's headers in its body: a few, not the mail's own header block
        long withHeaders = splits.train().stream().filter(m -> m.text().contains("Received: from")).count();
        assertTrue(withHeaders < 12, withHeaders + " rows still read like headers");
        assertEquals(splits, SpamAssassinMail.corpus().train(600).test(300).seed(13).build(), "same seed, same rows");
        System.out.println(splits.train().subList(0, 4));
    }

    @Test
    void readsSubjectAndBodyWithoutMarkup() {
        String raw = "From x\nReceived: from a\n\tby b\nSubject: Cheap   pills\n Now\nContent-Type: text/html\n\n"
                + "<html><body><p>Buy&nbsp;now=\n!</p>\n<style>p{}</style></body></html>\n";
        assertEquals("Cheap pills Now Buy now!", SpamAssassinMail.readable(raw, 600));
        assertEquals("Cheap", SpamAssassinMail.readable(raw, 5));
    }

    @Test
    void csvQuotesEveryText() {
        assertEquals("text,label\n\"say \"\"hi\"\", ok\",ham\n",
                SpamAssassinMail.csv(List.of(new SpamAssassinMail.Mail("say \"hi\", ok", "ham"))));
    }
}
