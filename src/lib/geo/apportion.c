/* Area-weighted, mass-preserving transfer of counts from source polygons
 * (units) to target polygons (cells, or any polygons for `interpolate`).
 *
 * Each unit's counts are shared among the targets it overlaps in
 * proportion to the overlap areas, taken over the part of the unit that
 * lies inside some target (not over the unit's whole area): a unit half
 * outside the study area keeps all its counts. A unit that overlaps no
 * target gives its counts to the nearest target. Within a unit the largest
 * share takes the remainder, so every unit's counts are handed out exactly.
 *
 * Optional dasymetric weights: with an ancillary layer of polygons and a
 * weight each (e.g. buildings with floor area, land use with a density), a
 * piece counts for sum(weight x area of piece inside ancillary polygon)
 * instead of its plain area; a unit where the ancillary layer gives no
 * weight falls back to plain areas. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo.h"

typedef struct piece { int unit, target; double area, weight; } piece;
typedef struct pieces { piece *v; int n, cap; } pieces;

static bool push(pieces *p, piece x)
{
    if (!gp_grow(&p->v, &p->cap, p->n + 1, sizeof *p->v))
        return false;
    p->v[p->n++] = x;
    return true;
}

/* Area of a ∩ b, clipping b to a's envelope first: cheap when b is a large
 * complex polygon and a a small cell. */
static bool overlap_area(gp_ctx *ctx, const GEOSGeometry *a, const GEOSGeometry *b, double *out,
                         GEOSGeometry **keep)
{
    GEOSContextHandle_t h = ctx->geos;
    double x0, y0, x1, y1;
    *out = 0;
    if (keep)
        *keep = NULL;
    if (!GEOSGeom_getExtent_r(h, a, &x0, &y0, &x1, &y1))
        return false;
    GEOSGeometry *clip = GEOSClipByRect_r(h, b, x0, y0, x1, y1);
    GEOSGeometry *x = clip ? GEOSIntersection_r(h, a, clip) : NULL;
    if (clip)
        GEOSGeom_destroy_r(h, clip);
    /* a rectangle clip is not always valid (rings may touch along the
     * rectangle): then overlay with the whole polygon */
    if (!x && !(x = GEOSIntersection_r(h, a, b)))
        return false;
    GEOSArea_r(h, x, out);
    if (keep)
        *keep = x;
    else
        GEOSGeom_destroy_r(h, x);
    return true;
}

/* ---- area of a polygon inside a convex polygon ----------------------------
 * Sutherland-Hodgman clipping of each ring of the subject by the convex
 * target: the clipped ring may have degenerate edges along the target's
 * boundary, but its shoelace area is exactly the area inside, which is all
 * apportioning needs. Much cheaper than a general overlay, and cells are
 * convex. */

typedef struct ptbuf { double *x, *y; int n, cap; } ptbuf;

static bool pt_push(ptbuf *b, double x, double y)
{
    int cx = b->cap, cy = b->cap; /* x and y grow alike */
    if (!gp_grow(&b->x, &cx, b->n + 1, sizeof *b->x) || !gp_grow(&b->y, &cy, b->n + 1, sizeof *b->y))
        return false;
    b->cap = cx;
    b->x[b->n] = x;
    b->y[b->n++] = y;
    return true;
}

typedef struct convex { double x[16], y[16]; int n; } convex;

/* The target's exterior ring, counter-clockwise, without the closing point. */
static bool convex_of(gp_ctx *ctx, const GEOSGeometry *g, convex *c)
{
    GEOSContextHandle_t h = ctx->geos;
    if (GEOSGeomTypeId_r(h, g) != GEOS_POLYGON || GEOSGetNumInteriorRings_r(h, g) != 0)
        return false;
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, g));
    unsigned n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n) || n < 4 || n - 1 > 16)
        return false;
    c->n = (int)n - 1;
    double a = 0;
    for (int i = 0; i < c->n; i++)
        GEOSCoordSeq_getXY_r(h, cs, (unsigned)i, &c->x[i], &c->y[i]);
    for (int i = 0; i < c->n; i++) {
        int j = (i + 1) % c->n;
        a += c->x[i] * c->y[j] - c->x[j] * c->y[i];
    }
    if (a < 0)
        for (int i = 0, j = c->n - 1; i < j; i++, j--) {
            double t = c->x[i]; c->x[i] = c->x[j]; c->x[j] = t;
            t = c->y[i]; c->y[i] = c->y[j]; c->y[j] = t;
        }
    return true;
}

