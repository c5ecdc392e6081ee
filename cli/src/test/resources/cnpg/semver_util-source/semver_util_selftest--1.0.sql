\echo Use "CREATE EXTENSION semver_util_selftest" to load this file. \quit

CREATE FUNCTION semver_util_selftest() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'ok'::text $$;
