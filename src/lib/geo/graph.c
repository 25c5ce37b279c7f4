/* Graph stage: the adjacency graph of atoms inside each community. Two
 * atoms are neighbours when they share a boundary of positive length, with
 * a snapping tolerance (scenario [atoms] snap, metres) so that slivers and
 * gaps in real data do not cut the graph: boundaries that run alongside
 * each other within `snap` for more than 3 x snap (longer than any corner
 * touch or crossing). The edge weight is that shared length. Whole lattice
 * cells are neighbours by their lattice positions. Components that are still
 * apart (real islands) are bridged to the nearest atom, and counted. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo.h"

/* ---- shared boundary length with a tolerance --------------------------
 * For every pair of boundary segments (a of A, b of B) that run alongside
 * each other, the stretch of a where b lies within tol of it counts as
 * shared. Corner touches and crossings give at most a few tol, gaps and
 * overlaps narrower than tol are bridged. Segments of B are sorted by x so
 * each segment of A meets only the few that can be near it. */

typedef struct seg { double x0, y0, x1, y1, xmin, xmax, ymin, ymax; } seg;
typedef struct segs { seg *v; int n, cap; } segs;

static bool seg_push(segs *s, double x0, double y0, double x1, double y1)
{
    if (!gp_grow(&s->v, &s->cap, s->n + 1, sizeof *s->v))
        return false;
    s->v[s->n++] = (seg){x0, y0, x1, y1, fmin(x0, x1), fmax(x0, x1), fmin(y0, y1), fmax(y0, y1)};
    return true;
}

static bool ring_segs(gp_ctx *ctx, const GEOSGeometry *ring, segs *s)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(ctx->geos, ring);
    unsigned n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(ctx->geos, cs, &n))
        return false;
    double px = 0, py = 0;
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(ctx->geos, cs, i, &x, &y);
        if (i > 0 && (x != px || y != py) && !seg_push(s, px, py, x, y))
            return false;
        px = x, py = y;
    }
    return true;
}

static bool boundary_segs(gp_ctx *ctx, const GEOSGeometry *g, segs *s)
{
    GEOSContextHandle_t h = ctx->geos;
    s->n = 0;
    int np = GEOSGetNumGeometries_r(h, g);
    for (int p = 0; p < np; p++) {
        const GEOSGeometry *poly = GEOSGetGeometryN_r(h, g, p);
        if (GEOSGeomTypeId_r(h, poly) != GEOS_POLYGON)
            continue;
        if (!ring_segs(ctx, GEOSGetExteriorRing_r(h, poly), s))
            return false;
        for (int k = 0; k < GEOSGetNumInteriorRings_r(h, poly); k++)
            if (!ring_segs(ctx, GEOSGetInteriorRingN_r(h, poly, k), s))
                return false;
    }
    return true;
}

static int cmp_seg(const void *pa, const void *pb)
{
    const seg *a = pa, *b = pb;
    return (a->xmin > b->xmin) - (a->xmin < b->xmin);
}

/* Length of a along which b stays within tol (b nearly alongside a). */
static double alongside(const seg *a, const seg *b, double tol)
{
    double dx = a->x1 - a->x0, dy = a->y1 - a->y0, la = hypot(dx, dy);
    if (la <= 0)
        return 0;
    double ux = dx / la, uy = dy / la;
    double t0 = (b->x0 - a->x0) * ux + (b->y0 - a->y0) * uy, d0 = (b->y0 - a->y0) * ux - (b->x0 - a->x0) * uy;
    double t1 = (b->x1 - a->x0) * ux + (b->y1 - a->y0) * uy, d1 = (b->y1 - a->y0) * ux - (b->x1 - a->x0) * uy;
    if (t0 == t1)
        return 0;
    double lo = fmax(0, fmin(t0, t1)), hi = fmin(la, fmax(t0, t1));
    if (hi <= lo)
        return 0;
    /* the offset of b from a's line varies linearly along the common
     * stretch: count the part of it where the offset is within tol */
    double dlo = d0 + (d1 - d0) * (lo - t0) / (t1 - t0), dhi = d0 + (d1 - d0) * (hi - t0) / (t1 - t0);
    if (fabs(dhi - dlo) < 1e-12)
        return fabs(dlo) <= tol ? hi - lo : 0;
    double ta = lo + (-tol - dlo) * (hi - lo) / (dhi - dlo), tb = lo + (tol - dlo) * (hi - lo) / (dhi - dlo);
    double from = fmax(lo, fmin(ta, tb)), to = fmin(hi, fmax(ta, tb));
    return to > from ? to - from : 0;
}

/* sb sorted by xmin. */
static double shared_length(const segs *sa, const segs *sb, double tol)
{
    double len = 0;
    for (int i = 0; i < sa->n; i++) {
        const seg *a = &sa->v[i];
        for (int k = 0; k < sb->n && sb->v[k].xmin <= a->xmax + tol; k++) {
            const seg *b = &sb->v[k];
            if (b->xmax < a->xmin - tol || b->ymin > a->ymax + tol || b->ymax < a->ymin - tol)
                continue;
            len += alongside(a, b, tol);
        }
    }
    return len;
}

