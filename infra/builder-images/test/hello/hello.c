/* A trivial extension used to smoke-test the extfarm images. */
#include "postgres.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(hello_add);

Datum
hello_add(PG_FUNCTION_ARGS)
{
    PG_RETURN_INT32(PG_GETARG_INT32(0) + PG_GETARG_INT32(1));
}
