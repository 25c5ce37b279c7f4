/* Cases stage: attach each case point to the atom that contains it, then
 * compute each atom's case count, case load (weighted count) and workload.
 * A point on an edge shared by several atoms goes to the first of them in
 * atom order, so the result is deterministic. */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

/* A case in no atom but inside a unit (on a sliver left out of every atom,
 * or on the part of a shoreline unit outside the communities) goes to
 * that unit's largest atom, as the unit's counts did. */
static gp_status via_units(gp_ctx *ctx, gp_dataset *ds)
{
    GEOSContextHandle_t h = ctx->geos;
    int *big = malloc((size_t)(ds->n_units ? ds->n_units : 1) * sizeof *big);
    const GEOSPreparedGeometry **prep = calloc((size_t)(ds->n_units ? ds->n_units : 1), sizeof *prep);
    GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
    gp_ivec c = {0};
    gp_status st = GP_OK;
    if (!big || !prep || !tree) {
        st = GP_ERR_NOMEM;
        goto done;
    }
    for (int u = 0; u < ds->n_units; u++)
        big[u] = -1;
    for (int i = 0; i < ds->n_atoms; i++) {
        int u = ds->atoms[i].unit;
        if (u >= 0 && (big[u] < 0 || ds->atoms[i].area > ds->atoms[big[u]].area))
            big[u] = i;
    }
    for (int u = 0; u < ds->n_units; u++)
        GEOSSTRtree_insert_r(h, tree, ds->units[u].geom, (void *)(intptr_t)u);
    for (int k = 0; k < ds->n_cases && !st; k++) {
        gp_case *cs = &ds->cases[k];
        if (cs->atom >= 0)
            continue;
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, cs->x, cs->y);
        if (!pt) {
            st = GP_ERR_GEOS;
            break;
        }
        c.n = 0;
        GEOSSTRtree_query_r(h, tree, pt, gp_ivec_collect, &c);
        gp_ivec_sort(&c);
        for (int j = 0; j < c.n && cs->atom < 0; j++) {
            int u = c.v[j];
            if (big[u] < 0)
                continue;
            if (!prep[u] && !(prep[u] = GEOSPrepare_r(h, ds->units[u].geom))) {
                st = GP_ERR_GEOS;
                break;
            }
            if (GEOSPreparedIntersects_r(h, prep[u], pt) == 1) {
                cs->atom = big[u];
                ds->n_cases_unmatched--;
                ds->n_cases_via_unit++;
            }
        }
        GEOSGeom_destroy_r(h, pt);
    }
done:
    for (int u = 0; prep && u < ds->n_units; u++)
        if (prep[u])
            GEOSPreparedGeom_destroy_r(h, prep[u]);
    free(prep);
    free(big);
    free(c.v);
    if (tree)
        GEOSSTRtree_destroy_r(h, tree);
    return st;
}

gp_status gp_cases_attach(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds)
{
    GEOSContextHandle_t h = ctx->geos;
    gp_status st = GP_OK;
    if (ds->n_cases > 0) {
        GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
        const GEOSPreparedGeometry **prep = calloc((size_t)ds->n_atoms, sizeof *prep);
        if (!tree || !prep) {
            if (tree)
                GEOSSTRtree_destroy_r(h, tree);
            free(prep);
            return GP_ERR_NOMEM;
        }
        for (int i = 0; i < ds->n_atoms; i++)
            GEOSSTRtree_insert_r(h, tree, ds->atoms[i].geom, (void *)(intptr_t)i);
        gp_ivec c = {0};
        for (int k = 0; k < ds->n_cases && !st; k++) {
            gp_case *cs = &ds->cases[k];
            GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, cs->x, cs->y);
            if (!pt) {
                st = GP_ERR_GEOS;
                break;
            }
            c.n = 0;
            GEOSSTRtree_query_r(h, tree, pt, gp_ivec_collect, &c);
            int best = -1;
            for (int j = 0; j < c.n; j++) {
                int a = c.v[j];
                if (best >= 0 && a > best)
                    continue;
                if (!prep[a] && !(prep[a] = GEOSPrepare_r(h, ds->atoms[a].geom))) {
                    st = GP_ERR_GEOS;
                    break;
                }
                if (GEOSPreparedIntersects_r(h, prep[a], pt) == 1)
                    best = a;
            }
            GEOSGeom_destroy_r(h, pt);
            cs->atom = best;
            if (best < 0)
                ds->n_cases_unmatched++;
        }
        for (int i = 0; i < ds->n_atoms; i++)
            if (prep[i])
                GEOSPreparedGeom_destroy_r(h, prep[i]);
        free(prep);
        free(c.v);
        GEOSSTRtree_destroy_r(h, tree);
        if (st)
            return gp_fail(ctx, st, "attaching cases to atoms failed: %s", gp_geos_lastmsg(ctx));
        if (ds->n_cases_unmatched && (st = via_units(ctx, ds)))
            return gp_fail(ctx, st, "attaching cases through their units failed: %s", gp_geos_lastmsg(ctx));
        if (ds->n_cases_via_unit)
            gp_log(ctx, GP_LOG_INFO, "%d cases lie in no atom but inside a unit: they go to that unit's largest atom",
                   ds->n_cases_via_unit);
        if (ds->n_cases_unmatched)
            gp_log(ctx, GP_LOG_WARN, "%d of %d cases lie outside every unit and community: they are counted in "
                   "report.json, not in any grid", ds->n_cases_unmatched, ds->n_cases);
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
    bool any = gp_scn_section(sc, "workload", NULL, NULL) > 0;
    double w_hh = gp_scn_num(sc, "workload", "households", any ? 0 : 1);
    double w_pop = gp_scn_num(sc, "workload", "population", 0);
    double w_cases = gp_scn_num(sc, "workload", "cases", 0);
    if (!any && !gp_scenario_get(sc, "input", "units.households"))
        w_hh = 0, w_pop = 1;
    for (int i = 0; i < ds->n_atoms; i++) {
        gp_atom *a = &ds->atoms[i];
        a->v[GP_A_WORK] = w_hh * a->v[GP_A_HH] + w_pop * a->v[GP_A_POP] + w_cases * a->v[GP_A_LOAD];
    }
    return GP_OK;
}
