-- Benchmarks, evaluations (verified scores from the hub's runners) and self-reported scores from model cards.

-- Recipes that produce no model (evaluations) say so; their jobs have no output repository.
alter table recipes add column produces_model boolean not null default true;
alter table jobs alter column output_repo drop not null;

create table benchmarks (
    id               bigserial primary key,
    name             text not null unique,
    task             text not null,
    dataset          text not null,
    dataset_revision char(40) not null,
    split            text not null,
    metric           text not null,
    higher_is_better boolean not null default true,
    description      text,
    owner_id         bigint not null references accounts (id),
    created_at       timestamptz not null default now()
);

-- One evaluation job's score of one model commit on one benchmark. The score arrives with the job's success.
create table evaluations (
    id                 bigserial primary key,
    benchmark_id       bigint not null references benchmarks (id) on delete cascade,
    repo_id            bigint not null references repos (id) on delete cascade,
    model_commit       char(40) not null,
    job_id             bigint references jobs (id) on delete set null,
    seed               bigint not null,
    score              double precision,
    scores             jsonb,
    fingerprint        jsonb,
    fingerprint_sha256 char(64),
    created_at         timestamptz not null default now(),
    finished_at        timestamptz
);
create index evaluations_board on evaluations (benchmark_id, score) where score is not null;
create index evaluations_repo on evaluations (repo_id);
create unique index evaluations_job on evaluations (job_id);

-- Benchmarks a job's output is evaluated on once the job succeeds.
create table job_followup_benchmarks (
    job_id       bigint not null references jobs (id) on delete cascade,
    benchmark_id bigint not null references benchmarks (id) on delete cascade,
    primary key (job_id, benchmark_id)
);

-- Results a model card claims in its model-index front matter, as of the default branch's head.
create table self_reported_results (
    repo_id      bigint not null references repos (id) on delete cascade,
    model_commit char(40),
    task         text,
    dataset      text not null,
    dataset_name text,
    split        text,
    metric       text not null,
    metric_name  text,
    value        double precision not null
);
create index self_reported_dataset on self_reported_results (lower(dataset), metric);
create index self_reported_repo on self_reported_results (repo_id);
