-- Upstream's regression suite of a build (dev.extfarm.registry.build; docs/queue.md): the report
-- the worker completes the job with (tests run, passed, failed, failing test names, known failures
-- with the recipe's reasons) and regression.diffs, kept as a blob like the log
-- (build-artifacts/<id>/sha-256+<hex>/regression.diffs). Null: no suite ran.
ALTER TABLE build ADD COLUMN regress jsonb;
ALTER TABLE build ADD COLUMN regression_diffs_blob text;
ALTER TABLE build ADD COLUMN regression_diffs_size bigint;
