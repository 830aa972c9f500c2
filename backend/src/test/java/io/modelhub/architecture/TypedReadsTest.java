package io.modelhub.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import io.modelhub.jobs.JobState;
import jakarta.persistence.Tuple;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Native query rows are read by column name ({@code createNativeQuery(sql, Tuple.class)}, then
 * {@code row.get("column", Type.class)}), never by position: a positional read goes wrong without a sound when a
 * select gains or loses a column. And a job's state is a {@link JobState} in code: its wire name is spelled by the
 * enum and by the migrations (the CHECK constraint) only.
 */
class TypedReadsTest {
    /** The shape of a positional row: a native query without a result class hands out each row as an Object[]. */
    static final Pattern POSITIONAL_ROW = Pattern.compile("Object\\s*\\[\\s*]");

    /** A JDBC column read by its number: rs.getLong(1). Look the column up by name instead (rs.findColumn("name")). */
    static final Pattern NUMBERED_COLUMN = Pattern.compile(
            "\\.get(Long|Int|String|Double|Float|Short|Boolean|Object|Timestamp|Date|BigDecimal|Bytes|Array)\\(\\s*[0-9]");

    /** A job state's wire name as a whole Java string or SQL literal: "queued", 'running'. */
    static final Pattern STATE_LITERAL = Pattern.compile("[\"'](" + Arrays.stream(JobState.values()).map(JobState::wire)
            .collect(Collectors.joining("|")) + ")[\"']");

    /** The backend's main sources, and the UI's (the module beside it, which reads the backend's services). */
    static final List<Path> SOURCES = Stream.of(Path.of("src", "main"), Path.of("..", "ui", "src", "main"))
            .filter(Files::isDirectory).toList();

    @Test
    void nativeRowsAreReadByColumnName() {
        List<String> found = scan(POSITIONAL_ROW, ".java");
        assertEquals(List.of(), found, "rows read by position (Object[]): select with aliases into "
                + "createNativeQuery(sql, Tuple.class) and read row.get(\"alias\", Type.class) instead");
        found = scan(NUMBERED_COLUMN, ".java");
        assertEquals(List.of(), found, "JDBC columns read by number: read them by name (rs.findColumn(\"name\") once, before the loop)");
    }

    @Test
    void tuplesAreReadByColumnName() {
        Path classes = Path.of("target", "classes");
        assertTrue(Files.isDirectory(classes.resolve("io/modelhub")), "compile the backend first: " + classes.toAbsolutePath());
        positionalTupleReads().check(new ClassFileImporter().importPath(classes));
    }

    @Test
    void jobStatesAreSpelledByTheEnumOnly() {
        List<String> found = scan(STATE_LITERAL, ".java", ".sql");
        assertEquals(List.of(), found, "job states as literals: use JobState (wire() for the API, sql() in a native query)");
    }

    /** The rules bite: each sees what it forbids, in code shaped as a query site, and passes the typed version of it. */
    @Test
    void theRulesSeeWhatTheyForbid() {
        assertEquals(List.of("2"), matchingLines(POSITIONAL_ROW, List.of("for (Object row : query.getResultList()) {",
                "    Object[] c = (Object[]) row;", "    Tuple t = (Tuple) row; // no Object[] here: a comment")));
        assertEquals(List.of("1"), matchingLines(NUMBERED_COLUMN, List.of("long j = rs.getLong(1);", "long j = rs.getLong(jobColumn);",
                "Object first = rows.get(0);")));
        assertEquals(List.of("1", "2"), matchingLines(STATE_LITERAL, List.of("JobState.of(\"queued\")",
                "\"select count(*) from jobs where state = 'running'\"", "\"where state = \" + JobState.QUEUED.sql()",
                "\"the job failed\"")));
        JavaClasses samples = new ClassFileImporter().importClasses(Samples.ByPosition.class, Samples.ByName.class);
        assertTrue(positionalTupleReads().evaluate(samples).hasViolation());
        JavaClasses clean = new ClassFileImporter().importClasses(Samples.ByName.class);
        assertFalse(positionalTupleReads().evaluate(clean).hasViolation());
    }

    private static ArchRule positionalTupleReads() {
        return noClasses().should().callMethod(Tuple.class, "get", int.class)
                .orShould().callMethod(Tuple.class, "get", int.class, Class.class)
                .orShould().callMethod(Tuple.class, "toArray")
                .because("a tuple is read by column name: row.get(\"alias\", Type.class)");
    }

    /** "path:line: text" of each line under {@link #SOURCES} with a file name ending in one of {@code suffixes}. */
    private static List<String> scan(Pattern forbidden, String... suffixes) {
        assertFalse(SOURCES.isEmpty(), "run from the backend module's folder");
        List<String> found = new ArrayList<>();
        for (Path root : SOURCES) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(p -> Stream.of(suffixes).anyMatch(s -> p.toString().endsWith(s)))
                        // the migrations define the states (CHECK constraint): the one other place that spells them
                        .filter(p -> !p.toString().contains("db" + p.getFileSystem().getSeparator() + "migration")).sorted().toList()) {
                    List<String> lines = Files.readAllLines(f);
                    for (String n : matchingLines(forbidden, lines)) {
                        found.add(f + ":" + n + ": " + lines.get(Integer.parseInt(n) - 1).trim());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return found;
    }

    /** 1-based numbers of the lines where {@code forbidden} occurs in code (a comment's words are not code). */
    static List<String> matchingLines(Pattern forbidden, List<String> lines) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.trim();
            if (trimmed.startsWith("*") || trimmed.startsWith("/*") || trimmed.startsWith("//") || trimmed.startsWith("--")) {
                continue;
            }
            int comment = line.indexOf("//");
            if (forbidden.matcher(comment < 0 ? line : line.substring(0, comment)).find()) {
                out.add(String.valueOf(i + 1));
            }
        }
        return out;
    }

    /** What the tuple rule forbids and what it allows; never run. */
    static final class Samples {
        private Samples() {
        }

        static final class ByPosition {
            Object first(Tuple row) {
                return row.get(0);
            }
        }

        static final class ByName {
            String name(Tuple row) {
                return row.get("name", String.class);
            }
        }
    }
}
