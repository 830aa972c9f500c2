-- Who has just sent the bytes of a blob (an LFS upload, a UI upload, an inline file) or was told by the batch API
-- that a blob they may read is already stored, and has not committed it yet. A record is a reference for the blob
-- collector (nothing pending is freed) and, for LFS objects, the proof that the account may commit that oid.
-- A commit by the account consumes its records; the collector drops records older than its grace period.
-- account_id 0: stored by the hub itself (no account).
create table pending_uploads (
    sha256     char(64) not null,
    account_id bigint not null,
    claimed_at timestamptz not null default now(),
    primary key (sha256, account_id)
);
create index pending_uploads_time on pending_uploads (claimed_at);