typedef struct edge { int a, b; double w; } edge;
typedef struct edges { edge *v; int n, cap; } edges;

static bool edge_push(edges *e, int a, int b, double w)
{
    if (!gp_grow(&e->v, &e->cap, e->n + 1, sizeof *e->v))
        return false;
    e->v[e->n++] = (edge){a, b, w};
    return true;
}

/* Component label of every atom of one community over the edges so far
 * (0, 1, ... in order of their lowest atom); how many, -1 when out of
 * memory. */
static int components(const edges *e, int first, int n, int *label)
{
    /* the edges inside the community as a graph of its own */
    int *xadj = calloc((size_t)n + 1, sizeof *xadj), *adj = malloc(2 * ((size_t)e->n + 1) * sizeof *adj);
    int k = -1;
    if (xadj && adj) {
        for (int q = 0; q < e->n; q++) {
            int a = e->v[q].a - first, b = e->v[q].b - first;
            if (a >= 0 && a < n && b >= 0 && b < n)
                xadj[a + 1]++, xadj[b + 1]++;
        }
        for (int i = 0; i < n; i++)
            xadj[i + 1] += xadj[i];
        int *pos = label; /* scratch until the labels come */
        memcpy(pos, xadj, (size_t)n * sizeof *pos);
        for (int q = 0; q < e->n; q++) {
            int a = e->v[q].a - first, b = e->v[q].b - first;
            if (a >= 0 && a < n && b >= 0 && b < n)
                adj[pos[a]++] = b, adj[pos[b]++] = a;
        }
        gp_csr g = {n, xadj, adj};
        k = gp_csr_components(&g, label);
    }
    free(xadj), free(adj);
    return k;
}

/* Whole cells (i, j) of the lattice that share an edge, and its length. */
static bool lattice_neighbours(const gp_atom *a, const gp_atom *b, bool hex, double size, double *len)
{
    long di = b->ci - a->ci, dj = b->cj - a->cj;
    if (!hex) {
        *len = size;
        return (di == 0 && (dj == 1 || dj == -1)) || (dj == 0 && (di == 1 || di == -1));
    }
    *len = size / sqrt(3.0);
    if (dj == 0)
        return di == 1 || di == -1;
    if (dj != 1 && dj != -1)
        return false;
    /* rows alternate: odd rows sit half a cell to the east */
    return (a->cj & 1) ? (di == 0 || di == 1) : (di == 0 || di == -1);
}

static gp_status community_edges(gp_ctx *ctx, gp_dataset *ds, int c, double tol, edges *e)
{
    GEOSContextHandle_t h = ctx->geos;
    gp_community *cm = &ds->comms[c];
    int first = cm->first_atom, n = cm->n_atoms;
    if (n <= 1)
        return GP_OK;
    gp_status st = GP_OK;
    GEOSSTRtree *tree = gp_tree_build(ctx, &ds->atoms[first].geom, sizeof *ds->atoms, n);
    segs sa = {0}, sb = {0};
    gp_ivec hv = {0};
    if (!tree) {
        st = GP_ERR_NOMEM;
        goto done;
    }
    for (int i = 0; i < n && !st; i++) {
        const gp_atom *ai = &ds->atoms[first + i];
        double x0, y0, x1, y1;
        GEOSGeom_getExtent_r(h, ai->geom, &x0, &y0, &x1, &y1);
        GEOSGeometry *env = GEOSGeom_createRectangle_r(h, x0 - tol, y0 - tol, x1 + tol, y1 + tol);
        hv.n = 0;
        if (env) {
            gp_tree_query(ctx, tree, env, &hv);
            GEOSGeom_destroy_r(h, env);
        }
        bool have_i = false;
        for (int k = 0; k < hv.n && !st; k++) {
            int j = hv.v[k];
            if (j <= i)
                continue;
            const gp_atom *aj = &ds->atoms[first + j];
            /* two whole cells of the lattice: neighbours by index, sharing
             * one whole edge, no geometry needed */
            if (ai->cell && aj->cell) {
                double len;
                if (lattice_neighbours(ai, aj, ds->cell_hex, ds->cell_size, &len) &&
                    !edge_push(e, first + i, first + j, len))
                    st = GP_ERR_NOMEM;
                continue;
            }
            if (!have_i) {
                if (!boundary_segs(ctx, ai->geom, &sa)) {
                    st = GP_ERR_NOMEM;
                    break;
                }
                have_i = true;
            }
            if (!boundary_segs(ctx, aj->geom, &sb)) {
                st = GP_ERR_NOMEM;
                break;
            }
            if (sb.n > 1)
                qsort(sb.v, (size_t)sb.n, sizeof *sb.v, cmp_seg);
            double len = shared_length(&sa, &sb, tol > 0 ? tol : 1e-9);
            bool adj = tol > 0 ? len > 3 * tol : len > 0;
            if (adj && !edge_push(e, first + i, first + j, len))
                st = GP_ERR_NOMEM;
        }
    }
    if (st)
        goto done;

    /* bridge components: the smallest joins its nearest outside atom */
    int *label = malloc((size_t)n * sizeof *label);
    int *size = calloc((size_t)n, sizeof *size);
    if (!label || !size) {
        free(label);
        free(size);
        st = GP_ERR_NOMEM;
        goto done;
    }
    int nc;
    while ((nc = components(e, first, n, label)) > 1) {
        memset(size, 0, (size_t)n * sizeof *size);
        for (int i = 0; i < n; i++)
            size[label[i]]++;
        int small = 0; /* the smallest piece, the first of equals */
        for (int q = 1; q < nc; q++)
            if (size[q] < size[small])
                small = q;
        int ba = -1, bb = -1;
        double bd = DBL_MAX;
        for (int a = 0; a < n; a++) {
            if (label[a] != small)
                continue;
            for (int b = 0; b < n; b++) {
                double d;
                if (label[b] == small || !GEOSDistance_r(h, ds->atoms[first + a].geom, ds->atoms[first + b].geom, &d))
                    continue;
                if (d < bd) {
                    bd = d;
                    ba = a;
                    bb = b;
                }
            }
        }
        if (ba < 0 || !edge_push(e, first + (ba < bb ? ba : bb), first + (ba < bb ? bb : ba), 0)) {
            st = GP_ERR_NOMEM;
            break;
        }
        ds->n_bridges++;
        gp_ivec_push(&ds->bridges, first + ba);
        gp_ivec_push(&ds->bridges, first + bb);
        gp_log(ctx, GP_LOG_WARN, "community '%s': atom '%s' (%d atoms apart) bridged to '%s', %.1f m away",
               cm->id, ds->atoms[first + ba].id, size[small], ds->atoms[first + bb].id, bd);
    }
    if (nc < 0)
        st = GP_ERR_NOMEM;
    free(label);
    free(size);
done:
    free(sa.v);
    free(sb.v);
    gp_ivec_free(&hv);
    if (tree)
        GEOSSTRtree_destroy_r(h, tree);
    return st;
}

