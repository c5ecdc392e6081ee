CREATE FUNCTION hello_add(integer, integer) RETURNS integer
    AS 'MODULE_PATHNAME', 'hello_add' LANGUAGE C IMMUTABLE STRICT;
