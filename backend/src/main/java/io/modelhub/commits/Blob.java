package io.modelhub.commits;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** One distinct content, stored once in the object store under its sha256. */
@Entity
@Table(name = "blobs")
public class Blob extends PanacheEntityBase {
    @Id
    public String sha256;
    public long size;
    @Column(name = "git_sha1")
    public String gitSha1;
    @Column(name = "created_at", insertable = false, updatable = false)
    public Instant createdAt;
}
