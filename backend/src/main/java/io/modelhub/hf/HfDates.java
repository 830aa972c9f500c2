package io.modelhub.hf;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** huggingface_hub parses only "YYYY-MM-DDTHH:MM:SS[.fraction]Z"; "+00:00" raises. */
public final class HfDates {
    private HfDates() {
    }

    public static String format(Instant instant) {
        if (instant == null) {
            return null;
        }
        Instant millis = instant.truncatedTo(ChronoUnit.MILLIS);
        String s = millis.toString();
        return s.contains(".") ? s : s.replace("Z", ".000Z");
    }
}
