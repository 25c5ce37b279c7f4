/* Atomize stage (units mode): each unit becomes an atom of the community
 * it lies in; a unit split by community boundaries becomes one atom per
 * community, its counts apportioned by the share of its own area inside
 * each. Shares are taken over the part of the unit that lies inside some
 * community, so nothing is lost at the edge of the study area; a unit
 * wholly outside every community gives its counts to the nearest atom of
 * the nearest community. Mass is preserved exactly. Also maps atoms to the
 * existing plan's grids (largest overlap). */
#include <float.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo.h"

/* A piece below this share of its unit's inside area and of its
 * community's area is a sliver from misaligned boundaries: it is not split
 * off (a unit spread over many small communities is split, since each of
 * its pieces is a large part of its community). */
#define SLIVER_SHARE 0.01

static gp_status add_atom(gp_ctx *ctx, gp_dataset *ds, int *cap, int unit, int comm, GEOSGeometry *g,
                          double share_hh, double share_pop, const char *suffix)
{
    if (!gp_grow(&ds->atoms, cap, ds->n_atoms + 1, sizeof *ds->atoms)) {
        GEOSGeom_destroy_r(ctx->geos, g); /* the atom owns g, even when it fails */
        return GP_ERR_NOMEM;
    }
    gp_atom *a = &ds->atoms[ds->n_atoms];
    memset(a, 0, sizeof *a);
    const char *uid = unit >= 0 ? ds->units[unit].id : "cell";
    if (suffix) {
        size_t n = strlen(uid) + strlen(suffix) + 2;
        a->id = malloc(n);
        if (a->id)
            snprintf(a->id, n, "%s/%s", uid, suffix);
    } else {
        a->id = gp_strdup(uid);
    }
    if (!a->id) {
        GEOSGeom_destroy_r(ctx->geos, g);
        return GP_ERR_NOMEM;
    }
    a->unit = unit;
    a->community = comm;
    a->v[GP_A_HH] = share_hh;
    a->v[GP_A_POP] = share_pop;
    a->geom = g;
    a->grid = -1;
    a->existing = -1;
    GEOSArea_r(ctx->geos, g, &a->area);
    GEOSGeometry *c = GEOSGetCentroid_r(ctx->geos, g);
    if (c) {
        GEOSGeomGetX_r(ctx->geos, c, &a->cx);
        GEOSGeomGetY_r(ctx->geos, c, &a->cy);
        GEOSGeom_destroy_r(ctx->geos, c);
    }
    ds->n_atoms++;
    return GP_OK;
}

static int cmp_atom_comm(const void *pa, const void *pb)
{
    const gp_atom *a = pa, *b = pb;
    if (a->community != b->community)
        return (a->community > b->community) - (a->community < b->community);
    return (a->unit > b->unit) - (a->unit < b->unit);
}

typedef struct outside { int unit, comm; } outside;

static bool sliver(int comm, double area, double unit_inside, const double *carea)
{
    return area < SLIVER_SHARE * unit_inside && area < SLIVER_SHARE * carea[comm];
}

/* Atoms are stored grouped by community: where each community's run is. */
static void index_communities(gp_dataset *ds)
{
    for (int c = 0; c < ds->n_comms; c++)
        ds->comms[c].first_atom = ds->comms[c].n_atoms = 0;
    for (int i = ds->n_atoms - 1; i >= 0; i--) {
        gp_community *c = &ds->comms[ds->atoms[i].community];
        c->first_atom = i;
        c->n_atoms++;
    }
}

/* Records (and says) that a unit outside every community went to an atom. */
static void note_moved(gp_ctx *ctx, gp_dataset *ds, int unit, int atom, double dist)
{
    gp_unit *u = &ds->units[unit];
    const gp_atom *a = &ds->atoms[atom];
    ds->n_units_moved++;
    ds->pop_moved += u->pop;
    ds->hh_moved_in_atomize += u->hh;
    gp_ivec_push(&ds->moved_units, unit);
    gp_ivec_push(&ds->moved_to, atom);
    gp_log(ctx, GP_LOG_WARN, "unit '%s' lies outside every community: its %g households and %g population go to "
           "atom '%s' of community '%s' (%.0f m away)", u->id, u->hh, u->pop, a->id, ds->comms[a->community].id,
           dist);
}

static gp_status place_outside(gp_ctx *ctx, gp_dataset *ds, const outside *o, int n_out)
{
    for (int k = 0; k < n_out; k++) {
        gp_unit *u = &ds->units[o[k].unit];
        gp_community *c = &ds->comms[o[k].comm];
        int best = -1;
        double bd = DBL_MAX;
        for (int i = c->first_atom; i < c->first_atom + c->n_atoms; i++) {
            double d;
            if (GEOSDistance_r(ctx->geos, u->geom, ds->atoms[i].geom, &d) && d < bd) {
                bd = d;
                best = i;
            }
        }
        if (best < 0)
            return gp_fail(ctx, GP_ERR_INPUT, "unit '%s' lies outside every community and the nearest, '%s', has "
                           "no atoms to take its counts", u->id, c->id);
        ds->atoms[best].v[GP_A_HH] += u->hh;
        ds->atoms[best].v[GP_A_POP] += u->pop;
        note_moved(ctx, ds, o[k].unit, best, bd);
    }
    return GP_OK;
}

