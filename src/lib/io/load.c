/* The load stage: units, communities, cases, the plan in force and the
 * ancillary weights read with GDAL/OGR, projected to the working CRS with
 * PROJ, and invalid polygons repaired with GEOS; then the roster. Every
 * message names the file, the feature and the fix. */
#include <cpl_conv.h>
#include <cpl_error.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/io.h"

/* No unit holds more than this many households or people: a larger value
 * is a corrupt or misread field, and would swamp every sum. */
#define GP_MAX_COUNT 1e9

/* A count of a unit: as gp_src_count, and plausible. */
static gp_status unit_count(gp_ctx *ctx, gp_src *s, OGRFeatureH f, int idx, const char *label, const char *key,
                            double *v)
{
    gp_status st = gp_src_count(ctx, s, f, idx, label, v);
    if (!st && *v > GP_MAX_COUNT)
        st = gp_fail(ctx, GP_ERR_INPUT, "%s: feature %s: field '%s' = %g is implausibly large (a unit holds at most "
                     "%g): is [input] %s the right field? correct the value", s->path, label,
                     OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(f, idx)), *v, GP_MAX_COUNT, key);
    return st;
}

static gp_status load_units(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, gp_proj *pj, gp_src *s)
{
    int id_i, hh_i, pop_i, lock_i, ded_i;
    gp_status st;
    if ((st = gp_src_field(ctx, s, &cfg->input.units_id, &id_i)) ||
        (st = gp_src_field(ctx, s, &cfg->input.units_households, &hh_i)) ||
        (st = gp_src_field(ctx, s, &cfg->input.units_population, &pop_i)) ||
        (st = gp_src_field(ctx, s, &cfg->input.units_lock, &lock_i)) ||
        (st = gp_src_field(ctx, s, &cfg->input.units_dedicated, &ded_i)))
        return st;
    int cap = 0, fcap = 0;
    long long *fids = NULL; /* of the units kept, for the messages */
    OGR_L_ResetReading(s->lyr);
    OGRFeatureH f;
    char label[160], where[176];
    unsigned tick = 0;
    while ((f = OGR_L_GetNextFeature(s->lyr)) != NULL) {
        if (gp_stopped_tick(ctx, &tick)) {
            OGR_F_Destroy(f);
            free(fids);
            return GP_ERR_CANCELLED;
        }
        gp_src_label(f, id_i, label, sizeof label);
        snprintf(where, sizeof where, "feature %s", label);
        gp_unit *u = gp_grow_slot(&ds->units, &cap, ds->n_units, sizeof *ds->units);
        if (!u || !gp_grow(&fids, &fcap, ds->n_units + 1, sizeof *fids)) {
            OGR_F_Destroy(f);
            free(fids);
            return GP_ERR_NOMEM;
        }
        double hh = 0, pop = 0;
        const char *txt;
        st = gp_src_text(ctx, s, f, id_i, where, &txt);
        if (!st)
            st = gp_src_text(ctx, s, f, lock_i, where, &txt);
        if (!st && hh_i >= 0)
            st = unit_count(ctx, s, f, hh_i, label, "units.households", &hh);
        if (!st && pop_i >= 0)
            st = unit_count(ctx, s, f, pop_i, label, "units.population", &pop);
        GEOSGeometry *g = st ? NULL : gp_src_geom(ctx, s, pj, f, label, true, &st);
        if (!st && !g && (hh > 0 || pop > 0))
            st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s has %s but counts (%g households, %g population): %s",
                         s->path, label, s->zero_area ? "zero area" : "no geometry", hh, pop,
                         s->zero_area ? "fix its polygon" : "give it a polygon");
        char why[256] = "";
        if (!st && g) {
            bool rep;
            /* nothing polygonal left (a polygon with all its corners on a
             * line): no area, as below */
            g = gp_geom_repair_why(ctx, g, &rep, why, sizeof why);
            u->repaired = rep;
            if (rep && g)
                gp_src_note_repair(ctx, ds, s, label, why);
            if (!g && !(hh > 0 || pop > 0))
                u->area = 0;
            else if (!g)
                st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s has zero area (%s) but counts (%g households, %g "
                             "population): fix its polygon", s->path, label, why, hh, pop);
        }
        if (!st && g) {
            double a = 0;
            GEOSArea_r(ctx->geos, g, &a);
            if (a <= 0 && (hh > 0 || pop > 0))
                st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s has zero area but counts (%g households, %g "
                             "population): fix its polygon", s->path, label, hh, pop);
            u->area = a;
        }
        if (!st && id_i < 0)
            snprintf(label, sizeof label, "%lld", (long long)OGR_F_GetFID(f));
        else if (!st)
            snprintf(label, sizeof label, "%s", OGR_F_GetFieldAsString(f, id_i));
        char lockv[160] = "";
        if (lock_i >= 0 && OGR_F_IsFieldSetAndNotNull(f, lock_i))
            snprintf(lockv, sizeof lockv, "%s", OGR_F_GetFieldAsString(f, lock_i));
        bool ded = false;
        if (ded_i >= 0 && OGR_F_IsFieldSetAndNotNull(f, ded_i)) {
            const char *dv = OGR_F_GetFieldAsString(f, ded_i);
            double num;
            ded = gp_parse_double(dv, &num) ? num != 0
                : !strcasecmp(dv, "true") || !strcasecmp(dv, "yes") || !strcasecmp(dv, "y") || !strcasecmp(dv, "t");
        }
        long long fid = OGR_F_GetFID(f);
        OGR_F_Destroy(f);
        if (st) {
            if (g)
                GEOSGeom_destroy_r(ctx->geos, g);
            free(fids);
            return st;
        }
        if (g && u->area <= 0) {
            GEOSGeom_destroy_r(ctx->geos, g);
            g = NULL;
        }
        if (!g) {
            /* no area and no counts: nothing to place, but say so */
            gp_src_note(&ds->empty, &ds->n_empty, "", label);
            gp_log(ctx, GP_LOG_WARN, "%s: unit '%s' has no area and no counts: skipped", s->path, label);
            continue;
        }
        u->lock = lockv[0] ? gp_strdup(lockv) : NULL;
        u->dedicated = ded;
        u->id = gp_strdup(label);
        u->hh = hh;
        u->pop = pop;
        u->geom = g;
        ds->in_units.sum_hh += hh;
        ds->in_units.sum_pop += pop;
        fids[ds->n_units++] = fid;
    }
    if (ds->n_units == 0) {
        free(fids);
        return gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has no units with geometry: check [input] units (the file "
                       "or units.layer)", s->path, s->layer_name);
    }
    st = gp_check_unique(ctx, s->path, "units.id", &ds->units[0].id, sizeof *ds->units, ds->n_units, fids, false);
    free(fids);
    if (!st)
        gp_geom_warn_overlaps(ctx, s->path, "units", &ds->units[0].geom, &ds->units[0].id, sizeof *ds->units,
                              ds->n_units);
    return st;
}

