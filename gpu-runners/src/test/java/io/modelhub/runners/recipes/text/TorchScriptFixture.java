package io.modelhub.runners.recipes.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The bring-your-own TorchScript text encoder in src/test/resources/torchscript-text-encoder, made by
 * src/test/scripts/make_torchscript_fixture.py, copied into a folder of the test's own.
 */
final class TorchScriptFixture {

    private TorchScriptFixture() {
    }

    static Path copyTo(Path dir) {
        try {
            Path source = Path.of(TorchScriptFixture.class.getResource("/torchscript-text-encoder/model.pt").toURI())
                    .getParent();
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(source)) {
                for (Path file : files.toList()) {
                    Files.copy(file, dir.resolve(file.getFileName()));
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
