-- A job's output repository is private when the submitter asks for it or when any input (base model, dataset, a
-- model parameter) was private at submit: weights trained on private data are as private as the data.
alter table jobs add column private_output boolean not null default false;