static gp_status load_comms(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, gp_proj *pj, gp_src *s)
{
    int id_i, name_i, code_i;
    gp_status st;
    if ((st = gp_src_field(ctx, s, &cfg->input.communities_id, &id_i)) ||
        (st = gp_src_field(ctx, s, &cfg->input.communities_name, &name_i)) ||
        (st = gp_src_field(ctx, s, &cfg->input.communities_code, &code_i)))
        return st;
    int cap = 0, fcap = 0;
    long long *fids = NULL;
    OGR_L_ResetReading(s->lyr);
    OGRFeatureH f;
    char label[160], where[176];
    while ((f = OGR_L_GetNextFeature(s->lyr)) != NULL) {
        gp_src_label(f, id_i, label, sizeof label);
        snprintf(where, sizeof where, "feature %s", label);
        if (!gp_grow_slot(&ds->comms, &cap, ds->n_comms, sizeof *ds->comms) ||
            !gp_grow(&fids, &fcap, ds->n_comms + 1, sizeof *fids)) {
            OGR_F_Destroy(f);
            free(fids);
            return GP_ERR_NOMEM;
        }
        const char *id_v, *name_v, *code_v; /* checked here, copied below */
        if ((st = gp_src_text(ctx, s, f, id_i, where, &id_v)) || (st = gp_src_text(ctx, s, f, name_i, where, &name_v)) ||
            (st = gp_src_text(ctx, s, f, code_i, where, &code_v))) {
            OGR_F_Destroy(f);
            free(fids);
            return st;
        }
        GEOSGeometry *g = gp_src_geom(ctx, s, pj, f, label, true, &st);
        if (!st && !g)
            st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: community %s has %s: give it its boundary polygon", s->path,
                         label, s->zero_area ? "zero area" : "no geometry");
        bool rep = false;
        char why[256] = "";
        if (!st && !(g = gp_geom_repair_why(ctx, g, &rep, why, sizeof why)))
            st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: community %s: invalid polygon that GEOS cannot repair (%s): fix "
                         "its boundary", s->path, label, why);
        if (rep && g)
            gp_src_note_repair(ctx, ds, s, label, why);
        gp_community *c = &ds->comms[ds->n_comms];
        if (!st) {
            if (id_i >= 0 && !OGR_F_IsFieldSetAndNotNull(f, id_i))
                st = gp_fail(ctx, GP_ERR_INPUT, "%s: feature FID %lld: field '%s' is NULL: give every community an "
                             "id ([input] communities.id)", s->path, (long long)OGR_F_GetFID(f),
                             OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(f, id_i)));
            else if (id_i >= 0)
                c->id = gp_strdup(OGR_F_GetFieldAsString(f, id_i));
            else {
                char b[32];
                snprintf(b, sizeof b, "%lld", (long long)OGR_F_GetFID(f));
                c->id = gp_strdup(b);
            }
            /* re-read: GDAL's buffer for the text of non-string fields is shared */
            c->name = gp_strdup(name_v ? OGR_F_GetFieldAsString(f, name_i) : "");
            if (code_v)
                c->code = gp_strdup(OGR_F_GetFieldAsString(f, code_i));
        }
        fids[ds->n_comms] = OGR_F_GetFID(f);
        OGR_F_Destroy(f);
        if (st) {
            if (g)
                GEOSGeom_destroy_r(ctx->geos, g);
            free(c->id); /* not counted yet: not freed with the dataset */
            free(c->name);
            free(c->code);
            c->id = c->name = c->code = NULL;
            free(fids);
            return st;
        }
        c->geom = g;
        ds->n_comms++;
    }
    if (ds->n_comms == 0) {
        free(fids);
        return gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has no communities: check [input] communities (the file "
                       "or communities.layer)", s->path, s->layer_name);
    }
    st = gp_check_unique(ctx, s->path, "communities.id", &ds->comms[0].id, sizeof *ds->comms, ds->n_comms, fids,
                         false);
    free(fids);
    if (!st)
        gp_geom_warn_overlaps(ctx, s->path, "communities", &ds->comms[0].geom, &ds->comms[0].id, sizeof *ds->comms,
                              ds->n_comms);
    return st;
}