typedef struct emit_state { int cap; } emit_state;

/* Cells arrive in community order: one atom each, counts come later. */
static gp_status emit_cell(gp_ctx *ctx, gp_dataset *ds, int comm, GEOSGeometry *g, long ci, long cj, bool whole,
                           void *user)
{
    emit_state *es = user;
    char id[64];
    snprintf(id, sizeof id, "%c%ld_%ld", ds->cell_hex ? 'H' : 'S', ci, cj);
    size_t n = strlen(ds->comms[comm].id) + strlen(id) + 2;
    char *full = malloc(n);
    if (!full) {
        GEOSGeom_destroy_r(ctx->geos, g);
        return GP_ERR_NOMEM;
    }
    snprintf(full, n, "%s/%s", ds->comms[comm].id, id);
    int before = ds->n_atoms;
    gp_status st = add_atom(ctx, ds, &es->cap, -1, comm, g, 0, 0, NULL);
    if (st == GP_OK) {
        free(ds->atoms[before].id);
        ds->atoms[before].id = full;
        ds->atoms[before].cell = whole;
        ds->atoms[before].ci = ci;
        ds->atoms[before].cj = cj;
    } else {
        free(full);
    }
    return st;
}

/* Cells mode: tessellate every community, then apportion unit counts to
 * the cells by area (or by the ancillary weights). */
static gp_status atomize_cells(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds)
{
    emit_state es = {0};
    double t0 = gp_now();
    gp_status st = gp_cells_make(ctx, cfg, ds, emit_cell, &es);
    if (st)
        return st;
    gp_log(ctx, GP_LOG_DEBUG, "tessellation: %d cells clipped to communities (%.2f s)", ds->n_atoms, gp_now() - t0);
    index_communities(ds);
    if (ds->n_atoms == 0)
        return gp_fail(ctx, GP_ERR_INPUT, "no cell of %g m lies in any community: check the communities layer",
                       cfg->atoms.size);
    int nu = ds->n_units, na = ds->n_atoms;
    GEOSGeometry **ug = malloc((size_t)nu * sizeof *ug), **ag = malloc((size_t)na * sizeof *ag);
    double *uv = malloc((size_t)nu * 2 * sizeof *uv), *av = calloc((size_t)na * 2, sizeof *av);
    int *moved = malloc((size_t)nu * sizeof *moved);
    bool *convex = malloc((size_t)na * sizeof *convex);
    if (!ug || !ag || !uv || !av || !moved || !convex) {
        st = GP_ERR_NOMEM;
        goto done;
    }
    for (int u = 0; u < nu; u++) {
        ug[u] = ds->units[u].geom;
        uv[2 * u] = ds->units[u].hh;
        uv[2 * u + 1] = ds->units[u].pop;
    }
    for (int i = 0; i < na; i++) {
        ag[i] = ds->atoms[i].geom;
        convex[i] = ds->atoms[i].cell;
    }
    t0 = gp_now();
    if ((st = gp_apportion(ctx, ug, uv, nu, 2, ag, convex, na, ds->has_weights ? &ds->weights : NULL, av, moved)))
        goto done;
    gp_log(ctx, GP_LOG_DEBUG, "apportioned %d units to %d cells (%.2f s)", nu, na, gp_now() - t0);
    for (int i = 0; i < na; i++) {
        ds->atoms[i].v[GP_A_HH] = av[2 * i];
        ds->atoms[i].v[GP_A_POP] = av[2 * i + 1];
    }
    for (int u = 0; u < nu; u++) {
        if (moved[u] < 0)
            continue;
        gp_unit *un = &ds->units[u];
        const gp_atom *a = &ds->atoms[moved[u]];
        double d = 0;
        GEOSDistance_r(ctx->geos, un->geom, a->geom, &d);
        note_moved(ctx, ds, u, moved[u], d);
    }
done:
    free(ug), free(ag), free(uv), free(av), free(moved), free(convex);
    return st;
}

