package io.modelhub.runners.recipes.audio;

import java.util.Locale;

/**
 * A kind of synthetic sound that {@link SoundSynthesizer} renders, for test and demo datasets: what tells one
 * class from another is its spectro-temporal shape (pitch, sweep direction, band, rhythm), never its loudness.
 *
 * @param shape what the sound is
 * @param lowHz the tone's frequency, a chirp's start, a noise band's lower edge, a harmonic sound's fundamental
 * @param highHz a chirp's end, a noise band's upper edge, the pulse rate per second of {@link Shape#PULSES};
 *               unused (0) otherwise
 * @param label the class folder name
 */
public record SoundClass(Shape shape, double lowHz, double highHz, String label) {

    public enum Shape {
        /** A sine at lowHz. */
        TONE,
        /** A linear sweep from lowHz to highHz (down if highHz is lower). */
        CHIRP,
        /** Noise limited to lowHz..highHz (a sum of many sines at random frequencies and phases in the band). */
        NOISE_BAND,
        /** A sine at lowHz switched on and off highHz times a second. */
        PULSES,
        /** A fundamental at lowHz with harmonics 2..5 at falling levels. */
        HARMONIC
    }

    public static SoundClass tone(double hz) {
        return new SoundClass(Shape.TONE, hz, 0, "tone-" + hz(hz));
    }

    public static SoundClass chirp(double fromHz, double toHz) {
        return new SoundClass(Shape.CHIRP, fromHz, toHz, "chirp-" + hz(fromHz) + "-" + hz(toHz));
    }

    public static SoundClass noiseBand(double lowHz, double highHz) {
        return new SoundClass(Shape.NOISE_BAND, lowHz, highHz, "noise-" + hz(lowHz) + "-" + hz(highHz));
    }

    public static SoundClass pulses(double hz, double perSecond) {
        return new SoundClass(Shape.PULSES, hz, perSecond, "pulses-" + hz(hz) + "-" + hz(perSecond));
    }

    public static SoundClass harmonic(double fundamentalHz) {
        return new SoundClass(Shape.HARMONIC, fundamentalHz, 0, "harmonic-" + hz(fundamentalHz));
    }

    /** The same sound under another class folder name. */
    public SoundClass labelled(String newLabel) {
        return new SoundClass(shape, lowHz, highHz, newLabel);
    }

    private static String hz(double hz) {
        return hz == Math.rint(hz) ? Long.toString((long) hz) : String.format(Locale.ROOT, "%.1f", hz);
    }
}
