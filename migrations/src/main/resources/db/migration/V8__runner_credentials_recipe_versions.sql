-- Runners authenticate with a credential an admin issues (never a user's token), and recipes are identified by
-- (id, version): a job runs on a runner that publishes the exact version it was validated against.

create table runner_credentials (
    id           bigserial primary key,
    name         text not null,
    token_hash   char(64) not null unique,
    token_hint   text not null,
    created_by   bigint references accounts (id) on delete set null,
    created_at   timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- One runner per credential: a restarted runner registers again under the same id.
alter table runners add column credential_id bigint unique references runner_credentials (id);
-- Runners registered with user tokens can no longer call the hub; their jobs go back to the queue.
update jobs set state = 'queued', runner_id = null, lease_expires_at = null, attempt = greatest(attempt - 1, 0)
    where state = 'running';
update runners set state = 'offline';

-- Versions are published side by side; a published version's schema never changes.
delete from recipes;
alter table recipes drop constraint recipes_pkey;
alter table recipes add primary key (id, version);
alter table recipes add column model_types text[] not null default '{}';
-- runners.recipes now lists "id@version" keys, which the claim matches jobs by
update runners set recipes = '{}';
alter table runners alter column owner_id drop not null;
