package io.modelhub.catalog;

import io.modelhub.commits.DefaultBranchMoved;
import io.modelhub.commits.FileCommitting;
import io.modelhub.commits.RepoFile;
import jakarta.enterprise.event.Observes;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.JsonText;
import io.modelhub.datasets.DatasetInspector;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoType;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.inspect.InspectionException;
import io.modelhub.storage.inspect.Modality;
import io.modelhub.storage.inspect.ModelCard;
import io.modelhub.storage.inspect.ModelConfig;
import io.modelhub.storage.inspect.PipelineTags;
import io.modelhub.storage.inspect.SafetensorsHeader;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Runs the model-file inspectors at commit time and keeps the repository's searchable metadata (card fields,
 * architecture, parameter counts, modality) in step with its default branch. An inspector that finds a broken
 * file refuses the commit, so broken metadata never becomes visible.
 */
@ApplicationScoped
public class RepoIndexer {
    static final int MAX_TEXT_BYTES = 4 * 1024 * 1024;

    @Inject
    EntityManager em;
    @Inject
    BlobStore store;
    @Inject
    JsonText json;
    @Inject
    DatasetInspector datasets;
    @Inject
    jakarta.enterprise.event.Event<CardIndexed> cardIndexed;

    enum Kind { CARD, CONFIG, SAFETENSORS }

    static Optional<Kind> kindOf(String path) {
        if (path.equalsIgnoreCase("README.md")) {
            return Optional.of(Kind.CARD);
        }
        if (path.equals("config.json")) {
            return Optional.of(Kind.CONFIG);
        }
        if (path.endsWith(".safetensors")) {
            return Optional.of(Kind.SAFETENSORS);
        }
        return Optional.empty();
    }

    void onFileCommitting(@Observes FileCommitting event) {
        inspect(event.path(), event.file());
    }

    void onDefaultBranchMoved(@Observes DefaultBranchMoved event) {
        index(event.repo(), event.files());
    }

    /** Inspects a file being committed (once per content); refuses it with a 400 naming the file if broken. */
    public void inspect(String path, RepoFile file) {
        kindOf(path).ifPresent(kind -> result(kind, file));
    }

    /** Recomputes the repository's derived columns from the files of its default branch's head. */
    public void index(Repo repo, List<RepoFile> files) {
        repo.totalSize = files.stream().mapToLong(RepoFile::size).sum();
        Map<String, Object> card = Map.of();
        Map<String, Object> config = Map.of();
        Map<String, Long> dtypes = new TreeMap<>();
        boolean hasWeights = false;
        RepoFile readme = null;
        RepoFile configFile = null;
        for (RepoFile f : files) {
            Optional<Kind> kind = kindOf(f.path());
            if (kind.isEmpty()) {
                continue;
            }
            Map<String, Object> r = result(kind.get(), f);
            switch (kind.get()) {
                case CARD -> {
                    card = r;
                    readme = f;
                }
                case CONFIG -> {
                    config = r;
                    configFile = f;
                }
                case SAFETENSORS -> {
                    hasWeights = true;
                    @SuppressWarnings("unchecked")
                    Map<String, Number> params = (Map<String, Number>) r.getOrDefault("parameters", Map.of());
                    params.forEach((dtype, n) -> dtypes.merge(dtype, n.longValue(), Long::sum));
                }
            }
        }
        repo.license = str(card.get("license"));
        repo.pipelineTag = str(card.get("pipeline_tag"));
        repo.libraryName = str(card.get("library_name"));
        repo.languages = list(card.get("languages"));
        repo.datasets = list(card.get("datasets"));
        repo.baseModels = list(card.get("base_models"));
        repo.tags = list(card.get("tags"));
        repo.cardSummary = str(card.get("summary"));
        repo.architectures = list(config.get("architectures"));
        repo.modelType = str(config.get("model_type"));
        repo.dtypeParameters = hasWeights ? dtypes : null;
        repo.parameters = hasWeights ? dtypes.values().stream().mapToLong(Long::longValue).sum() : null;
        repo.modality = Modality.derive(repo.pipelineTag, repo.modelType, repo.architectures, repo.tags).id();
        if (repo.pipelineTag == null && repo.repoType() == RepoType.MODEL) {
            // the card's tag wins; without one, the task config.json implies (modality stays as derived above)
            List<String> modalities = config.containsKey("modalities") ? list(config.get("modalities")) : null;
            if (modalities == null && PipelineTags.DUAL_ENCODER.equals(repo.modelType) && configFile != null) {
                // inspections cached before modalities were recorded lack the key
                modalities = list(readConfig(configFile).raw().get("modalities"));
            }
            repo.pipelineTag = PipelineTags.derive(repo.modelType, repo.architectures == null ? List.of() : repo.architectures,
                    modalities, files.stream().map(RepoFile::path).collect(java.util.stream.Collectors.toSet()));
        }
        if (repo.repoType() == RepoType.MODEL) {
            // Inspections cached before model_index was recorded lack the key: read the card once more for those.
            Object modelIndex = readme == null ? null
                    : card.containsKey("model_index") ? card.get("model_index") : readCard(readme).modelIndex();
            cardIndexed.fire(new CardIndexed(repo, modelIndex));
        }
        if (repo.repoType() == RepoType.DATASET) {
            repo.datasetSchema = datasets.inspect(files);
            if (repo.modality.equals("unknown")) {
                repo.modality = repo.datasetSchema.modality();
            }
        }
    }