/* |area| of one ring clipped by the convex polygon. */
static bool ring_clip_area(gp_ctx *ctx, const GEOSGeometry *ring, const convex *c, ptbuf *in, ptbuf *out,
                           double *area)
{
    GEOSContextHandle_t h = ctx->geos;
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n))
        return false;
    in->n = 0;
    for (unsigned i = 0; i + 1 < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        if (!pt_push(in, x, y))
            return false;
    }
    for (int e = 0; e < c->n && in->n > 0; e++) {
        double ax = c->x[e], ay = c->y[e], bx = c->x[(e + 1) % c->n], by = c->y[(e + 1) % c->n];
        out->n = 0;
        for (int i = 0; i < in->n; i++) {
            double px = in->x[i], py = in->y[i];
            double qx = in->x[(i + 1) % in->n], qy = in->y[(i + 1) % in->n];
            double sp = (bx - ax) * (py - ay) - (by - ay) * (px - ax); /* >= 0: inside */
            double sq = (bx - ax) * (qy - ay) - (by - ay) * (qx - ax);
            if (sp >= 0 && !pt_push(out, px, py))
                return false;
            if ((sp >= 0) != (sq >= 0)) {
                double t = sp / (sp - sq);
                if (!pt_push(out, px + t * (qx - px), py + t * (qy - py)))
                    return false;
            }
        }
        ptbuf tmp = *in;
        *in = *out;
        *out = tmp;
    }
    double a = 0;
    for (int i = 0; i < in->n; i++) {
        int j = (i + 1) % in->n;
        a += in->x[i] * in->y[j] - in->x[j] * in->y[i];
    }
    *area = fabs(a) / 2;
    return true;
}

/* Area of (polygonal g) inside the convex polygon c. */
static bool convex_clip_area(gp_ctx *ctx, const GEOSGeometry *g, const convex *c, ptbuf *b1, ptbuf *b2,
                             double *area)
{
    GEOSContextHandle_t h = ctx->geos;
    *area = 0;
    int np = GEOSGetNumGeometries_r(h, g);
    for (int p = 0; p < np; p++) {
        const GEOSGeometry *poly = GEOSGetGeometryN_r(h, g, p);
        if (GEOSGeomTypeId_r(h, poly) != GEOS_POLYGON)
            continue;
        double a;
        if (!ring_clip_area(ctx, GEOSGetExteriorRing_r(h, poly), c, b1, b2, &a))
            return false;
        *area += a;
        int nh = GEOSGetNumInteriorRings_r(h, poly);
        for (int k = 0; k < nh; k++) {
            if (!ring_clip_area(ctx, GEOSGetInteriorRingN_r(h, poly, k), c, b1, b2, &a))
                return false;
            *area -= a;
        }
    }
    if (*area < 0)
        *area = 0;
    return true;
}

/* Weighted area of g from the ancillary layer. */
static bool weighted_area(gp_ctx *ctx, const gp_weights *w, const GEOSGeometry *g, gp_ivec *hv, double *out)
{
    *out = 0;
    gp_tree_query(ctx, w->tree, g, hv);
    for (int k = 0; k < hv->n; k++) {
        double a;
        if (!overlap_area(ctx, g, w->geoms[hv->v[k]], &a, NULL))
            return false;
        *out += a * w->w[hv->v[k]];
    }
    return true;
}

