/* The geometries as written: every grid and atom in the output CRS, valid
 * there. Reprojecting a valid polygon can break it (a near-degenerate
 * ring, a spike narrower than the curvature of the transformation), so
 * each is snapped to a precision grid in the working CRS, transformed,
 * snapped again in the output CRS (GEOS's snap-rounding returns valid
 * polygons) and, should that not do, repaired. The plan digest is taken
 * over what is written. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"

/* The precision grid of the working CRS: metres. */
#define WORKING_GRID 1e-3

/* g as written: NULL with an error in ctx when it cannot be made valid. */
static GEOSGeometry *written(gp_ctx *ctx, gp_proj *pj, double grid, const GEOSGeometry *g, bool *repaired)
{
    GEOSContextHandle_t h = ctx->geos;
    *repaired = false;
    GEOSGeometry *a = GEOSGeom_setPrecision_r(h, g, WORKING_GRID, 0);
    if (!a || GEOSisEmpty_r(h, a)) { /* smaller than the grid: as it is */
        if (a)
            GEOSGeom_destroy_r(h, a);
        a = GEOSGeom_clone_r(h, g);
    }
    GEOSGeometry *b = a && pj ? gp_proj_geom(ctx, pj, a) : a;
    if (b != a && a)
        GEOSGeom_destroy_r(h, a);
    if (!b)
        return NULL;
    GEOSGeometry *c = GEOSGeom_setPrecision_r(h, b, grid, 0);
    if (c && !GEOSisEmpty_r(h, c) && GEOSisValid_r(h, c) == 1) {
        GEOSGeom_destroy_r(h, b);
        return c;
    }
    if (c)
        GEOSGeom_destroy_r(h, c);
    *repaired = true;
    return gp_geom_repair(ctx, b, repaired); /* takes b */
}

static int cmp_str(const void *a, const void *b, void *ids)
{
    char *const *s = ids;
    return strcmp(s[*(const int *)a], s[*(const int *)b]);
}

/* The order of n ids (a malloc'd array of indexes); NULL when out of memory. */
static int *sorted(char *const *ids, int n)
{
    int *o = malloc((size_t)(n ? n : 1) * sizeof *o);
    for (int i = 0; o && i < n; i++)
        o[i] = i;
    if (o)
        qsort_r(o, (size_t)n, sizeof *o, cmp_str, (void *)ids);
    return o;
}

/* SHA-256 over the atoms' grids, in the order of atom ids ("id\tgrid\n"),
 * then each grid's id and the WKB of its written polygon, in the order of
 * grid ids. */
static gp_status digest(gp_ctx *ctx, const gp_dataset *ds, const gp_plan *plan, gp_written *w)
{
    GEOSContextHandle_t h = ctx->geos;
    char **aid = malloc((size_t)(ds->n_atoms ? ds->n_atoms : 1) * sizeof *aid);
    char **gid = malloc((size_t)(plan->n_grids ? plan->n_grids : 1) * sizeof *gid);
    GEOSWKBWriter *wr = GEOSWKBWriter_create_r(h);
    int *ao = NULL, *go = NULL;
    gp_status st = GP_ERR_NOMEM;
    if (!aid || !gid || !wr)
        goto out;
    for (int i = 0; i < ds->n_atoms; i++)
        aid[i] = ds->atoms[i].id;
    for (int g = 0; g < plan->n_grids; g++)
        gid[g] = plan->grids[g].id;
    if (!(ao = sorted(aid, ds->n_atoms)) || !(go = sorted(gid, plan->n_grids)))
        goto out;
    GEOSWKBWriter_setByteOrder_r(h, wr, GEOS_WKB_NDR);
    gp_sha256 s;
    gp_sha256_init(&s);
    for (int q = 0; q < ds->n_atoms; q++) {
        const gp_atom *a = &ds->atoms[ao[q]];
        const char *g = a->grid >= 0 ? plan->grids[a->grid].id : "";
        gp_sha256_update(&s, a->id, strlen(a->id));
        gp_sha256_update(&s, "\t", 1);
        gp_sha256_update(&s, g, strlen(g));
        gp_sha256_update(&s, "\n", 1);
    }
    for (int q = 0; q < plan->n_grids; q++) {
        size_t n = 0;
        unsigned char *wkb = GEOSWKBWriter_write_r(h, wr, w->grid[go[q]], &n);
        if (!wkb) {
            st = gp_fail(ctx, GP_ERR_GEOS, "grid %s: cannot encode its polygon", gid[go[q]]);
            goto out;
        }
        gp_sha256_update(&s, gid[go[q]], strlen(gid[go[q]]) + 1);
        gp_sha256_update(&s, wkb, n);
        GEOSFree_r(h, wkb);
    }
    char hex[65];
    gp_sha256_hex(&s, hex);
    snprintf(w->digest, sizeof w->digest, "sha256:%s", hex);
    st = GP_OK;
out:
    if (wr)
        GEOSWKBWriter_destroy_r(h, wr);
    free(aid), free(gid), free(ao), free(go);
    return st;
}

gp_status gp_written_make(gp_ctx *ctx, const gp_dataset *ds, const gp_plan *plan, const gp_output *out, gp_written *w)
{
    memset(w, 0, sizeof *w);
    const char *crs = out ? out->crs_def : ds->crs;
    double grid = out ? out->grid : WORKING_GRID;
    int ng = plan ? plan->n_grids : 0;
    gp_proj *pj = NULL;
    gp_status st = GP_OK;
    if (strcmp(crs, ds->crs) != 0 && (st = gp_proj_create(ctx, ds->crs, crs, "the output", &pj)))
        return st;
    w->atom = calloc((size_t)(ds->n_atoms ? ds->n_atoms : 1), sizeof *w->atom);
    w->grid = calloc((size_t)(ng ? ng : 1), sizeof *w->grid);
    w->n_atoms = ds->n_atoms;
    w->n_grids = ng;
    if (!w->atom || !w->grid)
        st = GP_ERR_NOMEM;
    for (int k = 0; !st && k < ds->n_atoms + ng; k++) {
        bool grid_k = k >= ds->n_atoms, repaired;
        const GEOSGeometry *g = grid_k ? plan->grids[k - ds->n_atoms].geom : ds->atoms[k].geom;
        GEOSGeometry *v = written(ctx, pj, grid, g, &repaired);
        if (!v) {
            st = gp_fail(ctx, GP_ERR_OUTPUT, "%s %s: its polygon cannot be made valid in %s: choose another [output] "
                         "crs", grid_k ? "grid" : "atom", grid_k ? plan->grids[k - ds->n_atoms].id : ds->atoms[k].id,
                         out ? out->crs_name : ds->crs);
            break;
        }
        w->n_repaired += repaired;
        if (grid_k)
            w->grid[k - ds->n_atoms] = v;
        else
            w->atom[k] = v;
    }
    gp_proj_destroy(pj);
    if (!st && plan)
        st = digest(ctx, ds, plan, w);
    if (st)
        gp_written_free(ctx, w);
    return st;
}

void gp_written_free(gp_ctx *ctx, gp_written *w)
{
    for (int i = 0; w->atom && i < w->n_atoms; i++)
        if (w->atom[i])
            GEOSGeom_destroy_r(ctx->geos, w->atom[i]);
    for (int g = 0; w->grid && g < w->n_grids; g++)
        if (w->grid[g])
            GEOSGeom_destroy_r(ctx->geos, w->grid[g]);
    free(w->atom), free(w->grid);
    memset(w, 0, sizeof *w);
}