    /** The parsed README.md, for display (the body is rendered on demand, it is not indexed). */
    public ModelCard readCard(RepoFile readme) {
        try {
            return ModelCard.parse(new String(readSmall(readme), StandardCharsets.UTF_8));
        } catch (InspectionException e) {
            throw ApiException.badRequest(readme.path() + ": " + e.getMessage());
        }
    }

    private ModelConfig readConfig(RepoFile file) {
        try {
            return ModelConfig.parse(readSmall(file));
        } catch (InspectionException e) {
            throw ApiException.badRequest(file.path() + ": " + e.getMessage());
        }
    }

    /** The tensors of a safetensors file, read from its header alone. */
    public SafetensorsHeader readSafetensors(RepoFile file) {
        try {
            return SafetensorsHeader.read(store, file.sha256(), file.size());
        } catch (InspectionException | IOException e) {
            throw ApiException.badRequest(file.path() + ": " + e.getMessage());
        }
    }

    private Map<String, Object> result(Kind kind, RepoFile file) {
        List<?> cached = em.createNativeQuery("select cast(result as text) as result, error from blob_inspections where sha256 = ?1 "
                        + "and kind = ?2", Tuple.class)
                .setParameter(1, file.sha256()).setParameter(2, kind.name()).getResultList();
        if (!cached.isEmpty()) {
            Tuple row = (Tuple) cached.get(0);
            if (row.get("error") != null) {
                throw ApiException.badRequest(file.path() + ": " + row.get("error"));
            }
            return json.readMap(row.get("result", String.class));
        }
        Map<String, Object> result;
        try {
            result = compute(kind, file);
        } catch (InspectionException e) {
            // Not cached: the failed commit rolls back, and the blob row may not even exist yet.
            throw ApiException.badRequest(file.path() + ": " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        em.flush();
        em.createNativeQuery("insert into blobs (sha256, size, git_sha1) values (?1, ?2, ?3) on conflict do nothing")
                .setParameter(1, file.sha256()).setParameter(2, file.size()).setParameter(3, file.gitSha1()).executeUpdate();
        em.createNativeQuery("insert into blob_inspections (sha256, kind, result) values (?1, ?2, cast(?3 as jsonb)) "
                        + "on conflict do nothing")
                .setParameter(1, file.sha256()).setParameter(2, kind.name()).setParameter(3, json.write(result)).executeUpdate();
        return result;
    }

    private Map<String, Object> compute(Kind kind, RepoFile file) throws InspectionException, IOException {
        Map<String, Object> r = new LinkedHashMap<>();
        switch (kind) {
            case CARD -> {
                ModelCard card = ModelCard.parse(new String(readSmall(file), StandardCharsets.UTF_8));
                r.put("license", card.license());
                r.put("pipeline_tag", card.pipelineTag());
                r.put("library_name", card.libraryName());
                r.put("languages", card.languages());
                r.put("datasets", card.datasets());
                r.put("base_models", card.baseModels());
                r.put("tags", card.tags());
                r.put("summary", card.summary(2000));
                r.put("model_index", card.modelIndex());
            }
            case CONFIG -> {
                ModelConfig config = ModelConfig.parse(readSmall(file));
                r.put("architectures", config.architectures());
                r.put("model_type", config.modelType());
                if (config.raw().get("modalities") instanceof List<?> modalities) {
                    r.put("modalities", modalities);
                }
            }
            case SAFETENSORS -> {
                SafetensorsHeader header = SafetensorsHeader.read(store, file.sha256(), file.size());
                r.put("parameters", header.parametersByDtype());
                r.put("total", header.totalParameters());
                r.put("tensors", header.tensors().size());
            }
        }
        return r;
    }

    private byte[] readSmall(RepoFile file) {
        if (file.size() > MAX_TEXT_BYTES) {
            throw ApiException.badRequest(file.path() + " is " + file.size() + " bytes; at most " + MAX_TEXT_BYTES + " are read");
        }
        try (InputStream in = store.open(file.sha256(), 0, -1)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String str(Object o) {
        return o == null || o.toString().isBlank() ? null : o.toString();
    }

    private static List<String> list(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof List<?> l) {
            l.stream().filter(x -> x != null).map(Object::toString).forEach(out::add);
        }
        return out;
    }
}
