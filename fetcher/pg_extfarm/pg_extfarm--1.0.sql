\echo Use "CREATE EXTENSION pg_extfarm" to load this file. \quit

-- The module works through shared_preload_libraries alone; this only shows its settings.
CREATE FUNCTION pg_extfarm_settings(OUT name text, OUT setting text)
RETURNS SETOF record LANGUAGE sql STABLE AS $$
    SELECT name, setting FROM pg_catalog.pg_settings WHERE name LIKE 'extfarm.%' ORDER BY name
$$;