gp_status gp_apportion(gp_ctx *ctx, GEOSGeometry *const *units, const double *uval, int n_units, int nv,
                       GEOSGeometry *const *targets, const bool *convex_t, int n_targets, const gp_weights *weights,
                       double *tval, int *moved_to)
{
    ptbuf b1 = {0}, b2 = {0};
    GEOSContextHandle_t h = ctx->geos;
    gp_status st = GP_OK;
    pieces ps = {0};
    gp_ivec hv = {0}, wv = {0};
    GEOSSTRtree *tree = gp_tree_build(ctx, targets, sizeof *targets, n_targets);
    double *tarea = malloc((size_t)(n_targets ? n_targets : 1) * sizeof *tarea);
    if (!tree || !tarea) {
        st = GP_ERR_NOMEM;
        goto done;
    }
    for (int t = 0; t < n_targets; t++)
        GEOSArea_r(h, targets[t], &tarea[t]);
    unsigned tick = 0;
    for (int u = 0; u < n_units && !st; u++) {
        moved_to[u] = -1;
        if (gp_stopped_tick(ctx, &tick)) {
            st = GP_ERR_CANCELLED;
            break;
        }
        gp_tree_query(ctx, tree, units[u], &hv);
        const GEOSPreparedGeometry *pu = hv.n ? GEOSPrepare_r(h, units[u]) : NULL;
        if (hv.n && !pu) {
            st = gp_fail(ctx, GP_ERR_GEOS, "source polygon %d cannot be prepared: %s", u, gp_geos_lastmsg(ctx));
            break;
        }
        int first = ps.n;
        double total = 0, wtotal = 0;
        for (int k = 0; k < hv.n; k++) {
            int t = hv.v[k];
            double a = 0;
            GEOSGeometry *part = NULL;
            bool whole = GEOSPreparedContains_r(h, pu, targets[t]) == 1;
            if (whole) {
                a = tarea[t];
            } else if (GEOSPreparedIntersects_r(h, pu, targets[t]) == 1) {
                convex cv;
                double x0, y0, x1, y1;
                if (!weights && convex_t && convex_t[t] && convex_of(ctx, targets[t], &cv) &&
                    GEOSGeom_getExtent_r(h, targets[t], &x0, &y0, &x1, &y1)) {
                    /* the unit cut to the cell's rectangle, then to the cell */
                    GEOSGeometry *clip = GEOSClipByRect_r(h, units[u], x0, y0, x1, y1);
                    bool ok = clip && convex_clip_area(ctx, clip, &cv, &b1, &b2, &a);
                    if (clip)
                        GEOSGeom_destroy_r(h, clip);
                    if (!ok) {
                        st = gp_fail(ctx, GP_ERR_GEOS, "overlay of unit %d with cell %d failed", u, t);
                        break;
                    }
                } else if (!overlap_area(ctx, targets[t], units[u], &a, weights ? &part : NULL)) {
                    st = gp_fail(ctx, GP_ERR_GEOS, "overlay of unit %d with target %d failed: %s", u, t,
                                 gp_geos_lastmsg(ctx));
                    break;
                }
            }
            if (a <= 0) {
                if (part)
                    GEOSGeom_destroy_r(h, part);
                continue;
            }
            double w = 0;
            if (weights && !weighted_area(ctx, weights, whole ? targets[t] : part, &wv, &w))
                st = gp_fail(ctx, GP_ERR_GEOS, "weights overlay failed: %s", gp_geos_lastmsg(ctx));
            if (part)
                GEOSGeom_destroy_r(h, part);
            if (st)
                break;
            if (!push(&ps, (piece){u, t, a, w})) {
                st = GP_ERR_NOMEM;
                break;
            }
            total += a;
            wtotal += w;
        }
        if (pu)
            GEOSPreparedGeom_destroy_r(h, pu);
        if (st)
            break;
        if (total <= 0) {
            /* overlaps no target: the nearest one takes it all */
            int best = n_targets ? gp_tree_nearest(ctx, tree, targets, sizeof *targets, units[u]) : -1;
            if (best < 0) {
                st = gp_fail(ctx, GP_ERR_INPUT, "no target polygon to receive unit %d's counts", u);
                break;
            }
            for (int k = 0; k < nv; k++)
                tval[(size_t)best * nv + k] += uval[(size_t)u * nv + k];
            moved_to[u] = best;
            continue;
        }
        /* shares: weighted where the ancillary layer gives weight, else by area */
        bool use_w = weights && wtotal > 0;
        double denom = use_w ? wtotal : total;
        int big = first;
        for (int p = first; p < ps.n; p++)
            if ((use_w ? ps.v[p].weight : ps.v[p].area) > (use_w ? ps.v[big].weight : ps.v[big].area))
                big = p;
        for (int k = 0; k < nv; k++) {
            double c = uval[(size_t)u * nv + k], left = c;
            for (int p = first; p < ps.n; p++) {
                if (p == big)
                    continue;
                double s = c * (use_w ? ps.v[p].weight : ps.v[p].area) / denom;
                tval[(size_t)ps.v[p].target * nv + k] += s;
                left -= s;
            }
            tval[(size_t)ps.v[big].target * nv + k] += left;
        }
        ps.n = first; /* pieces are only needed per unit */
    }
done:
    if (tree)
        GEOSSTRtree_destroy_r(h, tree);
    free(tarea);
    free(ps.v);
    gp_ivec_free(&hv);
    gp_ivec_free(&wv);
    free(b1.x), free(b1.y), free(b2.x), free(b2.y);
    return st;
}

