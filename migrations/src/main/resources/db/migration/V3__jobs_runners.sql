-- Jobs, their queue, and the runner nodes that execute them.

-- Recipes as runners publish them when they register: the hub validates job specs against these.
create table recipes (
    id               text primary key,
    version          text not null,
    modality         text not null,
    task             text not null,
    needs_base_model boolean not null,
    parameters       jsonb not null,
    updated_at       timestamptz not null default now()
);

create table runners (
    id                bigserial primary key,
    name              text not null,
    owner_id          bigint not null references accounts (id),
    labels            text[] not null default '{}',
    gpu_count         integer not null default 0,
    gpu_memory_mb     bigint not null default 0,
    cpu_cores         integer not null,
    memory_bytes      bigint not null,
    recipes           text[] not null default '{}',
    state             text not null default 'active' check (state in ('active', 'draining', 'offline')),
    registered_at     timestamptz not null default now(),
    last_heartbeat_at timestamptz not null default now(),
    utilisation       jsonb
);

create table jobs (
    id               bigserial primary key,
    owner_id         bigint not null references accounts (id),
    recipe_id        text not null,
    recipe_version   text not null,
    params           jsonb not null,
    base_model       text,
    base_revision    char(40),
    dataset          text not null,
    dataset_revision char(40) not null,
    output_repo      text not null,
    gpus             integer not null default 0 check (gpus >= 0),
    gpu_memory_mb    bigint not null default 0 check (gpu_memory_mb >= 0),
    labels           text[] not null default '{}',
    priority         integer not null default 0,
    state            text not null default 'queued'
                     check (state in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempt          integer not null default 0,
    max_attempts     integer not null default 3 check (max_attempts between 1 and 20),
    runner_id        bigint references runners (id) on delete set null,
    lease_expires_at timestamptz,
    cancel_requested boolean not null default false,
    created_at       timestamptz not null default now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    error            text,
    result           jsonb,
    output_commit    char(40)
);
-- The claim query walks this index: queued jobs by priority, oldest first.
create index jobs_queued on jobs (priority desc, id) where state = 'queued';
create index jobs_running_lease on jobs (lease_expires_at) where state = 'running';
create index jobs_owner on jobs (owner_id, id desc);

create table job_metrics (
    job_id  bigint not null references jobs (id) on delete cascade,
    attempt integer not null,
    step    bigint not null,
    name    text not null,
    value   double precision not null,
    at      timestamptz not null default now()
);
create index job_metrics_series on job_metrics (job_id, name, step);

create table job_logs (
    id      bigserial primary key,
    job_id  bigint not null references jobs (id) on delete cascade,
    attempt integer not null,
    at      timestamptz not null default now(),
    line    text not null
);
create index job_logs_job on job_logs (job_id, id);

-- Checkpoints are blobs like any other: the garbage collector keeps those a checkpoint refers to.
create table job_checkpoints (
    job_id      bigint not null references jobs (id) on delete cascade,
    attempt     integer not null,
    epoch       integer not null,
    step        bigint not null,
    blob_sha256 char(64) not null references blobs (sha256),
    created_at  timestamptz not null default now(),
    primary key (job_id, epoch)
);

-- Files a running attempt has produced; committed to the output repo together with the job's success.
create table job_outputs (
    job_id      bigint not null references jobs (id) on delete cascade,
    attempt     integer not null,
    path        text not null,
    blob_sha256 char(64) not null references blobs (sha256),
    primary key (job_id, attempt, path)
);
