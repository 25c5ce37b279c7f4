/* Tessellation (atoms = cells): square or hexagonal cells of a given size
 * in metres, laid on a lattice anchored at the working CRS's origin (so the
 * same size gives the same cells in every run and every community), and
 * clipped to each community.
 *
 * size is the distance between the centres of neighbouring cells: the side
 * of a square, the width across flats of a hexagon (pointy-top, rows
 * offset by half a cell). Most cells lie wholly inside one community and
 * are taken as they are; only cells on a community boundary are
 * intersected, after clipping the community to the cell's rectangle.
 * Boundary pieces smaller than a tenth of a cell are merged into the
 * neighbouring piece of the same community they share most boundary
 * with, so the optimizer is not handed slivers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo.h"

#define SMALL_PIECE 0.10

static GEOSGeometry *cell_polygon(gp_ctx *ctx, bool hex, double size, long i, long j, double *cx, double *cy)
{
    GEOSContextHandle_t h = ctx->geos;
    if (!hex) {
        *cx = (i + 0.5) * size;
        *cy = (j + 0.5) * size;
        return GEOSGeom_createRectangle_r(h, i * size, j * size, (i + 1) * size, (j + 1) * size);
    }
    /* vertices on an integer lattice of (size/2, r/2) steps, so that
     * neighbouring cells share bit-identical corners and edges */
    double r = size / sqrt(3.0), hx = size / 2, hy = r / 2; /* r: circumradius */
    long X = 2 * i + (j & 1), Y = 3 * j;
    *cx = (double)X * hx;
    *cy = (double)Y * hy;
    static const int DX[6] = {0, -1, -1, 0, 1, 1}, DY[6] = {2, 1, -1, -2, -1, 1};
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, 7, 2);
    for (int k = 0; k < 6; k++)
        GEOSCoordSeq_setXY_r(h, cs, (unsigned)k, (double)(X + DX[k]) * hx, (double)(Y + DY[k]) * hy);
    double x0, y0;
    GEOSCoordSeq_getXY_r(h, cs, 0, &x0, &y0);
    GEOSCoordSeq_setXY_r(h, cs, 6, x0, y0);
    GEOSGeometry *ring = GEOSGeom_createLinearRing_r(h, cs);
    return ring ? GEOSGeom_createPolygon_r(h, ring, NULL, 0) : NULL;
}

typedef struct cellpiece {
    GEOSGeometry *g;
    double area, x0, y0, x1, y1;
    long i, j;
    bool whole, dead;
} cellpiece;

static double shared_length(gp_ctx *ctx, const GEOSGeometry *a, const GEOSGeometry *b)
{
    GEOSContextHandle_t h = ctx->geos;
    GEOSGeometry *bb = GEOSBuffer_r(h, b, 1e-3, 1);
    GEOSGeometry *ba = GEOSBoundary_r(h, a);
    double len = 0;
    if (bb && ba) {
        GEOSGeometry *x = GEOSIntersection_r(h, ba, bb);
        if (x) {
            GEOSLength_r(h, x, &len);
            GEOSGeom_destroy_r(h, x);
        }
    }
    if (bb)
        GEOSGeom_destroy_r(h, bb);
    if (ba)
        GEOSGeom_destroy_r(h, ba);
    return len;
}

/* Merges small boundary pieces into their best neighbour, smallest first. */
static void merge_small(gp_ctx *ctx, cellpiece *p, int n, double cell_area)
{
    GEOSContextHandle_t h = ctx->geos;
    for (;;) {
        int s = -1;
        for (int k = 0; k < n; k++)
            if (!p[k].dead && !p[k].whole && p[k].area < SMALL_PIECE * cell_area && (s < 0 || p[k].area < p[s].area))
                s = k;
        if (s < 0)
            return;
        int best = -1;
        double bl = 0;
        for (int k = 0; k < n; k++) {
            if (k == s || p[k].dead || p[k].x0 > p[s].x1 + 1e-3 || p[k].x1 < p[s].x0 - 1e-3 ||
                p[k].y0 > p[s].y1 + 1e-3 || p[k].y1 < p[s].y0 - 1e-3)
                continue;
            double len = shared_length(ctx, p[s].g, p[k].g);
            if (len > bl + 1e-9) {
                bl = len;
                best = k;
            }
        }
        if (best < 0) {
            p[s].whole = true; /* an islet: keep it, the graph will bridge it */
            continue;
        }
        GEOSGeometry *pair[2] = {GEOSGeom_clone_r(h, p[best].g), GEOSGeom_clone_r(h, p[s].g)};
        GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, pair, 2);
        GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
        if (coll)
            GEOSGeom_destroy_r(h, coll);
        GEOSGeom_destroy_r(h, p[s].g);
        GEOSGeom_destroy_r(h, p[best].g);
        p[s].g = NULL;
        p[s].dead = true;
        if (!u || !(u = gp_geom_polygonal(ctx, u))) {
            p[best].dead = true; /* cannot happen with valid pieces; drop the pair */
            p[best].g = NULL;
            continue;
        }
        p[best].g = u;
        GEOSArea_r(h, u, &p[best].area);
        GEOSGeom_getExtent_r(h, u, &p[best].x0, &p[best].y0, &p[best].x1, &p[best].y1);
        p[best].whole = false;
    }
}