static int cmp_nb(const void *pa, const void *pb)
{
    const int *a = pa, *b = pb;
    return (a[0] > b[0]) - (a[0] < b[0]);
}

gp_status gp_graph_build(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds)
{
    double tol = cfg->atoms.snap;
    edges e = {0};
    gp_status st = GP_OK;
    unsigned tick = 0;
    for (int c = 0; c < ds->n_comms && !st; c++)
        st = gp_stopped_tick(ctx, &tick) ? GP_ERR_CANCELLED : community_edges(ctx, ds, c, tol, &e);
    if (st) {
        free(e.v);
        return st;
    }
    int n = ds->n_atoms;
    ds->xadj = calloc((size_t)n + 1, sizeof *ds->xadj);
    ds->adj = malloc((size_t)(2 * e.n + 1) * sizeof *ds->adj);
    ds->adjw = malloc((size_t)(2 * e.n + 1) * sizeof *ds->adjw);
    int *pos = malloc((size_t)(n + 1) * sizeof *pos);
    if (!ds->xadj || !ds->adj || !ds->adjw || !pos) {
        free(e.v);
        free(pos);
        return GP_ERR_NOMEM;
    }
    for (int k = 0; k < e.n; k++) {
        ds->xadj[e.v[k].a + 1]++;
        ds->xadj[e.v[k].b + 1]++;
    }
    for (int i = 0; i < n; i++)
        ds->xadj[i + 1] += ds->xadj[i];
    memcpy(pos, ds->xadj, (size_t)(n + 1) * sizeof *pos);
    for (int k = 0; k < e.n; k++) {
        int a = e.v[k].a, b = e.v[k].b;
        ds->adj[pos[a]] = b;
        ds->adjw[pos[a]++] = e.v[k].w;
        ds->adj[pos[b]] = a;
        ds->adjw[pos[b]++] = e.v[k].w;
    }
    /* neighbours in index order, weights alongside */
    for (int i = 0; i < n; i++) {
        int d = ds->xadj[i + 1] - ds->xadj[i];
        int (*tmp)[2] = malloc((size_t)(d ? d : 1) * sizeof *tmp);
        double *w = malloc((size_t)(d ? d : 1) * sizeof *w);
        if (!tmp || !w) {
            free(tmp);
            free(w);
            free(e.v);
            free(pos);
            return GP_ERR_NOMEM;
        }
        for (int k = 0; k < d; k++) {
            tmp[k][0] = ds->adj[ds->xadj[i] + k];
            tmp[k][1] = k;
            w[k] = ds->adjw[ds->xadj[i] + k];
        }
        qsort(tmp, (size_t)d, sizeof *tmp, cmp_nb);
        for (int k = 0; k < d; k++) {
            ds->adj[ds->xadj[i] + k] = tmp[k][0];
            ds->adjw[ds->xadj[i] + k] = w[tmp[k][1]];
        }
        free(tmp);
        free(w);
    }
    free(pos);
    free(e.v);
    return GP_OK;
}