/* Without a communities layer, one community covers all units. */
static gp_status one_community(gp_ctx *ctx, gp_dataset *ds)
{
    GEOSGeometry **gs = malloc((size_t)ds->n_units * sizeof *gs);
    if (!gs)
        return GP_ERR_NOMEM;
    for (int i = 0; i < ds->n_units; i++)
        gs[i] = GEOSGeom_clone_r(ctx->geos, ds->units[i].geom);
    GEOSGeometry *coll = GEOSGeom_createCollection_r(ctx->geos, GEOS_GEOMETRYCOLLECTION, gs, (unsigned)ds->n_units);
    free(gs);
    GEOSGeometry *u = coll ? GEOSUnaryUnion_r(ctx->geos, coll) : NULL;
    if (coll)
        GEOSGeom_destroy_r(ctx->geos, coll);
    if (!u)
        return gp_fail(ctx, GP_ERR_GEOS, "union of all units failed: %s", gp_geos_lastmsg(ctx));
    ds->comms = calloc(1, sizeof *ds->comms);
    if (!ds->comms) {
        GEOSGeom_destroy_r(ctx->geos, u);
        return GP_ERR_NOMEM;
    }
    ds->comms[0].id = gp_strdup("all");
    ds->comms[0].name = gp_strdup("all units");
    ds->comms[0].geom = u;
    ds->n_comms = 1;
    return GP_OK;
}