gp_status gp_atomize(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds)
{
    GEOSContextHandle_t h = ctx->geos;
    gp_status st = GP_OK;
    for (int c = 0; c < ds->n_comms; c++)
        if (!ds->comms[c].prep && !(ds->comms[c].prep = GEOSPrepare_r(h, ds->comms[c].geom)))
            return gp_fail(ctx, GP_ERR_GEOS, "community '%s': cannot prepare geometry", ds->comms[c].id);
    if (cfg->atoms.mode == GP_ATOMS_CELLS)
        return atomize_cells(ctx, cfg, ds);
    GEOSSTRtree *tree = gp_tree_build(ctx, &ds->comms[0].geom, sizeof(gp_community), ds->n_comms);
    if (!tree)
        return GP_ERR_GEOS;
    gp_ivec hv = {0};
    int cap = 0, n_out = 0;
    outside *out = NULL;
    double *area = malloc((size_t)ds->n_comms * sizeof *area);
    double *carea = malloc((size_t)ds->n_comms * sizeof *carea);
    GEOSGeometry **piece = calloc((size_t)ds->n_comms, sizeof *piece);
    if (!area || !carea || !piece) {
        st = GP_ERR_NOMEM;
        goto done;
    }
    for (int c = 0; c < ds->n_comms; c++)
        GEOSArea_r(h, ds->comms[c].geom, &carea[c]);
    unsigned tick = 0;
    for (int ui = 0; ui < ds->n_units && !st; ui++) {
        if (gp_stopped_tick(ctx, &tick)) {
            st = GP_ERR_CANCELLED;
            break;
        }
        gp_unit *u = &ds->units[ui];
        gp_tree_query(ctx, tree, u->geom, &hv);
        /* fast path: the unit lies inside one community */
        int whole = -1;
        for (int k = 0; k < hv.n && whole < 0; k++)
            if (GEOSPreparedContains_r(h, ds->comms[hv.v[k]].prep, u->geom) == 1)
                whole = hv.v[k];
        if (whole >= 0) {
            GEOSGeometry *g = GEOSGeom_clone_r(h, u->geom);
            st = g ? add_atom(ctx, ds, &cap, ui, whole, g, u->hh, u->pop, NULL) : GP_ERR_GEOS;
            continue;
        }
        double total = 0;
        for (int k = 0; k < hv.n; k++) {
            int c = hv.v[k];
            area[k] = 0;
            piece[k] = NULL;
            if (GEOSPreparedIntersects_r(h, ds->comms[c].prep, u->geom) != 1)
                continue;
            GEOSGeometry *g = GEOSIntersection_r(h, u->geom, ds->comms[c].geom);
            if (!g) {
                st = gp_fail(ctx, GP_ERR_GEOS, "unit '%s' x community '%s': intersection failed: %s", u->id,
                             ds->comms[c].id, gp_geos_lastmsg(ctx));
                break;
            }
            /* only the area: a shared edge adds lines, a corner a point */
            if (!(g = gp_geom_polygonal(ctx, g)))
                continue;
            GEOSArea_r(h, g, &area[k]);
            if (area[k] <= 0) {
                GEOSGeom_destroy_r(h, g);
                continue;
            }
            piece[k] = g;
            total += area[k];
        }
        if (st)
            break;
        if (total <= 0) {
            /* wholly outside: nearest community takes the counts */
            int best = -1;
            double bd = DBL_MAX;
            for (int c = 0; c < ds->n_comms; c++) {
                double d;
                if (GEOSDistance_r(h, u->geom, ds->comms[c].geom, &d) && d < bd) {
                    bd = d;
                    best = c;
                }
            }
            outside *no = realloc(out, (size_t)(n_out + 1) * sizeof *no);
            if (!no) {
                st = GP_ERR_NOMEM;
                break;
            }
            out = no;
            out[n_out++] = (outside){ui, best};
            continue;
        }
        /* keep pieces above the sliver share, and always the largest (a unit
         * spread thin over many communities still goes somewhere); shares
         * over kept pieces */
        int largest = -1;
        for (int k = 0; k < hv.n; k++)
            if (piece[k] && (largest < 0 || area[k] > area[largest]))
                largest = k;
        double kept = 0;
        int n_kept = 0, last = -1;
        for (int k = 0; k < hv.n; k++)
            if (piece[k] && (!sliver(hv.v[k], area[k], total, carea) || k == largest)) {
                kept += area[k];
                n_kept++;
                last = k;
            }
        double left_hh = u->hh, left_pop = u->pop;
        for (int k = 0; k < hv.n && !st; k++) {
            if (!piece[k])
                continue;
            if (sliver(hv.v[k], area[k], total, carea) && k != largest) {
                GEOSGeom_destroy_r(h, piece[k]);
                piece[k] = NULL;
                continue;
            }
            double s = area[k] / kept;
            /* the last piece takes the remainder: sums stay exact */
            double hh = k == last ? left_hh : u->hh * s, pop = k == last ? left_pop : u->pop * s;
            left_hh -= hh;
            left_pop -= pop;
            int c = hv.v[k];
            st = add_atom(ctx, ds, &cap, ui, c, piece[k], hh, pop, n_kept > 1 ? ds->comms[c].id : NULL);
            piece[k] = NULL;
        }
        for (int k = 0; k < hv.n; k++)
            if (piece[k]) {
                GEOSGeom_destroy_r(h, piece[k]);
                piece[k] = NULL;
            }
    }
    if (st)
        goto done;
    if (ds->n_atoms > 1)
        qsort(ds->atoms, (size_t)ds->n_atoms, sizeof *ds->atoms, cmp_atom_comm);
    index_communities(ds);
    st = place_outside(ctx, ds, out, n_out);
done:
    for (int k = 0; piece && k < ds->n_comms; k++) /* pieces of a unit cut short by an error */
        if (piece[k])
            GEOSGeom_destroy_r(h, piece[k]);
    GEOSSTRtree_destroy_r(h, tree);
    gp_ivec_free(&hv);
    free(out);
    free(area);
    free(carea);
    free(piece);
    return st;
}