gp_status gp_cells_make(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds,
                        gp_status (*emit)(gp_ctx *, gp_dataset *, int comm, GEOSGeometry *g, long i, long j,
                                          bool whole, void *),
                        void *user)
{
    GEOSContextHandle_t h = ctx->geos;
    bool hex = cfg->atoms.shape == GP_SHAPE_HEX;
    double size = cfg->atoms.size;
    double cell_area = hex ? size * size * sqrt(3.0) / 2 : size * size;
    double r = hex ? size / sqrt(3.0) : size;
    double dy = hex ? 1.5 * r : size;
    gp_status st = GP_OK;
    ds->cell_hex = hex;
    ds->cell_size = size;
    unsigned tick = 0;
    for (int c = 0; c < ds->n_comms && !st; c++) {
        gp_community *cm = &ds->comms[c];
        double x0, y0, x1, y1;
        if (!GEOSGeom_getExtent_r(h, cm->geom, &x0, &y0, &x1, &y1))
            continue;
        long j0 = (long)floor((y0 - r) / dy) - 1, j1 = (long)ceil((y1 + r) / dy) + 1;
        long i0 = (long)floor(x0 / size) - 1, i1 = (long)ceil(x1 / size) + 1;
        double est = (double)(j1 - j0 + 1) * (double)(i1 - i0 + 1);
        if (est > 5e7)
            return gp_fail(ctx, GP_ERR_SCENARIO, "[atoms] size = %g m would make about %.0f cells in community "
                           "'%s': choose a larger size", size, est, cm->id);
        cellpiece *p = NULL;
        int n = 0, cap = 0;
        for (long j = j0; j <= j1 && !st; j++) {
            if (gp_stopped_tick(ctx, &tick)) {
                st = GP_ERR_CANCELLED;
                break;
            }
            /* the community clipped to this row once, for its boundary cells */
            GEOSGeometry *band = NULL;
            for (long i = i0; i <= i1 && !st; i++) {
                double cx, cy;
                GEOSGeometry *cell = cell_polygon(ctx, hex, size, i, j, &cx, &cy);
                if (!cell) {
                    st = gp_fail(ctx, GP_ERR_GEOS, "cannot build a cell: %s", gp_geos_lastmsg(ctx));
                    break;
                }
                double a0, b0, a1, b1;
                GEOSGeom_getExtent_r(h, cell, &a0, &b0, &a1, &b1);
                if (a1 < x0 || a0 > x1 || b1 < y0 || b0 > y1 ||
                    GEOSPreparedIntersects_r(h, cm->prep, cell) != 1) {
                    GEOSGeom_destroy_r(h, cell);
                    continue;
                }
                bool whole = GEOSPreparedContains_r(h, cm->prep, cell) == 1;
                GEOSGeometry *g = cell;
                if (!whole) {
                    if (!band)
                        band = GEOSClipByRect_r(h, cm->geom, x0 - 1, b0 - 1e-6, x1 + 1, b1 + 1e-6);
                    GEOSGeometry *clip = band ? GEOSClipByRect_r(h, band, a0, b0, a1, b1) : NULL;
                    g = clip ? GEOSIntersection_r(h, cell, clip) : NULL;
                    if (clip)
                        GEOSGeom_destroy_r(h, clip);
                    /* rectangle clips are not always valid: then the whole community */
                    if (!g)
                        g = GEOSIntersection_r(h, cell, cm->geom);
                    GEOSGeom_destroy_r(h, cell);
                    if (!g) {
                        st = gp_fail(ctx, GP_ERR_GEOS, "community '%s': clipping a cell failed: %s", cm->id,
                                     gp_geos_lastmsg(ctx));
                        break;
                    }
                    g = gp_geom_polygonal(ctx, g);
                    if (!g)
                        continue;
                }
                double area = 0;
                GEOSArea_r(h, g, &area);
                if (area <= 1e-9 * cell_area) {
                    GEOSGeom_destroy_r(h, g);
                    continue;
                }
                if (!gp_grow(&p, &cap, n + 1, sizeof *p)) {
                    GEOSGeom_destroy_r(h, g);
                    st = GP_ERR_NOMEM;
                    break;
                }
                cellpiece *q = &p[n++];
                memset(q, 0, sizeof *q);
                q->g = g;
                q->area = area;
                q->i = i;
                q->j = j;
                q->whole = whole;
                GEOSGeom_getExtent_r(h, g, &q->x0, &q->y0, &q->x1, &q->y1);
            }
            if (band)
                GEOSGeom_destroy_r(h, band);
        }
        if (!st)
            merge_small(ctx, p, n, cell_area);
        for (int k = 0; k < n; k++) {
            if (p[k].dead)
                continue;
            if (st) {
                GEOSGeom_destroy_r(h, p[k].g);
                continue;
            }
            st = emit(ctx, ds, c, p[k].g, p[k].i, p[k].j, p[k].whole && p[k].area >= cell_area * (1 - 1e-9), user);
        }
        free(p);
    }
    return st;
}
