package io.modelhub.runners.recipes.data;

import io.modelhub.storage.datasets.Media;
import java.util.Set;

/**
 * What a class-folder dataset holds, in the words of this runner's loaders: a view of hub-storage's {@link Media},
 * the one list of extensions the runners decode (and of those HF datasets use that they cannot: failing loudly on
 * those beats silently training on fewer files) that the hub's dataset inspector reads too.
 */
public record MediaKind(Media media) {

    /** What ImageIO decodes here, its WebP reader (TwelveMonkeys) included. */
    public static final MediaKind IMAGES = new MediaKind(Media.IMAGE);

    /** Only RIFF WAV is decoded (in pure Java, see io.modelhub.runners.recipes.audio.WavDecoder). */
    public static final MediaKind AUDIO = new MediaKind(Media.AUDIO);

    /** What one file is, plural, e.g. "images". */
    public String noun() {
        return media.noun();
    }

    /** The HF dataset builder name, e.g. "imagefolder". */
    public String layout() {
        return media.folderFormat();
    }

    /** How a file below train/&lt;label&gt;/ looks, for layout help, e.g. "&lt;image&gt;.png (or .jpg)". */
    public String example() {
        return media.example();
    }

    public Set<String> extensions() {
        return media.extensions();
    }

    public Set<String> unsupportedExtensions() {
        return media.undecodableExtensions();
    }

    /** What to convert unsupported files to, e.g. "PNG or JPEG". */
    public String supportedHelp() {
        return media.convertTo();
    }
}