typedef struct id_index { const char *id; int i; } id_index;

static int cmp_id_index(const void *a, const void *b)
{
    return strcmp(((const id_index *)a)->id, ((const id_index *)b)->id);
}

/* An update: the atoms the previous output had take the grid it gave them,
 * by id (exact); the others are left to the overlay. */
static gp_status existing_by_id(gp_dataset *ds)
{
    id_index *ix = malloc((size_t)ds->n_existing * sizeof *ix);
    if (!ix)
        return GP_ERR_NOMEM;
    for (int e = 0; e < ds->n_existing; e++)
        ix[e] = (id_index){ds->existing[e].id, e};
    qsort(ix, (size_t)ds->n_existing, sizeof *ix, cmp_id_index);
    for (int i = 0; i < ds->n_atoms; i++) {
        gp_atom *a = &ds->atoms[i];
        const gp_prev_atom *pa = gp_previous_atom(&ds->prev, a->id);
        id_index key = {pa ? pa->grid : NULL, -1}, *hit = NULL;
        if (pa && strcmp(pa->community, ds->comms[a->community].id) == 0)
            hit = bsearch(&key, ix, (size_t)ds->n_existing, sizeof *ix, cmp_id_index);
        if (hit) {
            a->existing = hit->i;
            ds->existing[a->existing].hh += a->v[GP_A_HH];
        }
    }
    free(ix);
    return GP_OK;
}

gp_status gp_existing_map(gp_ctx *ctx, gp_dataset *ds)
{
    if (!ds->has_existing || ds->n_existing == 0)
        return GP_OK;
    gp_status st0 = ds->is_update ? existing_by_id(ds) : GP_OK;
    if (st0)
        return st0;
    GEOSContextHandle_t h = ctx->geos;
    GEOSSTRtree *tree = gp_tree_build(ctx, &ds->existing[0].geom, sizeof(gp_existing_grid), ds->n_existing);
    if (!tree)
        return GP_ERR_GEOS;
    gp_ivec hv = {0};
    for (int i = 0; i < ds->n_atoms; i++) {
        gp_atom *a = &ds->atoms[i];
        if (a->existing >= 0)
            continue; /* by id, above */
        gp_tree_query(ctx, tree, a->geom, &hv);
        double best = 0;
        for (int k = 0; k < hv.n; k++) {
            GEOSGeometry *g = GEOSIntersection_r(h, a->geom, ds->existing[hv.v[k]].geom);
            double ar = 0;
            if (g) {
                GEOSArea_r(h, g, &ar);
                GEOSGeom_destroy_r(h, g);
            }
            if (ar > best) {
                best = ar;
                a->existing = hv.v[k];
            }
        }
        if (a->existing >= 0)
            ds->existing[a->existing].hh += a->v[GP_A_HH];
    }
    GEOSSTRtree_destroy_r(h, tree);
    gp_ivec_free(&hv);
    /* a grid that no atom falls in cannot be compared: name it */
    bool *used = calloc((size_t)ds->n_existing, sizeof *used);
    if (!used)
        return GP_ERR_NOMEM;
    for (int i = 0; i < ds->n_atoms; i++)
        if (ds->atoms[i].existing >= 0)
            used[ds->atoms[i].existing] = true;
    int unused = 0;
    for (int e = 0; e < ds->n_existing; e++)
        if (!used[e] && ++unused <= 5)
            gp_log(ctx, GP_LOG_WARN, "%s: grid '%s' of the plan in force covers no unit: it is left out of the "
                   "comparison; is [input] existing_plan the plan of these communities?",
                   ds->in_existing.path ? ds->in_existing.path : "existing_plan", ds->existing[e].id);
    if (unused > 5)
        gp_log(ctx, GP_LOG_WARN, "%s: %d grids of the plan in force cover no unit (the first 5 are named above)",
               ds->in_existing.path ? ds->in_existing.path : "existing_plan", unused);
    free(used);
    return GP_OK;
}
