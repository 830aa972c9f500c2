package io.modelhub.storage.datasets;

import java.util.Locale;
import java.util.Set;

/**
 * The media files a dataset can hold, by extension: the ones the runners decode, and the ones Hugging Face datasets
 * use that they cannot. The hub catalogs both (a folder of .flac clips is an audio dataset), so that a job on
 * undecodable files is refused with the conversion to make rather than trained on fewer files; the runners fail
 * loudly on them for the same reason.
 *
 * @param modality the hub's modality of a dataset of these files ("vision", "audio")
 * @param folderFormat the HF dataset builder of class folders of these files ("imagefolder", "audiofolder")
 * @param noun what one file is, plural, for messages ("images")
 * @param example how a file below train/&lt;label&gt;/ looks, for layout help
 * @param convertTo what to convert undecodable files to, for messages
 */
public enum Media {
    /**
     * What the runners' java.awt ImageIO reads: its own readers plus TwelveMonkeys' WebP reader, which the runner
     * jar registers through META-INF/services (gpu-runners' DatasetLayoutAgreementTest decodes every one of these).
     */
    IMAGE("vision", "imagefolder", "images", "<image>.png (or .jpg)", "PNG or JPEG",
            Set.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "wbmp", "webp"),
            Set.of("avif", "heic", "heif", "jxl")),
    /** Only RIFF WAV is decoded (in pure Java, by the runners' WavDecoder). */
    AUDIO("audio", "audiofolder", "audio files", "<clip>.wav",
            "WAV (PCM 8/16/24/32-bit integer or 32/64-bit float, any sample rate and channel count)",
            Set.of("wav", "wave"),
            Set.of("mp3", "flac", "ogg", "oga", "opus", "m4a", "aac", "wma", "aiff", "aif", "webm"));

    private final String modality;
    private final String folderFormat;
    private final String noun;
    private final String example;
    private final String convertTo;
    private final Set<String> extensions;
    private final Set<String> undecodableExtensions;

    Media(String modality, String folderFormat, String noun, String example, String convertTo, Set<String> extensions,
            Set<String> undecodableExtensions) {
        this.modality = modality;
        this.folderFormat = folderFormat;
        this.noun = noun;
        this.example = example;
        this.convertTo = convertTo;
        this.extensions = extensions;
        this.undecodableExtensions = undecodableExtensions;
    }

    /** The media a file is (decodable or not) by its path's extension, or null when it is not a media file. */
    public static Media ofPath(String path) {
        String ext = extension(path);
        for (Media media : values()) {
            if (media.extensions.contains(ext) || media.undecodableExtensions.contains(ext)) {
                return media;
            }
        }
        return null;
    }

    /** Whether the runners decode this file (the path is one of this media's). */
    public boolean decodes(String path) {
        return extensions.contains(extension(path));
    }

    /**
     * A runner's refusal of a file of this media that it cannot decode, saying what to convert it to.
     *
     * @param file how to name the file in the message
     */
    public String undecodableMessage(String file) {
        return "file " + file + " is ." + extension(file) + ", which this runner cannot decode; convert the dataset's "
                + noun + " to " + convertTo;
    }

    /** Lower-case extension of a path or file name, without the dot; "" when it has none. */
    public static String extension(String path) {
        int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        int dot = path.lastIndexOf('.');
        return dot <= slash ? "" : path.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    public String modality() {
        return modality;
    }

    public String folderFormat() {
        return folderFormat;
    }

    public String noun() {
        return noun;
    }

    public String example() {
        return example;
    }

    public String convertTo() {
        return convertTo;
    }

    /** Extensions the runners decode. */
    public Set<String> extensions() {
        return extensions;
    }

    /** Extensions of this media the runners recognise but cannot decode. */
    public Set<String> undecodableExtensions() {
        return undecodableExtensions;
    }
}
