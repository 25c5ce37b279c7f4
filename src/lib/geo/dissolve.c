/* Grids as polygons: each grid's atoms dissolved by coverage union, and
 * the grid's sums, area, perimeter and Polsby-Popper compactness. */
#include <math.h>
#include <stdlib.h>

#include "geo/geo.h"

gp_status gp_plan_build_grids(gp_ctx *ctx, gp_dataset *ds, gp_plan *plan)
{
    GEOSContextHandle_t h = ctx->geos;
    int ng = plan->n_grids;
    int *count = calloc((size_t)(ng ? ng : 1), sizeof *count);
    GEOSGeometry ***parts = calloc((size_t)(ng ? ng : 1), sizeof *parts);
    gp_status st = GP_OK;
    if (!count || !parts) {
        free(count);
        free(parts);
        return GP_ERR_NOMEM;
    }
    for (int i = 0; i < ds->n_atoms; i++)
        count[ds->atoms[i].grid]++;
    for (int g = 0; g < ng && !st; g++)
        if (!(parts[g] = malloc((size_t)(count[g] ? count[g] : 1) * sizeof **parts)))
            st = GP_ERR_NOMEM;
    if (st)
        goto done;
    for (int g = 0; g < ng; g++)
        count[g] = 0;
    for (int i = 0; i < ds->n_atoms; i++) {
        gp_atom *a = &ds->atoms[i];
        gp_grid *gr = &plan->grids[a->grid];
        for (int k = 0; k < GP_NATTR; k++)
            gr->v[k] += a->v[k];
        gr->n_atoms++;
        parts[a->grid][count[a->grid]++] = GEOSGeom_clone_r(h, a->geom);
    }
    for (int g = 0; g < ng && !st; g++) {
        gp_grid *gr = &plan->grids[g];
        GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts[g], (unsigned)count[g]);
        free(parts[g]);
        parts[g] = NULL;
        if (!coll) {
            st = gp_fail(ctx, GP_ERR_GEOS, "grid %s: cannot collect atoms", gr->id);
            break;
        }
        /* atoms form a coverage: coverage union is fast and leaves no
         * slivers; fall back to a full union where the input is not clean */
        GEOSGeometry *u = GEOSCoverageUnion_r(h, coll);
        if (!u || GEOSisValid_r(h, u) != 1) {
            if (u)
                GEOSGeom_destroy_r(h, u);
            u = GEOSUnaryUnion_r(h, coll);
        }
        GEOSGeom_destroy_r(h, coll);
        if (!u) {
            st = gp_fail(ctx, GP_ERR_GEOS, "grid %s: dissolving its atoms failed: %s", gr->id, gp_geos_lastmsg(ctx));
            break;
        }
        gr->geom = u;
        GEOSArea_r(h, u, &gr->area);
        GEOSLength_r(h, u, &gr->perimeter);
        gr->polsby_popper = gr->perimeter > 0 ? 4 * M_PI * gr->area / (gr->perimeter * gr->perimeter) : 0;
    }
done:
    for (int g = 0; g < ng; g++)
        free(parts[g]);
    free(parts);
    free(count);
    return st;
}
