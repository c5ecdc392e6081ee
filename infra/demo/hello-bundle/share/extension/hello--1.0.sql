\echo Use "CREATE EXTENSION hello" to load this file. \quit
CREATE FUNCTION hello(name text DEFAULT 'world') RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT 'hello, ' || name $$;
