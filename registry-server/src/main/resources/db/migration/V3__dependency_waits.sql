-- A build that failed because an extension its bundle requires has no published bundle for its
-- PostgreSQL major and platform yet (cause dependency-unavailable, responsibility farm) waits for
-- it: once a build of that extension succeeds for the same target, the waiting build's revision is
-- queued again (dev.extfarm.registry.build.DependencyWaits).
CREATE TABLE build_dependency_wait (
    build_id        bigint NOT NULL REFERENCES build (id) ON DELETE CASCADE,
    extension_name  text NOT NULL,
    PRIMARY KEY (build_id, extension_name)
);
CREATE INDEX build_dependency_wait_by_extension ON build_dependency_wait (extension_name);
