-- Xet (content-defined chunks in xorbs): what the CAS endpoints accepted. The bytes live in the object store
-- (xet/xorbs/<hash>, xet/shards/<hash>); these rows are the index the hub checks and answers from.

-- A xorb accepted by POST /v1/xorbs: its chunk index as the hub computed it from the bytes (never the client's
-- word). chunk_index holds 40 bytes per chunk, in order: raw chunk hash (32), serialized offset of the chunk
-- header (u32 LE), uncompressed length (u32 LE); the serialized end of the last chunk is packed_end.
create table xet_xorbs (
    hash          char(64) primary key,
    chunk_count   integer not null check (chunk_count > 0),
    packed_size   integer not null check (packed_size > 0),
    packed_end    integer not null check (packed_end > 0),
    unpacked_size bigint not null check (unpacked_size > 0),
    chunk_index   bytea not null,
    account_id    bigint,
    created_at    timestamptz not null default now()
);

-- A file registered by POST /v1/shards: its Xet file hash beside the sha256 that commits and LFS clients use.
-- terms holds 44 bytes per term, in order: raw xorb hash (32), first chunk (u32 LE), end chunk (exclusive, u32 LE),
-- uncompressed length (u32 LE).
create table xet_files (
    xet_hash   char(64) primary key,
    sha256     char(64) not null,
    size       bigint not null check (size >= 0),
    terms      bytea not null,
    created_at timestamptz not null default now()
);
create index xet_files_sha256 on xet_files (sha256);

-- Global deduplication: chunks a client may ask about (GET /v1/chunks), each with the file it was registered in;
-- the answer lists that file's xorbs. Indexed: the first chunk of every file and the chunks whose hash is 0 mod
-- 1024 (the eligibility rule of the Xet clients).
create table xet_dedup_chunks (
    chunk_hash char(64) primary key,
    xet_hash   char(64) not null references xet_files (xet_hash) on delete cascade
);
