\echo Use "CREATE EXTENSION semver_util" to load this file. \quit

-- true when going from a to b changes the major version
CREATE FUNCTION semver_is_major_bump(a semver, b semver) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT get_semver_major(b) > get_semver_major(a) $$;