static int case_type_index(gp_dataset *ds, const char *t)
{
    for (int i = 0; i < ds->n_case_types; i++)
        if (strcmp(ds->case_types[i], t) == 0)
            return i;
    char **nt = realloc(ds->case_types, (size_t)(ds->n_case_types + 1) * sizeof *nt);
    if (!nt)
        return -1;
    ds->case_types = nt;
    if (!(nt[ds->n_case_types] = gp_strdup(t)))
        return -1;
    return ds->n_case_types++;
}

/* Appends the n-th FID to a list for a message. */
static void list_fid(char *buf, size_t len, int n, long long fid)
{
    size_t l = strlen(buf);
    if (l < len)
        snprintf(buf + l, len - l, "%s%lld", n > 1 ? ", " : "", fid);
}

/* Whether point g lies in (or on the edge of) some community; each
 * community prepared on first use (atomize uses it as well). */
static bool in_some_community(gp_ctx *ctx, gp_dataset *ds, GEOSSTRtree *tree, const GEOSGeometry *g, gp_ivec *hits)
{
    gp_tree_query(ctx, tree, g, hits);
    for (int k = 0; k < hits->n; k++) {
        gp_community *c = &ds->comms[hits->v[k]];
        if (!c->prep)
            c->prep = GEOSPrepare_r(ctx->geos, c->geom);
        if (c->prep ? GEOSPreparedIntersects_r(ctx->geos, c->prep, g) == 1 : GEOSIntersects_r(ctx->geos, c->geom, g) == 1)
            return true;
    }
    return false;
}

