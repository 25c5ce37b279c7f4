/* Cases stage: attach each case point to the atom that contains it, then
 * compute each atom's case count, case load (weighted count) and workload.
 * A point on an edge shared by several atoms goes to the first of them in
 * atom order, so the result is deterministic. */
#include <stdlib.h>
#include <string.h>

#include "geo/geo.h"

/* Finds the polygon of lowest index that holds a point (boundary
 * included): an STR-tree over the polygons, each prepared on first use.
 * Polygon i is at first + i * stride; with eligible, only those with
 * eligible[i] >= 0 count. */
typedef struct locator {
    GEOSSTRtree *tree;
    const GEOSPreparedGeometry **prep;
    const char *first;
    size_t stride;
    int n;
    const int *eligible;
    gp_ivec hits;
} locator;

static const GEOSGeometry *loc_geom(const locator *l, int i)
{
    return *(GEOSGeometry *const *)(l->first + (size_t)i * l->stride);
}

static void loc_free(gp_ctx *ctx, locator *l)
{
    for (int i = 0; l->prep && i < l->n; i++)
        if (l->prep[i])
            GEOSPreparedGeom_destroy_r(ctx->geos, l->prep[i]);
    free(l->prep);
    gp_ivec_free(&l->hits);
    if (l->tree)
        GEOSSTRtree_destroy_r(ctx->geos, l->tree);
    memset(l, 0, sizeof *l); /* freeing twice is harmless */
}

static gp_status loc_init(gp_ctx *ctx, locator *l, const void *first_geom, size_t stride, int n, const int *eligible)
{
    memset(l, 0, sizeof *l);
    l->first = first_geom;
    l->stride = stride;
    l->n = n;
    l->eligible = eligible;
    l->tree = gp_tree_build(ctx, first_geom, stride, n);
    l->prep = calloc((size_t)(n ? n : 1), sizeof *l->prep);
    if (!l->tree || !l->prep) {
        loc_free(ctx, l);
        return GP_ERR_NOMEM;
    }
    return GP_OK;
}

static gp_status loc_find(gp_ctx *ctx, locator *l, double x, double y, int *found)
{
    GEOSContextHandle_t h = ctx->geos;
    *found = -1;
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, x, y);
    if (!pt)
        return GP_ERR_GEOS;
    gp_tree_query(ctx, l->tree, pt, &l->hits);
    gp_status st = GP_OK;
    for (int j = 0; j < l->hits.n && *found < 0; j++) {
        int i = l->hits.v[j];
        if (l->eligible && l->eligible[i] < 0)
            continue;
        if (!l->prep[i] && !(l->prep[i] = GEOSPrepare_r(h, loc_geom(l, i)))) {
            st = GP_ERR_GEOS;
            break;
        }
        if (GEOSPreparedIntersects_r(h, l->prep[i], pt) == 1)
            *found = i;
    }
    GEOSGeom_destroy_r(h, pt);
    return st;
}

/* A case in no atom but inside a unit (on a sliver left out of every atom,
 * or on the part of a shoreline unit outside the communities) goes to
 * that unit's largest atom, as the unit's counts did. */
static gp_status via_units(gp_ctx *ctx, gp_dataset *ds)
{
    int *big = malloc((size_t)(ds->n_units ? ds->n_units : 1) * sizeof *big);
    if (!big)
        return GP_ERR_NOMEM;
    for (int u = 0; u < ds->n_units; u++)
        big[u] = -1;
    for (int i = 0; i < ds->n_atoms; i++) {
        int u = ds->atoms[i].unit;
        if (u >= 0 && (big[u] < 0 || ds->atoms[i].area > ds->atoms[big[u]].area))
            big[u] = i;
    }
    locator l;
    gp_status st = loc_init(ctx, &l, ds->n_units ? (const void *)&ds->units[0].geom : NULL, sizeof *ds->units,
                            ds->n_units, big);
    for (int k = 0; k < ds->n_cases && !st; k++) {
        gp_case *cs = &ds->cases[k];
        int u;
        if (cs->atom >= 0 || (st = loc_find(ctx, &l, cs->x, cs->y, &u)) || u < 0)
            continue;
        cs->atom = big[u];
        ds->n_cases_unmatched--;
        ds->n_cases_via_unit++;
    }
    loc_free(ctx, &l);
    free(big);
    return st;
}

gp_status gp_cases_attach(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds)
{
    gp_status st = GP_OK;
    if (ds->n_cases > 0) {
        locator l;
        if ((st = loc_init(ctx, &l, ds->n_atoms ? (const void *)&ds->atoms[0].geom : NULL, sizeof *ds->atoms,
                           ds->n_atoms, NULL)))
            return st;
        for (int k = 0; k < ds->n_cases && !st; k++) {
            gp_case *cs = &ds->cases[k];
            st = loc_find(ctx, &l, cs->x, cs->y, &cs->atom);
            if (cs->atom < 0)
                ds->n_cases_unmatched++;
        }
        loc_free(ctx, &l);
        if (st)
            return gp_fail(ctx, st, "attaching cases to atoms failed: %s", gp_geos_lastmsg(ctx));
        if (ds->n_cases_unmatched && ds->n_units > 0 && (st = via_units(ctx, ds)))
            return gp_fail(ctx, st, "attaching cases through their units failed: %s", gp_geos_lastmsg(ctx));
        if (ds->n_cases_via_unit)
            gp_log(ctx, GP_LOG_INFO, "%d cases lie in no atom but inside a unit: they go to that unit's largest atom",
                   ds->n_cases_via_unit);
        if (ds->n_cases_unmatched)
            gp_log(ctx, GP_LOG_WARN, "%d of %d cases lie outside every unit and atom (outside the communities, or "
                   "between units): they are counted in report.json, not in any grid", ds->n_cases_unmatched, ds->n_cases);
    }
    if (ds->n_case_types > 0) {
        ds->case_counts = calloc((size_t)ds->n_atoms * (size_t)ds->n_case_types, sizeof *ds->case_counts);
        if (!ds->case_counts)
            return GP_ERR_NOMEM;
    }
    for (int k = 0; k < ds->n_cases; k++) {
        gp_case *cs = &ds->cases[k];
        if (cs->atom < 0)
            continue;
        ds->case_counts[(size_t)cs->atom * ds->n_case_types + cs->type]++;
        ds->atoms[cs->atom].v[GP_A_CASES] += 1;
        ds->atoms[cs->atom].v[GP_A_LOAD] += ds->case_weights[cs->type];
    }
    /* workload = households, population and case load, weighted */
    double w_hh = cfg->workload.households, w_pop = cfg->workload.population, w_cases = cfg->workload.cases;
    for (int i = 0; i < ds->n_atoms; i++) {
        gp_atom *a = &ds->atoms[i];
        a->v[GP_A_WORK] = w_hh * a->v[GP_A_HH] + w_pop * a->v[GP_A_POP] + w_cases * a->v[GP_A_LOAD];
    }
    return GP_OK;
}
