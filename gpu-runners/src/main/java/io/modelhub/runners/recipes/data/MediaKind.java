package io.modelhub.runners.recipes.data;

import java.util.Set;

/**
 * What a class-folder dataset holds: the file extensions this runner decodes, the ones HF datasets use that it
 * cannot (failing loudly on those beats silently training on fewer files), and the words its error messages use.
 *
 * @param noun what one file is, plural, e.g. "images"
 * @param layout the HF dataset builder name, e.g. "imagefolder"
 * @param example how a file below train/&lt;label&gt;/ looks, for layout help, e.g. "&lt;image&gt;.png (or .jpg)"
 * @param supportedHelp what to convert unsupported files to, e.g. "PNG or JPEG"
 */
public record MediaKind(String noun, String layout, String example, Set<String> extensions,
        Set<String> unsupportedExtensions, String supportedHelp) {

    /** Extensions java.awt's ImageIO decodes without plug-ins. */
    public static final MediaKind IMAGES = new MediaKind("images", "imagefolder", "<image>.png (or .jpg)",
            Set.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "wbmp"),
            Set.of("webp", "avif", "heic", "heif", "jxl"), "PNG or JPEG");

    /** Only RIFF WAV is decoded (in pure Java, see io.modelhub.runners.recipes.audio.WavDecoder). */
    public static final MediaKind AUDIO = new MediaKind("audio files", "audiofolder", "<clip>.wav",
            Set.of("wav", "wave"),
            Set.of("mp3", "flac", "ogg", "oga", "opus", "m4a", "aac", "wma", "aiff", "aif", "webm"),
            "WAV (PCM 8/16/24/32-bit integer or 32/64-bit float, any sample rate and channel count)");

    public MediaKind {
        extensions = Set.copyOf(extensions);
        unsupportedExtensions = Set.copyOf(unsupportedExtensions);
    }
}