static gp_status load_cases(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, gp_proj *pj, gp_src *s)
{
    int type_i;
    gp_status st = gp_src_field(ctx, s, &cfg->input.cases_type, &type_i);
    if (st)
        return st;
    int cap = 0;
    OGR_L_ResetReading(s->lyr);
    OGRFeatureH f;
    char label[64], where[80];
    int no_geom = 0, multi = 0, outside = 0;
    char no_geom_fids[96] = "", outside_fids[96] = "";
    /* cases outside every community are named here, where their FIDs are
     * known (the communities are loaded first) */
    GEOSSTRtree *ctree = ds->n_comms ? gp_tree_build(ctx, &ds->comms[0].geom, sizeof *ds->comms, ds->n_comms) : NULL;
    gp_ivec hits = {0};
    while ((f = OGR_L_GetNextFeature(s->lyr)) != NULL) {
        long long fid = (long long)OGR_F_GetFID(f);
        snprintf(label, sizeof label, "FID %lld", fid);
        snprintf(where, sizeof where, "feature %s", label);
        const char *t = NULL;
        GEOSGeometry *g = NULL;
        if (!(st = gp_src_text(ctx, s, f, type_i, where, &t)))
            g = gp_src_geom(ctx, s, pj, f, label, false, &st);
        if (!st)
            t = type_i < 0 ? "case" : OGR_F_IsFieldSetAndNotNull(f, type_i) ? OGR_F_GetFieldAsString(f, type_i)
                                                                            : "unknown";
        int ti = st ? 0 : case_type_index(ds, t);
        OGR_F_Destroy(f);
        if (st || ti < 0) {
            if (g)
                GEOSGeom_destroy_r(ctx->geos, g);
            if (ctree)
                GEOSSTRtree_destroy_r(ctx->geos, ctree);
            gp_ivec_free(&hits);
            return st ? st : GP_ERR_NOMEM;
        }
        if (!g) {
            if (++no_geom <= 5)
                list_fid(no_geom_fids, sizeof no_geom_fids, no_geom, fid);
            continue;
        }
        if (ctree && !in_some_community(ctx, ds, ctree, g, &hits) && ++outside <= 5)
            list_fid(outside_fids, sizeof outside_fids, outside, fid);
        gp_case *c = gp_grow_slot(&ds->cases, &cap, ds->n_cases, sizeof *ds->cases);
        if (!c) {
            GEOSGeom_destroy_r(ctx->geos, g);
            return GP_ERR_NOMEM;
        }
        ds->n_cases++;
        const GEOSGeometry *pt = GEOSGeomTypeId_r(ctx->geos, g) == GEOS_POINT ? g : GEOSGetGeometryN_r(ctx->geos, g, 0);
        if (pt != g && GEOSGetNumGeometries_r(ctx->geos, g) > 1)
            multi++;
        GEOSGeomGetX_r(ctx->geos, pt, &c->x);
        GEOSGeomGetY_r(ctx->geos, pt, &c->y);
        c->type = ti;
        c->atom = -1;
        GEOSGeom_destroy_r(ctx->geos, g);
    }
    if (ctree)
        GEOSSTRtree_destroy_r(ctx->geos, ctree);
    gp_ivec_free(&hits);
    if (no_geom)
        gp_log(ctx, GP_LOG_WARN, "%s: %d cases without a location were skipped (FID %s%s)", s->path, no_geom,
               no_geom_fids, no_geom > 5 ? ", ..." : "");
    if (outside)
        gp_log(ctx, GP_LOG_WARN, "%s: %d cases lie outside every community (FID %s%s): check their coordinates and "
               "the layer's CRS", s->path, outside, outside_fids,
               outside > 5 ? ", ..." : "");
    if (multi)
        gp_log(ctx, GP_LOG_WARN, "%s: %d cases are multipoints: each is placed at its first point", s->path, multi);
    /* weights: [case_weights] TYPE = w; "default" for types not listed */
        ds->case_weights = malloc((size_t)(ds->n_case_types ? ds->n_case_types : 1) * sizeof *ds->case_weights);
    if (!ds->case_weights)
        return GP_ERR_NOMEM;
    for (int i = 0; i < ds->n_case_types; i++) {
        ds->case_weights[i] = cfg->case_weights.fallback;
        for (int k = 0; k < cfg->case_weights.n; k++)
            if (strcmp(cfg->case_weights.type[k], ds->case_types[i]) == 0)
                ds->case_weights[i] = cfg->case_weights.weight[k];
    }
    for (int k = 0; k < cfg->case_weights.n; k++) {
        bool seen = false;
        for (int i = 0; i < ds->n_case_types && !seen; i++)
            seen = strcmp(cfg->case_weights.type[k], ds->case_types[i]) == 0;
        if (!seen)
            gp_log(ctx, GP_LOG_WARN, "[case_weights] %s: no case of this type in %s", cfg->case_weights.type[k],
                   s->path);
    }
    ds->has_cases = true;
    return GP_OK;
}

