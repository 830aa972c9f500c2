package io.modelhub.storage.inspect;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.Code;
import org.commonmark.node.CustomBlock;
import org.commonmark.node.HardLineBreak;
import org.commonmark.node.Heading;
import org.commonmark.node.Image;
import org.commonmark.node.Link;
import org.commonmark.node.Node;
import org.commonmark.node.Paragraph;
import org.commonmark.node.SoftLineBreak;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A model card ({@code README.md}): optional YAML front matter between a first line {@code ---} and the next
 * {@code ---} line, then markdown. The front matter keys follow the Hugging Face model card metadata.
 */
public final class ModelCard {

    /** Front matter is metadata, not documents; this bounds what a hostile README can make the parser chew. */
    public static final int MAX_FRONT_MATTER_CHARS = 1 << 20;

    private static final List<org.commonmark.Extension> EXTENSIONS = List.of(TablesExtension.create());
    private static final Parser MARKDOWN = Parser.builder().extensions(EXTENSIONS).build();
    /** Raw HTML is shown as text and only http, https and mailto links survive, so the output is safe to embed. */
    private static final HtmlRenderer HTML = HtmlRenderer.builder()
            .extensions(EXTENSIONS)
            .escapeHtml(true)
            .sanitizeUrls(true)
            .attributeProviderFactory(context -> (node, tagName, attributes) -> {
                if (node instanceof Link) {
                    attributes.put("rel", "nofollow noopener noreferrer");
                }
            })
            .build();

    private final Map<String, Object> frontMatter;
    private final String body;
    private final Node document;

    private ModelCard(Map<String, Object> frontMatter, String body) {
        this.frontMatter = frontMatter;
        this.body = body;
        this.document = MARKDOWN.parse(body);
    }

    public static ModelCard parse(String markdown) throws InspectionException {
        String text = markdown.startsWith("\uFEFF") ? markdown.substring(1) : markdown;
        List<String> lines = text.lines().toList();
        if (lines.isEmpty() || !lines.get(0).strip().equals("---")) {
            return new ModelCard(Map.of(), text);
        }
        int close = 1;
        while (close < lines.size() && !lines.get(close).strip().equals("---")) {
            close++;
        }
        if (close == lines.size()) {
            throw new InspectionException("README.md front matter opened by --- on line 1 is never closed by a"
                    + " --- line");
        }
        String yaml = String.join("\n", lines.subList(1, close));
        String body = String.join("\n", lines.subList(close + 1, lines.size()));
        return new ModelCard(frontMatter(yaml), body);
    }

    private static Map<String, Object> frontMatter(String yaml) throws InspectionException {
        if (yaml.length() > MAX_FRONT_MATTER_CHARS) {
            throw new InspectionException("README.md front matter is " + yaml.length() + " characters; at most "
                    + MAX_FRONT_MATTER_CHARS + " are accepted");
        }
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_FRONT_MATTER_CHARS);
        options.setMaxAliasesForCollections(20);
        options.setNestingDepthLimit(32);
        options.setAllowRecursiveKeys(false);
        Object document;
        try {
            // SafeConstructor builds only maps, lists and scalars, whatever tags the YAML carries
            document = new Yaml(new SafeConstructor(options)).load(yaml);
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            // the front matter starts on line 2 of the file; marks count from 0
            String where = mark == null ? "" : " at line " + (mark.getLine() + 2) + ", column " + (mark.getColumn() + 1);
            String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
            throw new InspectionException("README.md front matter is not valid YAML: " + problem + where, e);
        } catch (YAMLException e) {
            throw new InspectionException("README.md front matter is not valid YAML: " + e.getMessage(), e);
        }
        if (document == null) {
            return Map.of();
        }
        if (!(document instanceof Map<?, ?> map)) {
            throw new InspectionException("README.md front matter must be a YAML mapping of keys to values, not a "
                    + (document instanceof List ? "list" : "single value"));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        map.forEach((key, value) -> result.put(String.valueOf(key), value));
        return Collections.unmodifiableMap(result);
    }

    public String license() {
        return scalar("license");
    }

    public String pipelineTag() {
        return scalar("pipeline_tag");
    }

    public String libraryName() {
        return scalar("library_name");
    }

    public List<String> languages() {
        // YAML 1.1 reads the Norwegian code `no` as false
        return strings("language").stream().map(l -> l.equals("false") ? "no" : l).toList();
    }

    public List<String> datasets() {
        return strings("datasets");
    }

    public List<String> baseModels() {
        return strings("base_model");
    }

    public List<String> tags() {
        return strings("tags");
    }

    /** The evaluation results as written ({@code model-index}), or null. */
    public Object modelIndex() {
        return frontMatter.get("model-index");
    }

    public Map<String, Object> frontMatter() {
        return frontMatter;
    }

    /** The markdown after the front matter. */
    public String body() {
        return body;
    }

    /** The body as HTML that is safe to put into a page. */
    public String bodyHtml() {
        return HTML.render(document);
    }

    /**
     * The prose of the body as plain text, without headings, code, tables and images, cut at a word boundary to
     * at most {@code maxChars} characters (an ellipsis marks the cut).
     */
    public String summary(int maxChars) {
        if (maxChars < 1) {
            throw new IllegalArgumentException("maxChars must be positive, got " + maxChars);
        }
        Prose prose = new Prose();
        document.accept(prose);
        String text = prose.text.toString().replaceAll("\\s+", " ").strip();
        if (text.length() <= maxChars) {
            return text;
        }
        int cut = text.lastIndexOf(' ', maxChars - 1);
        if (cut < maxChars / 2) {
            cut = maxChars - 1;
        }
        return text.substring(0, cut).stripTrailing() + "…";
    }

    private String scalar(String key) {
        Object value = frontMatter.get(key);
        return value instanceof String || value instanceof Number || value instanceof Boolean
                ? value.toString() : null;
    }

    /** A key that may hold one value or a list of them. */
    private List<String> strings(String key) {
        Object value = frontMatter.get(key);
        Collection<?> values = value instanceof Collection<?> c ? c : value == null ? List.of() : List.of(value);
        return values.stream()
                .filter(v -> v instanceof String || v instanceof Number || v instanceof Boolean)
                .map(Objects::toString)
                .toList();
    }

    /** Collects the text of paragraphs. */
    private static final class Prose extends AbstractVisitor {

        final StringBuilder text = new StringBuilder();

        @Override
        public void visit(Paragraph paragraph) {
            visitChildren(paragraph);
            text.append(' ');
        }

        @Override
        public void visit(Text node) {
            text.append(node.getLiteral());
        }

        @Override
        public void visit(Code code) {
            text.append(code.getLiteral());
        }

        @Override
        public void visit(SoftLineBreak lineBreak) {
            text.append(' ');
        }

        @Override
        public void visit(HardLineBreak lineBreak) {
            text.append(' ');
        }

        @Override
        public void visit(Heading heading) {
            // usually the model's name, which the page shows anyway
        }

        @Override
        public void visit(Image image) {
            // badges and pictures; their alt text is not prose
        }

        @Override
        public void visit(CustomBlock block) {
            // tables
        }
    }
}
