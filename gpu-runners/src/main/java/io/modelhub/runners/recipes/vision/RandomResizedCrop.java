package io.modelhub.runners.recipes.vision;

/**
 * Training-time augmentation of decoded images: torchvision's RandomResizedCrop (a box of a random share of the
 * area and aspect ratio, resampled bilinearly back to the full size) and, optionally, RandomHorizontalFlip.
 * <p>
 * The random numbers come from the caller ({@link #DRAWS} uniform [0, 1) values per image, drawn from the engine's
 * generator, which every epoch reseeds from (seed, epoch)): a run is reproducible and a resumed run augments as
 * the uninterrupted one would have. Unlike torchvision, which retries up to 10 boxes that do not fit, one box is
 * drawn and its sides are clamped to the image: the same distribution wherever the box fits, which at the ratios
 * used here is always unless the area share is near 1.
 *
 * @param minScale smallest share of the image's area a crop covers; torchvision's default 0.08 suits 224 px
 *     ImageNet photos, but at the small sizes fine-tuned here (32..224 px) it would often leave a few pixels of an
 *     object, so {@link #DEFAULT} keeps at least 35%
 * @param maxRatio the aspect ratio lies in [1 / maxRatio, maxRatio], log-uniform (torchvision: 4/3)
 * @param flip mirror left-right with probability 1/2 (wrong for digits, text and other chiral classes)
 */
public record RandomResizedCrop(double minScale, double maxRatio, boolean flip) {

    /** Uniform draws per image: area share, log aspect ratio, x offset, y offset, flip. */
    public static final int DRAWS = 5;
    public static final RandomResizedCrop DEFAULT = new RandomResizedCrop(0.35, 4.0 / 3, true);

    public RandomResizedCrop {
        if (!(minScale > 0 && minScale <= 1) || !(maxRatio >= 1)) {
            throw new IllegalArgumentException("crop scale must be in (0, 1] and ratio >= 1, got " + minScale + ", "
                    + maxRatio);
        }
    }

    public RandomResizedCrop withoutFlip() {
        return new RandomResizedCrop(minScale, maxRatio, false);
    }

    /**
     * The augmented copy of a size x size RGB (HWC) image.
     *
     * @param u {@link #DRAWS} uniform values in [0, 1) starting at {@code offset}
     */
    public byte[] apply(byte[] rgb, int size, float[] u, int offset) {
        double area = size * (double) size * (minScale + (1 - minScale) * u[offset]);
        double logRatio = Math.log(maxRatio) * (2 * u[offset + 1] - 1);
        double ratio = Math.exp(logRatio);
        double w = Math.min(size, Math.sqrt(area * ratio));
        double h = Math.min(size, Math.sqrt(area / ratio));
        double x0 = (size - w) * u[offset + 2];
        double y0 = (size - h) * u[offset + 3];
        boolean mirror = flip && u[offset + 4] < 0.5f;
        byte[] out = new byte[rgb.length];
        double sx = w / size;
        double sy = h / size;
        for (int y = 0; y < size; y++) {
            // pixel centres, as torchvision's bilinear resize with align_corners=False samples them
            double fy = Math.max(0, Math.min(size - 1, y0 + (y + 0.5) * sy - 0.5));
            int y1 = (int) fy;
            int y2 = Math.min(size - 1, y1 + 1);
            double dy = fy - y1;
            for (int x = 0; x < size; x++) {
                double fx = Math.max(0, Math.min(size - 1, x0 + (x + 0.5) * sx - 0.5));
                int x1 = (int) fx;
                int x2 = Math.min(size - 1, x1 + 1);
                double dx = fx - x1;
                int o = (y * size + (mirror ? size - 1 - x : x)) * 3;
                for (int c = 0; c < 3; c++) {
                    double top = (rgb[(y1 * size + x1) * 3 + c] & 0xff) * (1 - dx) + (rgb[(y1 * size + x2) * 3 + c] & 0xff) * dx;
                    double bottom = (rgb[(y2 * size + x1) * 3 + c] & 0xff) * (1 - dx)
                            + (rgb[(y2 * size + x2) * 3 + c] & 0xff) * dx;
                    out[o + c] = (byte) Math.round(top * (1 - dy) + bottom * dy);
                }
            }
        }
        return out;
    }
}