static gp_status load_existing(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, gp_proj *pj, gp_src *s)
{
    int id_i;
    gp_status st = gp_src_field(ctx, s, &cfg->input.existing_plan_id, &id_i);
    if (st)
        return st;
    int cap = 0;
    OGR_L_ResetReading(s->lyr);
    OGRFeatureH f;
    char label[160];
    while ((f = OGR_L_GetNextFeature(s->lyr)) != NULL) {
        gp_src_label(f, id_i, label, sizeof label);
        char where[176];
        const char *idv;
        snprintf(where, sizeof where, "feature %s", label);
        GEOSGeometry *g = NULL;
        if (!(st = gp_src_text(ctx, s, f, id_i, where, &idv)))
            g = gp_src_geom(ctx, s, pj, f, label, true, &st);
        bool rep = false;
        char why[256] = "";
        if (!st && g && !(g = gp_geom_repair_why(ctx, g, &rep, why, sizeof why)))
            st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: grid %s: invalid polygon that GEOS cannot repair (%s): fix its "
                         "outline", s->path, label, why);
        if (rep && g)
            gp_src_note_repair(ctx, ds, s, label, why);
        gp_existing_grid *e = !st && g ? gp_grow_slot(&ds->existing, &cap, ds->n_existing, sizeof *ds->existing) : NULL;
        if (!st && g && !e) {
            GEOSGeom_destroy_r(ctx->geos, g);
            st = GP_ERR_NOMEM;
        } else if (e) {
            ds->n_existing++;
            if (id_i >= 0)
                e->id = gp_strdup(OGR_F_GetFieldAsString(f, id_i));
            else {
                char b[32];
                snprintf(b, sizeof b, "%lld", (long long)OGR_F_GetFID(f));
                e->id = gp_strdup(b);
            }
            e->geom = g;
        }
        OGR_F_Destroy(f);
        if (st)
            return st;
    }
    ds->has_existing = true;
    /* ids are how codes and rosters refer to grids: say when they clash */
    for (int i = 0; i < ds->n_existing; i++)
        for (int k = 0; k < i; k++)
            if (strcmp(ds->existing[i].id, ds->existing[k].id) == 0) {
                gp_log(ctx, GP_LOG_WARN, "%s: grid id '%s' is used by more than one grid of the plan in force: the "
                       "roster's current grids and kept grid codes cannot tell them apart; give each grid a unique "
                       "id ([input] existing_plan.id)", s->path, ds->existing[i].id);
                return GP_OK;
            }
    return GP_OK;
}

gp_status gp_weights_take(gp_ctx *ctx, gp_polys *p, gp_weights *w)
{
    memset(w, 0, sizeof *w);
    w->geoms = malloc((size_t)(p->n ? p->n : 1) * sizeof *w->geoms);
    w->w = malloc((size_t)(p->n ? p->n : 1) * sizeof *w->w);
    if (!w->geoms || !w->w) {
        gp_weights_free(ctx, w);
        return GP_ERR_NOMEM;
    }
    for (int i = 0; i < p->n; i++) {
        double v = p->v[(size_t)i * (size_t)(p->nf ? p->nf : 1)];
        if (v <= 0) { /* weighs nothing: no part in any share */
            GEOSGeom_destroy_r(ctx->geos, p->g[i]);
            continue;
        }
        w->geoms[w->n] = p->g[i];
        w->w[w->n++] = v;
    }
    p->n = 0; /* the geometries are w's now, or gone */
    if (!(w->tree = gp_tree_build(ctx, w->geoms, sizeof *w->geoms, w->n))) {
        gp_weights_free(ctx, w);
        return GP_ERR_GEOS;
    }
    return GP_OK;
}

