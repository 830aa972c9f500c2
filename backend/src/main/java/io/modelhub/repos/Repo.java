package io.modelhub.repos;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

@Entity
@Table(name = "repos")
public class Repo extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String type;
    public String namespace;
    public String name;

    @Column(name = "owner_id")
    public Long ownerId;

    @Column(name = "private")
    public boolean privateRepo;

    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;

    public long downloads;
    public int likes;

    // Derived from the default branch's head at commit time (see RepoIndexer).
    public String license;
    @Column(name = "pipeline_tag")
    public String pipelineTag;
    @Column(name = "library_name")
    public String libraryName;
    public String modality = "unknown";
    @Column(name = "model_type")
    public String modelType;
    @JdbcTypeCode(SqlTypes.ARRAY)
    public List<String> architectures = new ArrayList<>();
    @JdbcTypeCode(SqlTypes.ARRAY)
    public List<String> tags = new ArrayList<>();
    @JdbcTypeCode(SqlTypes.ARRAY)
    public List<String> languages = new ArrayList<>();
    @JdbcTypeCode(SqlTypes.ARRAY)
    public List<String> datasets = new ArrayList<>();
    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "base_models")
    public List<String> baseModels = new ArrayList<>();
    public Long parameters;
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "dtype_parameters")
    public Map<String, Long> dtypeParameters;
    @Column(name = "total_size")
    public long totalSize;
    @Column(name = "card_summary")
    public String cardSummary;
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "dataset_schema")
    public DatasetSchema datasetSchema;

    public RepoType repoType() {
        return RepoType.fromId(type);
    }

    public RepoName repoName() {
        return new RepoName(repoType(), namespace, name);
    }

    /** "namespace/name" */
    public String fullId() {
        return namespace + "/" + name;
    }
}
