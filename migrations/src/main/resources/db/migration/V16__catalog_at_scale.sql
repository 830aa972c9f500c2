-- The catalog at a million repos (issue 17 part 7, docs/benchmarks.md).

-- The equality filters (modality, task, library, license, tag) in one GIN index (btree_gin for the scalar
-- columns): a query with two filters intersects their posting lists inside one index scan, instead of building a
-- bitmap of every repo of each value and ANDing them (at 1M repos, 125k audio x 100k tag-7 rows: a lossy bitmap
-- and half a second to count the 9.6k that have both). It answers a single filter as well, so the five
-- single-column indexes it replaces go, and a repo write maintains one index instead of five.
create extension if not exists btree_gin;
create index repos_filters on repos using gin (modality, pipeline_tag, library_name, license, tags);
drop index repos_modality;
drop index repos_pipeline_tag;
drop index repos_library;
drop index repos_license;
drop index repos_tags;

-- The filter menus: per (type, menu, value) the number of public repos with that value, kept by a trigger on
-- repos in the transaction that changes them, so a menu is a read of at most 50 small rows instead of a group-by
-- over every repo (2.2 s at 1M). A tag counts once per repo, as a filter on it matches the repo once.
create table repo_facet_counts (
    type  text   not null,
    facet text   not null,
    value text   not null,
    repos bigint not null,
    primary key (type, facet, value)
);
create index repo_facet_counts_menu on repo_facet_counts (type, facet, repos desc, value);

-- The facet values of the public repos in the relation `source`, each with weight `sign`: one text, so the
-- trigger (over its transition tables) and the backfill below count the same way.
create function repo_facet_rows(source text, sign integer) returns text language sql immutable as $fn$
select format($sql$
select r.type, f.facet, f.value, %s as delta
from %I r
cross join lateral (select 'modality', r.modality union all select 'task', r.pipeline_tag
                    union all select 'library', r.library_name union all select 'license', r.license
                    union all select distinct 'tag', t from unnest(r.tags) t) f (facet, value)
where not r.private and f.value is not null
$sql$, sign, source)
$fn$;

-- The statement that adds the deltas of `rows` (repo_facet_rows texts) to the counts. Rows whose +1 and -1 cancel
-- (an update that leaves the facets alone, such as a download counted) touch no count row, so they take no lock
-- on it; the rows are written in key order so two transactions never wait on each other's count rows in a cycle.
create function repo_facet_counts_merge(rows text) returns text language sql immutable as $fn$
select 'insert into repo_facet_counts as c (type, facet, value, repos) '
    || 'select type, facet, value, sum(delta) from (' || rows || ') d group by type, facet, value '
    || 'having sum(delta) <> 0 order by type, facet, value '
    || 'on conflict (type, facet, value) do update set repos = c.repos + excluded.repos'
$fn$;

-- Transition tables are visible to the statements the trigger function itself runs (EXECUTE included), not to
-- functions it calls: hence statement texts, run here.
create function repo_facet_counts_track() returns trigger language plpgsql as $fn$
begin
    if tg_op = 'INSERT' then
        execute repo_facet_counts_merge(repo_facet_rows('new_repos', 1));
    elsif tg_op = 'DELETE' then
        execute repo_facet_counts_merge(repo_facet_rows('old_repos', -1));
    else
        execute repo_facet_counts_merge(repo_facet_rows('new_repos', 1) || ' union all ' || repo_facet_rows('old_repos', -1));
    end if;
    return null;
end
$fn$;

-- Per statement: a bulk insert of repos costs one merge.
create trigger repo_facet_counts_insert after insert on repos
    referencing new table as new_repos for each statement execute function repo_facet_counts_track();
create trigger repo_facet_counts_update after update on repos
    referencing old table as old_repos new table as new_repos for each statement execute function repo_facet_counts_track();
create trigger repo_facet_counts_delete after delete on repos
    referencing old table as old_repos for each statement execute function repo_facet_counts_track();

do $$
begin
    execute repo_facet_counts_merge(repo_facet_rows('repos', 1));
end
$$;
