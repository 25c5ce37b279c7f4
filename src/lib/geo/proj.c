/* Projection to the working CRS with PROJ: every input, whatever its CRS,
 * goes to one metric CRS (by default the UTM zone of the data's centre). */
#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo.h"

struct gp_proj {
    PJ_CONTEXT *pc;
    PJ *pj;
    bool failed;
};

gp_status gp_proj_create(gp_ctx *ctx, const char *src_def, const char *dst_def, const char *what,
                         gp_proj **out)
{
    *out = NULL;
    gp_proj *p = calloc(1, sizeof *p);
    if (!p)
        return GP_ERR_NOMEM;
    p->pc = proj_context_create();
    if (!p->pc) {
        free(p);
        return GP_ERR_NOMEM;
    }
    proj_log_level(p->pc, PJ_LOG_NONE);
    PJ *raw = proj_create_crs_to_crs(p->pc, src_def, dst_def, NULL);
    if (raw) {
        /* x = longitude / easting whatever the CRS's axis order says */
        p->pj = proj_normalize_for_visualization(p->pc, raw);
        proj_destroy(raw);
    }
    if (!p->pj) {
        const char *why = proj_context_errno_string(p->pc, proj_context_errno(p->pc));
        gp_proj_destroy(p);
        return gp_fail(ctx, GP_ERR_PROJ, "%s: PROJ cannot transform from its CRS to %s: %s", what,
                       dst_def, why ? why : "unknown reason");
    }
    *out = p;
    return GP_OK;
}

void gp_proj_destroy(gp_proj *p)
{
    if (!p)
        return;
    proj_destroy(p->pj);
    proj_context_destroy(p->pc);
    free(p);
}

bool gp_proj_point(gp_proj *p, double *x, double *y)
{
    PJ_COORD c = proj_coord(*x, *y, 0, 0);
    c = proj_trans(p->pj, PJ_FWD, c);
    if (c.xy.x == HUGE_VAL || !isfinite(c.xy.x) || !isfinite(c.xy.y))
        return false;
    *x = c.xy.x;
    *y = c.xy.y;
    return true;
}

static int xy_cb(double *x, double *y, void *user)
{
    gp_proj *p = user;
    if (!gp_proj_point(p, x, y)) {
        p->failed = true;
        return 0;
    }
    return 1;
}

GEOSGeometry *gp_proj_geom(gp_ctx *ctx, gp_proj *p, const GEOSGeometry *g)
{
    p->failed = false;
    GEOSGeometry *r = GEOSGeom_transformXY_r(ctx->geos, g, xy_cb, p);
    if (r && p->failed) {
        GEOSGeom_destroy_r(ctx->geos, r);
        r = NULL;
    }
    return r;
}

gp_status gp_proj_auto_utm(gp_ctx *ctx, const char *src_def, double x, double y, const char *what,
                           char *out, size_t out_len)
{
    gp_proj *p;
    gp_status st = gp_proj_create(ctx, src_def, "EPSG:4326", what, &p);
    if (st != GP_OK)
        return st;
    bool ok = gp_proj_point(p, &x, &y);
    gp_proj_destroy(p);
    if (!ok || fabs(y) > 84 || fabs(x) > 180)
        return gp_fail(ctx, GP_ERR_CRS,
                       "%s: the centre of the data (%g, %g) is not a place on Earth in its CRS: check the "
                       "file's CRS, or set [input] crs = EPSG:xxxx", what, x, y);
    int zone = (int)floor((x + 180.0) / 6.0) + 1;
    if (zone > 60)
        zone = 60;
    snprintf(out, out_len, "EPSG:%d", (y >= 0 ? 32600 : 32700) + zone);
    return GP_OK;
}
