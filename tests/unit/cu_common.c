#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cu_tester.h"
#include "core/core.h"

void cu_add_suite(const char *name, const cu_case *cases)
{
    CU_pSuite s = CU_add_suite(name, NULL, NULL);
    for (; s && cases->name; cases++)
        CU_add_test(s, cases->name, cases->fn);
}

const char *cu_source_dir(void)
{
    const char *d = getenv("GP_SOURCE_DIR");
    return d ? d : ".";
}

const char *cu_shared_dir(void)
{
    static char buf[4096];
    const char *d = getenv("GP_SHARED_DIR");
    if (!d) {
        snprintf(buf, sizeof buf, "%s/../shared", cu_source_dir());
        d = buf;
    }
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/datasets/README.md", d);
    struct stat st;
    return stat(probe, &st) == 0 ? d : NULL;
}

GEOSGeometry *cu_wkt(gp_ctx *ctx, const char *s)
{
    GEOSWKTReader *r = GEOSWKTReader_create_r(ctx->geos);
    GEOSGeometry *g = GEOSWKTReader_read_r(ctx->geos, r, s);
    GEOSWKTReader_destroy_r(ctx->geos, r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    return g;
}
