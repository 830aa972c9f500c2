package io.modelhub.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.xet.CasStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Object keys and S3 clients stay inside the storage implementation (issue 17): only a {@link BlobStore}
 * implementation, with its nested classes, may use an S3 client library or hold an object-key prefix of the store's
 * layout, so that the layout and the client can change in one place. Checked on the backend's and hub-storage's main
 * classes.
 */
class StorageBoundaryTest {
    /** Key prefixes of the store's layout; a constant string starting with one of them builds a key. */
    static final List<String> KEY_PREFIXES = List.of("blobs/", "staging/", "xet/");
    static final String[] S3_CLIENTS = {"io.minio..", "software.amazon.awssdk..", "com.amazonaws.."};

    static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        List<Path> roots = Stream.of(Path.of("target", "classes"), Path.of("..", "hub-storage", "target", "classes"))
                .filter(p -> Files.isDirectory(p.resolve("io/modelhub"))).toList();
        assertEquals(2, roots.size(), "compile the backend and hub-storage first");
        classes = new ClassFileImporter().importPaths(roots);
    }

    /** The class itself, or the class it is nested in, implements BlobStore. */
    static final DescribedPredicate<JavaClass> STORAGE_IMPLEMENTATION = DescribedPredicate.describe(
            "a BlobStore or CasStore implementation", c -> !topLevel(c).isInterface()
                    && (topLevel(c).isAssignableTo(BlobStore.class) || topLevel(c).isAssignableTo(CasStore.class)));

    /** The embedded S3 server (S3Proxy's side of the protocol, whose model types are the AWS SDK's) is no client. */
    static final String EMBEDDED_SERVER = "io.modelhub.storage.s3..";

    static ArchRule noS3ClientOutsideTheStore() {
        return noClasses().that(DescribedPredicate.not(STORAGE_IMPLEMENTATION)).and().resideOutsideOfPackage(EMBEDDED_SERVER)
                .should().dependOnClassesThat().resideInAnyPackage(S3_CLIENTS)
                .because("the store implementation owns its client (issue 17)");
    }

    @Test
    void noClassOutsideTheStoreUsesAnS3Client() {
        noS3ClientOutsideTheStore().check(classes);
    }

    @Test
    void noClassOutsideTheStoreBuildsAnObjectKey() {
        List<String> offenders = new ArrayList<>();
        for (JavaClass c : classes) {
            if (!STORAGE_IMPLEMENTATION.test(c)) {
                keyLiterals(c).forEach(k -> offenders.add(c.getName() + ": \"" + k + "\""));
            }
        }
        assertEquals(List.of(), offenders, "only the BlobStore implementation knows its key layout");
    }

    /** The checks see what they forbid, and the store itself is what they allow. */
    @Test
    void theChecksSeeWhatTheyForbid() {
        JavaClasses samples = new ClassFileImporter().importClasses(Samples.KeyBuilder.class, Samples.ClientBuilder.class);
        assertTrue(noS3ClientOutsideTheStore().evaluate(samples).hasViolation());
        List<String> literals = keyLiterals(samples.get(Samples.KeyBuilder.class));
        assertEquals(1, literals.size(), literals.toString());
        // string concatenation keeps its constant parts in a recipe
        assertTrue(literals.get(0).startsWith("staging/"), literals.toString());
        JavaClass store = classes.get("io.modelhub.storage.blobs.S3BlobStore");
        assertTrue(STORAGE_IMPLEMENTATION.test(store));
        assertFalse(keyLiterals(store).isEmpty());
        assertFalse(STORAGE_IMPLEMENTATION.test(classes.get("io.modelhub.hf.LfsUploads")));
    }

    private static JavaClass topLevel(JavaClass c) {
        JavaClass top = c;
        while (top.getEnclosingClass().isPresent()) {
            top = top.getEnclosingClass().get();
        }
        return top;
    }

    /** The string constants of a class file that start with a key prefix (its constant pool's UTF-8 entries). */
    static List<String> keyLiterals(JavaClass c) {
        List<String> found = new ArrayList<>();
        try (InputStream raw = c.getSource().orElseThrow().getUri().toURL().openStream();
             DataInputStream in = new DataInputStream(raw)) {
            in.skipNBytes(8);
            int count = in.readUnsignedShort();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> {
                        String s = in.readUTF();
                        if (KEY_PREFIXES.stream().anyMatch(s::startsWith)) {
                            found.add(s);
                        }
                    }
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                    case 5, 6 -> {
                        in.skipNBytes(8);
                        i++;
                    }
                    case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
                    case 15 -> in.skipNBytes(3);
                    default -> throw new IllegalStateException("constant pool tag " + tag + " in " + c.getName());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    static final class Samples {
        static final class KeyBuilder {
            String key(String id) {
                return "staging/" + id;
            }
        }

        static final class ClientBuilder {
            Object client() {
                return io.minio.MinioAsyncClient.builder();
            }
        }
    }
}