gp_status gp_load(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds)
{
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    gp_src s = {0};
    gp_proj *pj = NULL;
    /* an update: the previous output first, so that a wrong folder is named
     * before its grids are read as the plan in force, and so that the
     * roster can take its assignments as the workers' current ones */
    gp_status st0 = gp_previous_load(ctx, cfg, ds);
    if (st0) {
        CPLPopErrorHandler();
        return st0;
    }
    gp_status st = gp_src_open(ctx, cfg, &cfg->input.units, &s);
    if (st)
        goto done;

    /* the working CRS */
    const char *crs = cfg->input.crs;
    if (strcmp(crs, "auto") == 0) {
        OGREnvelope env;
        if (OGR_L_GetExtent(s.lyr, &env, 1) != OGRERR_NONE) {
            st = gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has %s: check [input] units (the file or units.layer)",
                         s.path, s.layer_name, OGR_L_GetFeatureCount(s.lyr, 1) == 0 ? "no features" : "no geometries");
            goto done;
        }
        st = gp_proj_auto_utm(ctx, s.srs_def, (env.MinX + env.MaxX) / 2, (env.MinY + env.MaxY) / 2, s.path,
                              ds->crs, sizeof ds->crs);
        if (st)
            goto done;
    } else {
        OGRSpatialReferenceH w = OSRNewSpatialReference(NULL);
        bool ok = OSRSetFromUserInput(w, crs) == OGRERR_NONE;
        bool proj = ok && OSRIsProjected(w);
        double to_m = proj ? OSRGetLinearUnits(w, NULL) : 0;
        OSRDestroySpatialReference(w);
        if (strlen(crs) >= sizeof ds->crs) {
            st = gp_fail(ctx, GP_ERR_CRS, "%s: [input] crs: too long: name the CRS by its code, e.g. EPSG:32650",
                         cfg->path);
            goto done;
        }
        if (!ok || !proj || fabs(to_m - 1.0) > 1e-9) {
            st = gp_fail(ctx, GP_ERR_CRS, "%s: [input] crs = %s: %s", cfg->path, crs,
                         !ok ? "not a CRS PROJ knows (write auto or EPSG:xxxx)"
                             : "the working CRS must be projected in metres (e.g. a UTM zone), or auto");
            goto done;
        }
        snprintf(ds->crs, sizeof ds->crs, "%s", crs);
    }

    if ((st = gp_proj_create(ctx, s.srs_def, ds->crs, s.path, &pj)))
        goto done;
    gp_src_info(&s, &ds->in_units);
    snprintf(ds->input_crs_name, sizeof ds->input_crs_name, "%s", s.srs_name);
    free(ds->input_crs_def);
    ds->input_crs_def = gp_strdup(s.srs_def); /* the output's default CRS, unless communities say otherwise */
    if ((st = load_units(ctx, cfg, ds, pj, &s)))
        goto done;
    gp_proj_destroy(pj);
    pj = NULL;
    gp_src_close(&s);

    const gp_cfg_source *rest[] = {&cfg->input.communities, &cfg->input.cases, &cfg->input.existing_plan};
    for (int i = 0; i < 3; i++) {
        if (!rest[i]->path)
            continue;
        if ((st = gp_src_open(ctx, cfg, rest[i], &s)) || (st = gp_proj_create(ctx, s.srs_def, ds->crs, s.path, &pj)))
            goto done;
        gp_input_info *ins[] = {&ds->in_comms, &ds->in_cases, &ds->in_existing};
        gp_src_info(&s, ins[i]);
        if (i == 0) {
            free(ds->input_crs_def);
            ds->input_crs_def = gp_strdup(s.srs_def);
            snprintf(ds->input_crs_name, sizeof ds->input_crs_name, "%s", s.srs_name);
        }
        st = i == 0 ? load_comms(ctx, cfg, ds, pj, &s)
           : i == 1 ? load_cases(ctx, cfg, ds, pj, &s)
                    : load_existing(ctx, cfg, ds, pj, &s);
        gp_proj_destroy(pj);
        pj = NULL;
        gp_src_close(&s);
        if (st)
            goto done;
    }
    if (cfg->input.weights.path) {
        const char *wf[] = {cfg->input.weights_field.name ? cfg->input.weights_field.name : ""};
        gp_polys wp;
        st = gp_read_polygons(ctx, cfg, &cfg->input.weights, ds->crs, sizeof ds->crs, wf, 1, &wp, ds);
        if (!st) {
            ds->in_weights = wp.info; /* the strings move with it */
            memset(&wp.info, 0, sizeof wp.info);
            st = gp_weights_take(ctx, &wp, &ds->weights);
            ds->has_weights = st == GP_OK;
        }
        gp_polys_free(ctx, &wp);
        if (st)
            goto done;
    }
    if (!ds->comms && (st = one_community(ctx, ds)))
        goto done;
    if (cfg->input.workers.path) {
        if ((st = gp_src_open(ctx, cfg, &cfg->input.workers, &s)) ||
            (s.srs_def && (st = gp_proj_create(ctx, s.srs_def, ds->crs, s.path, &pj))))
            goto done;
        gp_src_info(&s, &ds->in_workers);
        st = gp_load_roster(ctx, cfg, ds, pj, &s);
    }
done:
    gp_proj_destroy(pj);
    gp_src_close(&s);
    CPLPopErrorHandler();
    return st;
}

