-- Core of the hub: accounts and tokens, repositories, content-addressed blobs, immutable commits and refs.

create extension if not exists pg_trgm;

create table accounts (
    id            bigserial primary key,
    username      text not null unique check (username ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    fullname      text,
    email         text,
    password_hash text,
    is_admin      boolean not null default false,
    created_at    timestamptz not null default now()
);

-- Tokens are shown once and stored as their sha256: a leaked database does not leak usable tokens.
create table api_tokens (
    id           bigserial primary key,
    account_id   bigint not null references accounts (id) on delete cascade,
    display_name text not null,
    token_hash   char(64) not null unique,
    token_hint   text not null,
    role         text not null check (role in ('read', 'write')),
    created_at   timestamptz not null default now(),
    last_used_at timestamptz
);
create index api_tokens_account on api_tokens (account_id);

create table repos (
    id                bigserial primary key,
    type              text not null check (type in ('model', 'dataset')),
    namespace         text not null,
    name              text not null,
    owner_id          bigint not null references accounts (id),
    private           boolean not null default false,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    downloads         bigint not null default 0,
    likes             integer not null default 0,
    -- Derived at commit time from the head of the default branch (inspectors), kept here to search and sort on.
    license           text,
    pipeline_tag      text,
    library_name      text,
    modality          text not null default 'unknown',
    model_type        text,
    architectures     text[] not null default '{}',
    tags              text[] not null default '{}',
    languages         text[] not null default '{}',
    datasets          text[] not null default '{}',
    base_models       text[] not null default '{}',
    parameters        bigint,
    dtype_parameters  jsonb,
    total_size        bigint not null default 0,
    card_summary      text,
    search_document   tsvector generated always as (
        setweight(to_tsvector('simple', namespace || ' ' || name || ' ' || replace(replace(name, '-', ' '), '_', ' ')), 'A')
        || setweight(to_tsvector('simple', coalesce(pipeline_tag, '') || ' ' || coalesce(library_name, '') || ' '
                                             || coalesce(model_type, '')), 'B')
        || setweight(to_tsvector('english', coalesce(card_summary, '')), 'C')
    ) stored,
    unique (type, namespace, name)
);
create index repos_search on repos using gin (search_document);
create index repos_id_trgm on repos using gin ((namespace || '/' || name) gin_trgm_ops);
create index repos_tags on repos using gin (tags);
create index repos_updated on repos (type, updated_at desc);
create index repos_created on repos (type, created_at desc);
create index repos_downloads on repos (type, downloads desc);
create index repos_likes on repos (type, likes desc);
create index repos_parameters on repos (type, parameters desc nulls last);
create index repos_modality on repos (modality);
create index repos_pipeline_tag on repos (pipeline_tag);
create index repos_library on repos (library_name);
create index repos_license on repos (license);
create index repos_owner on repos (owner_id);

-- One row per distinct content: the object store holds it once under its sha256.
create table blobs (
    sha256     char(64) primary key,
    size       bigint not null check (size >= 0),
    git_sha1   char(40) not null,
    created_at timestamptz not null default now()
);

create table commits (
    id         char(40) primary key,
    repo_id    bigint not null references repos (id) on delete cascade,
    parent_id  char(40),
    title      text not null,
    message    text not null default '',
    author_id  bigint references accounts (id) on delete set null,
    created_at timestamptz not null,
    file_count integer not null,
    total_size bigint not null
);
create index commits_repo_time on commits (repo_id, created_at desc);

-- A commit's full snapshot: path -> blob. Rows are written once with their commit and never updated.
create table commit_files (
    commit_id   char(40) not null references commits (id) on delete cascade,
    path        text not null,
    blob_sha256 char(64) not null references blobs (sha256),
    lfs         boolean not null,
    primary key (commit_id, path)
);
create index commit_files_blob on commit_files (blob_sha256);

create table refs (
    repo_id    bigint not null references repos (id) on delete cascade,
    kind       text not null check (kind in ('branch', 'tag')),
    name       text not null,
    commit_id  char(40) not null references commits (id),
    updated_at timestamptz not null default now(),
    primary key (repo_id, kind, name)
);

-- What the inspectors found in a blob (same content, same answer), so a re-commit does not re-read it.
create table blob_inspections (
    sha256 char(64) not null references blobs (sha256) on delete cascade,
    kind   text not null,
    result jsonb,
    error  text,
    primary key (sha256, kind)
);

create table file_downloads (
    repo_id bigint not null references repos (id) on delete cascade,
    path    text not null,
    count   bigint not null default 0,
    primary key (repo_id, path)
);
