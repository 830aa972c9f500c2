package io.modelhub.commits;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** Immutable once written; its id is the sha1 of its content (parent, files, author, time, message). */
@Entity
@Table(name = "commits")
public class Commit extends PanacheEntityBase {
    @Id
    public String id;
    @Column(name = "repo_id")
    public Long repoId;
    @Column(name = "parent_id")
    public String parentId;
    public String title;
    public String message;
    @Column(name = "author_id")
    public Long authorId;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "file_count")
    public int fileCount;
    @Column(name = "total_size")
    public long totalSize;
}
