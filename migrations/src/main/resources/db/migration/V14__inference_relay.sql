-- Inference requests handed from one hub instance to another (docs/inference.md, "Across hub instances"): an
-- instance without a live serving runner writes its caller's request here and NOTIFYs; an instance whose serving
-- runner polls it claims the row, routes the request to that runner in memory and writes the outcome back. The
-- instance that wrote the row deletes it when it answers or gives up; rows a crashed instance left behind are
-- deleted once past their deadline (io.modelhub.inference.InferenceRelay).
create table inference_requests (
    id         text primary key,            -- the request's id (InferenceProtocol.Work.id)
    model      text        not null,        -- repo@commit, to let an instance that has it loaded claim first
    task       text,
    work       bytea       not null,        -- the prepared request (visibility checked, commit pinned) as JSON
    origin     text        not null,        -- the instance whose caller waits
    deadline   timestamptz not null,
    claimed_by text,                        -- the instance routing it to one of its runners
    claimed_at timestamptz,
    outcome    bytea,                       -- the answer or why there is none, as JSON
    created_at timestamptz not null default now()
);
create index inference_requests_deadline on inference_requests (deadline);
create index inference_requests_unclaimed on inference_requests (created_at) where claimed_by is null;

-- The instances that have a live serving runner, refreshed every few seconds while they have one: an instance
-- without one relays a request only when another has one, and otherwise answers 503 at once as a single hub does.
create table serving_instances (
    instance text primary key,
    seen_at  timestamptz not null
);
