/* Graph stage: the adjacency graph of atoms inside each community. Two
 * atoms are neighbours when they share a boundary of positive length, with
 * a snapping tolerance (scenario [atoms] snap, metres) so that slivers and
 * gaps in real data do not cut the graph: the boundary of one that runs
 * within `snap` of the other for more than 3 x snap (longer than any corner
 * touch). The edge weight is that shared length. Components that are still
 * apart (real islands) are bridged to the nearest atom, and counted. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct edge { int a, b; double w; } edge;
typedef struct edges { edge *v; int n, cap; } edges;

static bool edge_push(edges *e, int a, int b, double w)
{
    if (e->n == e->cap) {
        int nc = e->cap ? e->cap * 2 : 1024;
        edge *v = realloc(e->v, (size_t)nc * sizeof *v);
        if (!v)
            return false;
        e->v = v;
        e->cap = nc;
    }
    e->v[e->n++] = (edge){a, b, w};
    return true;
}

static void collect(void *item, void *user) { gp_ivec_push(user, (int)(intptr_t)item); }

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Component label of every atom of one community over the edges so far. */
static int components(const edges *e, int first, int n, int *label)
{
    /* union-find */
    int *par = label;
    for (int i = 0; i < n; i++)
        par[i] = i;
    for (int k = 0; k < e->n; k++) {
        int a = e->v[k].a - first, b = e->v[k].b - first;
        if (a < 0 || a >= n || b < 0 || b >= n)
            continue;
        while (par[a] != a)
            a = par[a] = par[par[a]];
        while (par[b] != b)
            b = par[b] = par[par[b]];
        if (a != b)
            par[a > b ? a : b] = a < b ? a : b;
    }
    int nc = 0;
    for (int i = 0; i < n; i++) {
        int r = i;
        while (par[r] != r)
            r = par[r];
        par[i] = r;
    }
    for (int i = 0; i < n; i++)
        nc += par[i] == i;
    return nc;
}

static gp_status community_edges(gp_ctx *ctx, gp_dataset *ds, int c, double tol, edges *e)
{
    GEOSContextHandle_t h = ctx->geos;
    gp_community *cm = &ds->comms[c];
    int first = cm->first_atom, n = cm->n_atoms;
    if (n <= 1)
        return GP_OK;
    gp_status st = GP_OK;
    GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
    GEOSGeometry **buf = calloc((size_t)n, sizeof *buf);
    GEOSGeometry **bnd = calloc((size_t)n, sizeof *bnd);
    gp_ivec hv = {0};
    if (!tree || !buf || !bnd) {
        st = GP_ERR_NOMEM;
        goto done;
    }
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *g = ds->atoms[first + i].geom;
        GEOSSTRtree_insert_r(h, tree, g, (void *)(intptr_t)i);
        bnd[i] = GEOSBoundary_r(h, g);
        buf[i] = tol > 0 ? GEOSBuffer_r(h, g, tol, 2) : GEOSGeom_clone_r(h, bnd[i]);
        if (!bnd[i] || !buf[i]) {
            st = gp_fail(ctx, GP_ERR_GEOS, "atom '%s': boundary/buffer failed: %s", ds->atoms[first + i].id,
                         gp_geos_lastmsg(ctx));
            goto done;
        }
    }
    for (int i = 0; i < n && !st; i++) {
        hv.n = 0;
        GEOSSTRtree_query_r(h, tree, buf[i], collect, &hv);
        qsort(hv.v, (size_t)hv.n, sizeof(int), cmp_int);
        const GEOSPreparedGeometry *pb = GEOSPrepare_r(h, buf[i]);
        for (int k = 0; k < hv.n; k++) {
            int j = hv.v[k];
            if (j <= i || !GEOSPreparedIntersects_r(h, pb, bnd[j]))
                continue;
            GEOSGeometry *x = GEOSIntersection_r(h, buf[i], bnd[j]);
            double len = 0;
            if (x) {
                GEOSLength_r(h, x, &len);
                GEOSGeom_destroy_r(h, x);
            }
            bool adj = tol > 0 ? len > 3 * tol : len > 0;
            if (adj && !edge_push(e, first + i, first + j, tol > 0 ? len - 2 * tol : len)) {
                st = GP_ERR_NOMEM;
                break;
            }
        }
        GEOSPreparedGeom_destroy_r(h, pb);
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
    while (components(e, first, n, label) > 1) {
        memset(size, 0, (size_t)n * sizeof *size);
        for (int i = 0; i < n; i++)
            size[label[i]]++;
        int small = -1;
        for (int i = 0; i < n; i++)
            if (label[i] == i && (small < 0 || size[i] < size[small]))
                small = i;
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
        gp_log(ctx, GP_LOG_WARN, "community '%s': atom '%s' (%d atoms apart) bridged to '%s', %.1f m away",
               cm->id, ds->atoms[first + ba].id, size[small], ds->atoms[first + bb].id, bd);
    }
    free(label);
    free(size);
done:
    for (int i = 0; buf && i < n; i++)
        if (buf[i])
            GEOSGeom_destroy_r(h, buf[i]);
    for (int i = 0; bnd && i < n; i++)
        if (bnd[i])
            GEOSGeom_destroy_r(h, bnd[i]);
    free(buf);
    free(bnd);
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

gp_status gp_graph_build(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds)
{
    double tol = gp_scn_num(sc, "atoms", "snap", 1.0);
    edges e = {0};
    gp_status st = GP_OK;
    for (int c = 0; c < ds->n_comms && !st; c++)
        st = community_edges(ctx, ds, c, tol, &e);
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
