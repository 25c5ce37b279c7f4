/* Geometry helpers every stage shares: the polygonal part of an overlay,
 * repair, and the one STR-tree setup (items are indexes; queries come back
 * sorted, so results never depend on the tree's order). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo.h"

GEOSGeometry *gp_geom_polygonal(gp_ctx *ctx, GEOSGeometry *g)
{
    GEOSContextHandle_t h = ctx->geos;
    int t = GEOSGeomTypeId_r(h, g);
    if ((t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON) && !GEOSisEmpty_r(h, g))
        return g;
    GEOSGeometry **parts = NULL;
    int k = 0, cap = 0;
    bool ok = true;
    int n = GEOSGetNumGeometries_r(h, g);
    for (int i = 0; ok && i < n; i++) {
        const GEOSGeometry *c = GEOSGetGeometryN_r(h, g, i);
        int ct = GEOSGeomTypeId_r(h, c);
        int m = ct == GEOS_POLYGON ? 1 : ct == GEOS_MULTIPOLYGON ? GEOSGetNumGeometries_r(h, c) : 0;
        for (int j = 0; ok && j < m; j++) {
            const GEOSGeometry *poly = ct == GEOS_POLYGON ? c : GEOSGetGeometryN_r(h, c, j);
            if (GEOSisEmpty_r(h, poly))
                continue;
            if (!gp_grow(&parts, &cap, k + 1, sizeof *parts)) {
                ok = false;
                break;
            }
            parts[k++] = GEOSGeom_clone_r(h, poly);
        }
    }
    GEOSGeometry *r = ok && k ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)k) : NULL;
    if (!r)
        for (int i = 0; i < k; i++)
            GEOSGeom_destroy_r(h, parts[i]);
    free(parts);
    GEOSGeom_destroy_r(h, g);
    return r;
}

GEOSGeometry *gp_geom_repair(gp_ctx *ctx, GEOSGeometry *g, bool *repaired)
{
    return gp_geom_repair_why(ctx, g, repaired, NULL, 0);
}

GEOSGeometry *gp_geom_repair_why(gp_ctx *ctx, GEOSGeometry *g, bool *repaired, char *why, size_t len)
{
    *repaired = false;
    if (why && len)
        why[0] = '\0';
    if (GEOSisValid_r(ctx->geos, g) == 1)
        return g;
    *repaired = true;
    char *r = why && len ? GEOSisValidReason_r(ctx->geos, g) : NULL;
    if (r) {
        snprintf(why, len, "%s", r);
        GEOSFree_r(ctx->geos, r);
    }
    GEOSGeometry *v = GEOSMakeValid_r(ctx->geos, g);
    GEOSGeom_destroy_r(ctx->geos, g);
    return v ? gp_geom_polygonal(ctx, v) : NULL; /* nothing polygonal left: cannot be repaired */
}

static const GEOSGeometry *geom_at(const void *first, size_t stride, int i)
{
    return *(GEOSGeometry *const *)((const char *)first + (size_t)i * stride);
}

GEOSSTRtree *gp_tree_build(gp_ctx *ctx, const void *first, size_t stride, int n)
{
    GEOSSTRtree *t = GEOSSTRtree_create_r(ctx->geos, 10);
    for (int i = 0; t && i < n; i++) {
        const GEOSGeometry *g = geom_at(first, stride, i);
        if (g) /* items are index + 1: the nearest query returns NULL for none */
            GEOSSTRtree_insert_r(ctx->geos, t, g, (void *)(intptr_t)(i + 1));
    }
    return t;
}

static void collect(void *item, void *user)
{
    gp_ivec_push(user, (int)(intptr_t)item - 1);
}

void gp_tree_query(gp_ctx *ctx, GEOSSTRtree *t, const GEOSGeometry *g, gp_ivec *hits)
{
    hits->n = 0;
    GEOSSTRtree_query_r(ctx->geos, t, g, collect, hits);
    gp_ivec_sort(hits);
}

typedef struct near_q { gp_ctx *ctx; const void *first; size_t stride; } near_q;

/* Exact distance from a tree item to the query geometry. */
static int near_dist(const void *item, const void *query, double *d, void *user)
{
    near_q *q = user;
    return GEOSDistance_r(q->ctx->geos, geom_at(q->first, q->stride, (int)(intptr_t)item - 1), query, d);
}

int gp_tree_nearest(gp_ctx *ctx, GEOSSTRtree *t, const void *first, size_t stride, const GEOSGeometry *g)
{
    near_q q = {ctx, first, stride};
    const void *hit = GEOSSTRtree_nearest_generic_r(ctx->geos, t, g, g, near_dist, &q);
    return hit ? (int)(intptr_t)hit - 1 : -1;
}

int gp_geom_warn_overlaps(gp_ctx *ctx, const char *path, const char *what, const void *first_geom,
                          const void *first_id, size_t stride, int n)
{
    GEOSContextHandle_t h = ctx->geos;
    GEOSSTRtree *t = gp_tree_build(ctx, first_geom, stride, n);
    double *area = malloc((size_t)(n ? n : 1) * sizeof *area);
    gp_ivec hits = {0};
    int pairs = 0;
    for (int i = 0; t && area && i < n; i++)
        GEOSArea_r(h, geom_at(first_geom, stride, i), &area[i]);
    for (int i = 0; t && area && i < n; i++) {
        const GEOSGeometry *a = geom_at(first_geom, stride, i);
        const GEOSPreparedGeometry *pa = NULL;
        gp_tree_query(ctx, t, a, &hits);
        for (int k = 0; k < hits.n; k++) {
            int j = hits.v[k];
            const GEOSGeometry *b = geom_at(first_geom, stride, j);
            /* interiors that meet: an overlap (a shared edge or corner is none) */
            if (j <= i || (!pa && !(pa = GEOSPrepare_r(h, a))) || GEOSPreparedIntersects_r(h, pa, b) != 1 ||
                GEOSRelatePattern_r(h, a, b, "T********") != 1)
                continue;
            GEOSGeometry *x = GEOSIntersection_r(h, a, b);
            double ov = 0, small = fmin(area[i], area[j]);
            if (x) {
                GEOSArea_r(h, x, &ov);
                GEOSGeom_destroy_r(h, x);
            }
            /* shared edges have no area; digitising slivers are left to snap */
            if (ov <= 1.0 || ov <= 0.01 * small)
                continue;
            if (++pairs <= 5)
                gp_log(ctx, GP_LOG_WARN, "%s: %s '%s' and '%s' overlap by %.0f m2 (%.0f%% of the smaller): %s",
                       path, what, *(char *const *)((const char *)first_id + (size_t)i * stride),
                       *(char *const *)((const char *)first_id + (size_t)j * stride), ov, 100 * ov / small,
                       strcmp(what, "communities") == 0
                           ? "the units there are split between both, and their grids overlap; fix their boundaries"
                           : "each keeps its own counts, but the grids that hold them may overlap; fix their "
                             "outlines");
        }
        if (pa)
            GEOSPreparedGeom_destroy_r(h, pa);
    }
    if (pairs > 5)
        gp_log(ctx, GP_LOG_WARN, "%s: %d pairs of %s overlap in all (the first 5 are named above)", path, pairs, what);
    gp_ivec_free(&hits);
    free(area);
    if (t)
        GEOSSTRtree_destroy_r(h, t);
    return pairs;
}
