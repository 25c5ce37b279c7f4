/* Load stage: read units, communities, cases and an existing plan with
 * GDAL/OGR, project them to the working CRS with PROJ, and repair invalid
 * polygons with GEOS. Every message names the file, the feature and the
 * fix. */
#include <ctype.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "internal.h"
#include "project.h"

typedef struct src {
    const char *key;      /* scenario key: "units", "communities", ... */
    const char *path;
    const char *layer_name;
    GDALDatasetH ds;
    OGRLayerH lyr;
    char *srs_def;        /* WKT2 of the source CRS */
    char srs_name[128];
} src;

static void src_close(src *s)
{
    if (s->ds)
        GDALClose(s->ds);
    CPLFree(s->srs_def);
    s->ds = NULL;
    s->srs_def = NULL;
}

void *gp_open_vector_(const gp_scenario *sc, const char *key)
{
    /* CSV: points from lon/lat columns, or any geometry from a WKT column */
    const char *path = gp_scn_str(sc, "input", key, "");
    char k[64], ox[160], oy[160], ow[160];
    const char *csv_opts[] = {ow, "KEEP_GEOM_COLUMNS=NO", ox, oy, NULL};
    size_t pl = strlen(path);
    bool csv = pl > 4 && strcasecmp(path + pl - 4, ".csv") == 0;
    snprintf(k, sizeof k, "%s.x", key);
    snprintf(ox, sizeof ox, "X_POSSIBLE_NAMES=%s", gp_scn_str(sc, "input", k, "lon,longitude,lng,x"));
    snprintf(k, sizeof k, "%s.y", key);
    snprintf(oy, sizeof oy, "Y_POSSIBLE_NAMES=%s", gp_scn_str(sc, "input", k, "lat,latitude,y"));
    snprintf(k, sizeof k, "%s.wkt", key);
    snprintf(ow, sizeof ow, "GEOM_POSSIBLE_NAMES=%s", gp_scn_str(sc, "input", k, "wkt,geometry,geom,the_geom"));
    /* coordinate columns make points: only for cases, or when named, so a
     * polygon CSV with lon/lat columns beside its WKT stays polygons */
    char kx[64], ky[64];
    snprintf(kx, sizeof kx, "%s.x", key);
    snprintf(ky, sizeof ky, "%s.y", key);
    if (strcmp(key, "cases") != 0 && strcmp(key, "workers") != 0 && !gp_scenario_get(sc, "input", kx) &&
        !gp_scenario_get(sc, "input", ky))
        csv_opts[2] = NULL;
    return GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, csv ? csv_opts : NULL, NULL);
}

static gp_status src_open(gp_ctx *ctx, const gp_scenario *sc, const char *key, src *s)
{
    memset(s, 0, sizeof *s);
    s->key = key;
    s->path = gp_scn_str(sc, "input", key, NULL);
    char k[64];
    struct stat stt;
    if (stat(s->path, &stt) != 0)
        return gp_fail(ctx, GP_ERR_IO, "%s: [input] %s: no such file: check the path (relative paths are "
                       "relative to the scenario file)", s->path, key);
    CPLErrorReset();
    s->ds = gp_open_vector(sc, key);
    if (!s->ds) {
        const char *m = CPLGetLastErrorMsg();
        return gp_fail(ctx, GP_ERR_IO, "%s: [input] %s: GDAL cannot read this file as vector data%s%s: is it "
                       "truncated or in an unsupported format?", s->path, key, m[0] ? ": " : "", m);
    }
    snprintf(k, sizeof k, "%s.layer", key);
    s->layer_name = gp_scn_str(sc, "input", k, NULL);
    int nl = GDALDatasetGetLayerCount(s->ds);
    if (s->layer_name) {
        s->lyr = GDALDatasetGetLayerByName(s->ds, s->layer_name);
        if (!s->lyr) {
            char names[512] = "";
            for (int i = 0; i < nl && strlen(names) < 400; i++) {
                strcat(names, i ? ", " : "");
                strcat(names, OGR_L_GetName(GDALDatasetGetLayer(s->ds, i)));
            }
            return gp_fail(ctx, GP_ERR_INPUT, "%s: no layer '%s' (layers: %s): fix [input] %s.layer", s->path,
                           s->layer_name, names, key);
        }
    } else {
        if (nl != 1)
            return gp_fail(ctx, GP_ERR_INPUT, "%s: has %d layers: name one with [input] %s.layer", s->path, nl, key);
        s->lyr = GDALDatasetGetLayer(s->ds, 0);
    }
    s->layer_name = OGR_L_GetName(s->lyr);
    /* a roster may be a plain table: its workers have no base location */
    if (strcmp(key, "workers") == 0 && OGR_FD_GetGeomFieldCount(OGR_L_GetLayerDefn(s->lyr)) == 0)
        return GP_OK;

    snprintf(k, sizeof k, "%s.crs", key);
    const char *crs = gp_scn_str(sc, "input", k, NULL);
    OGRSpatialReferenceH srs = NULL;
    if (crs) {
        srs = OSRNewSpatialReference(NULL);
        if (OSRSetFromUserInput(srs, crs) != OGRERR_NONE) {
            OSRDestroySpatialReference(srs);
            return gp_fail(ctx, GP_ERR_CRS, "%s: [input] %s = %s is not a CRS PROJ knows (e.g. EPSG:4326)",
                           gp_scn_path(sc), k, crs);
        }
    } else {
        OGRSpatialReferenceH l = OGR_L_GetSpatialRef(s->lyr);
        /* GeoPackages say "Undefined geographic/cartesian SRS" where other
         * formats say nothing; a local CRS cannot be placed on Earth either */
        const char *nm = l ? OSRGetName(l) : NULL;
        if (!l || OSRIsLocal(l) || (nm && strncmp(nm, "Undefined ", 10) == 0))
            return gp_fail(ctx, GP_ERR_CRS, "%s: layer '%s' has no CRS: set [input] %s = EPSG:xxxx in the scenario",
                           s->path, s->layer_name, k);
        srs = OSRClone(l);
    }
    const char *opts[] = {"FORMAT=WKT2_2019", NULL};
    OGRErr e = OSRExportToWktEx(srs, &s->srs_def, opts);
    const char *auth = OSRGetAuthorityName(srs, NULL), *code = OSRGetAuthorityCode(srs, NULL);
    if (auth && code)
        snprintf(s->srs_name, sizeof s->srs_name, "%s:%s", auth, code);
    else
        snprintf(s->srs_name, sizeof s->srs_name, "%s", OSRGetName(srs) ? OSRGetName(srs) : "unnamed");
    OSRDestroySpatialReference(srs);
    if (e != OGRERR_NONE)
        return gp_fail(ctx, GP_ERR_CRS, "%s: layer '%s': its CRS cannot be exported for PROJ", s->path, s->layer_name);
    return GP_OK;
}

static gp_status src_field(gp_ctx *ctx, const gp_scenario *sc, src *s, const char *sub, const char *def, int *idx)
{
    char k[64];
    snprintf(k, sizeof k, "%s.%s", s->key, sub);
    const char *name = gp_scn_str(sc, "input", k, def);
    *idx = -1;
    if (!name)
        return GP_OK;
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(s->lyr);
    *idx = OGR_FD_GetFieldIndex(fd, name);
    if (*idx >= 0)
        return GP_OK;
    if (def && !gp_scenario_get(sc, "input", k))
        return GP_OK; /* an optional default that is absent */
    char names[512] = "";
    int nf = OGR_FD_GetFieldCount(fd);
    for (int i = 0; i < nf && strlen(names) < 400; i++) {
        strcat(names, i ? ", " : "");
        strcat(names, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, i)));
    }
    return gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has no field '%s' (fields: %s): fix [input] %s", s->path,
                   s->layer_name, name, names, k);
}

/* Feature label for messages: the id field's value, else the FID. */
static void feat_label(OGRFeatureH f, int id_idx, char *buf, size_t len)
{
    if (id_idx >= 0 && OGR_F_IsFieldSetAndNotNull(f, id_idx))
        snprintf(buf, len, "'%s'", OGR_F_GetFieldAsString(f, id_idx));
    else
        snprintf(buf, len, "FID %lld", (long long)OGR_F_GetFID(f));
}

static gp_status read_count(gp_ctx *ctx, src *s, OGRFeatureH f, int idx, const char *label, double *out)
{
    OGRFieldDefnH fd = OGR_F_GetFieldDefnRef(f, idx);
    const char *fname = OGR_Fld_GetNameRef(fd);
    if (!OGR_F_IsFieldSetAndNotNull(f, idx))
        return gp_fail(ctx, GP_ERR_INPUT, "%s: feature %s: field '%s' is NULL: fill in the count (0 if none)",
                       s->path, label, fname);
    OGRFieldType t = OGR_Fld_GetType(fd);
    double v;
    if (t == OFTInteger || t == OFTInteger64 || t == OFTReal) {
        v = OGR_F_GetFieldAsDouble(f, idx);
    } else if (!gp_parse_double(OGR_F_GetFieldAsString(f, idx), &v)) {
        return gp_fail(ctx, GP_ERR_INPUT, "%s: feature %s: field '%s' = '%s' is not a number", s->path, label,
                       fname, OGR_F_GetFieldAsString(f, idx));
    }
    if (!isfinite(v) || v < 0)
        return gp_fail(ctx, GP_ERR_INPUT, "%s: feature %s: field '%s' = %g: counts must be finite and >= 0",
                       s->path, label, fname, v);
    *out = v;
    return GP_OK;
}

/* Reads a feature's geometry into GEOS (2D, linearized), projected. NULL
 * with *st == GP_OK when the feature has no geometry. */
static GEOSGeometry *read_geom(gp_ctx *ctx, src *s, gp_proj *pj, OGRFeatureH f, const char *label,
                               bool polygonal, gp_status *st)
{
    *st = GP_OK;
    OGRGeometryH og = OGR_F_GetGeometryRef(f);
    if (!og || OGR_G_IsEmpty(og))
        return NULL;
    OGRGeometryH lin = OGR_G_GetLinearGeometry(og, 0, NULL);
    if (!lin) {
        *st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s: geometry cannot be read", s->path, label);
        return NULL;
    }
    OGR_G_FlattenTo2D(lin);
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(lin));
    bool ok = polygonal ? (t == wkbPolygon || t == wkbMultiPolygon) : (t == wkbPoint || t == wkbMultiPoint);
    if (!ok) {
        *st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s: a %s where %s are expected", s->path, label,
                      OGRGeometryTypeToName(t), polygonal ? "polygons" : "points");
        OGR_G_DestroyGeometry(lin);
        return NULL;
    }
    size_t n = (size_t)OGR_G_WkbSize(lin);
    unsigned char *wkb = malloc(n);
    if (!wkb) {
        OGR_G_DestroyGeometry(lin);
        *st = GP_ERR_NOMEM;
        return NULL;
    }
    OGR_G_ExportToWkb(lin, wkbNDR, wkb);
    OGR_G_DestroyGeometry(lin);
    GEOSWKBReader *rd = GEOSWKBReader_create_r(ctx->geos);
    GEOSGeometry *g = GEOSWKBReader_read_r(ctx->geos, rd, wkb, n);
    GEOSWKBReader_destroy_r(ctx->geos, rd);
    free(wkb);
    if (!g) {
        *st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s: GEOS cannot read the geometry: %s", s->path, label,
                      gp_geos_lastmsg(ctx));
        return NULL;
    }
    GEOSGeometry *p = gp_proj_geom(ctx, pj, g);
    GEOSGeom_destroy_r(ctx->geos, g);
    if (!p)
        *st = gp_fail(ctx, GP_ERR_PROJ, "%s: feature %s: a coordinate cannot be transformed to the working CRS: "
                      "is the layer's CRS right?", s->path, label);
    return p;
}

/* Makes g valid; *repaired is set when it was not. */
static GEOSGeometry *repair(gp_ctx *ctx, GEOSGeometry *g, bool *repaired)
{
    *repaired = false;
    if (GEOSisValid_r(ctx->geos, g) == 1)
        return g;
    *repaired = true;
    GEOSGeometry *v = GEOSMakeValid_r(ctx->geos, g);
    GEOSGeom_destroy_r(ctx->geos, g);
    return v ? gp_geom_polygonal(ctx, v) : NULL; /* nothing polygonal left: cannot be repaired */
}

/* Appends "what:label" to a list of strings; false when out of memory. */
static bool note(char ***list, int *n, const char *what, const char *label)
{
    char **l = realloc(*list, (size_t)(*n + 1) * sizeof *l);
    if (!l)
        return false;
    *list = l;
    size_t len = strlen(what) + strlen(label) + 2;
    if (!(l[*n] = malloc(len)))
        return false;
    snprintf(l[*n], len, "%s%s%s", what, what[0] ? ":" : "", label);
    (*n)++;
    return true;
}

/* Counts, lists and says that a polygon was repaired. */
static void note_repair(gp_ctx *ctx, gp_dataset *ds, src *s, const char *label)
{
    ds->n_repaired++;
    note(&ds->repaired, &ds->n_repaired_ids, s->key, label);
    gp_log(ctx, GP_LOG_WARN, "%s: feature %s: invalid polygon repaired", s->path, label);
}

static void info_fill(src *s, gp_input_info *in)
{
    in->path = gp_strdup(s->path);
    in->layer = gp_strdup(s->layer_name);
    in->crs = gp_strdup(s->srs_name);
    in->features = (int)OGR_L_GetFeatureCount(s->lyr, 1);
    if (!gp_file_checksum(s->path, in->checksum))
        in->checksum[0] = '\0';
}

static int cmp_str_idx(const void *a, const void *b, void *arr)
{
    char **ids = arr;
    return strcmp(ids[*(const int *)a], ids[*(const int *)b]);
}

/* Checks that ids are unique: the id of item i is the char * at
 * first_id + i * stride bytes; key names the scenario key for the message. */
static gp_status check_unique(gp_ctx *ctx, const char *path, const char *key, const void *first_id, size_t stride,
                              int n)
{
    int *ord = malloc((size_t)(n ? n : 1) * sizeof *ord);
    char **ids = malloc((size_t)(n ? n : 1) * sizeof *ids);
    if (!ord || !ids) {
        free(ord);
        free(ids);
        return GP_ERR_NOMEM;
    }
    for (int i = 0; i < n; i++)
        ids[i] = *(char *const *)((const char *)first_id + (size_t)i * stride);
    for (int i = 0; i < n; i++)
        ord[i] = i;
    qsort_r(ord, (size_t)n, sizeof *ord, cmp_str_idx, ids);
    for (int i = 1; i < n; i++)
        if (strcmp(ids[ord[i]], ids[ord[i - 1]]) == 0) {
            gp_status st = gp_fail(ctx, GP_ERR_INPUT, "%s: id '%s' is used by more than one feature: [input] %s must "
                                   "name a unique field", path, ids[ord[i]], key);
            free(ord);
            free(ids);
            return st;
        }
    free(ord);
    free(ids);
    return GP_OK;
}

static gp_status load_units(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds, gp_proj *pj, src *s)
{
    int id_i, hh_i, pop_i, lock_i, ded_i;
    gp_status st;
    if ((st = src_field(ctx, sc, s, "id", NULL, &id_i)) || (st = src_field(ctx, sc, s, "households", NULL, &hh_i)) ||
        (st = src_field(ctx, sc, s, "population", NULL, &pop_i)) || (st = src_field(ctx, sc, s, "lock", NULL, &lock_i)) ||
        (st = src_field(ctx, sc, s, "dedicated", NULL, &ded_i)))
        return st;
    int cap = (int)OGR_L_GetFeatureCount(s->lyr, 1);
    if (cap < 1)
        cap = 64;
    ds->units = calloc((size_t)cap, sizeof *ds->units);
    if (!ds->units)
        return GP_ERR_NOMEM;
    OGR_L_ResetReading(s->lyr);
    OGRFeatureH f;
    char label[160];
    while ((f = OGR_L_GetNextFeature(s->lyr)) != NULL) {
        feat_label(f, id_i, label, sizeof label);
        if (ds->n_units == cap) {
            gp_unit *u = realloc(ds->units, (size_t)cap * 2 * sizeof *u);
            if (!u) {
                OGR_F_Destroy(f);
                return GP_ERR_NOMEM;
            }
            memset(u + cap, 0, (size_t)cap * sizeof *u);
            ds->units = u;
            cap *= 2;
        }
        gp_unit *u = &ds->units[ds->n_units];
        double hh = 0, pop = 0;
        st = GP_OK;
        if (hh_i >= 0)
            st = read_count(ctx, s, f, hh_i, label, &hh);
        if (!st && pop_i >= 0)
            st = read_count(ctx, s, f, pop_i, label, &pop);
        GEOSGeometry *g = st ? NULL : read_geom(ctx, s, pj, f, label, true, &st);
        if (!st && !g && (hh > 0 || pop > 0))
            st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s has no geometry but counts (%g households, %g "
                         "population): give it a polygon", s->path, label, hh, pop);
        if (!st && g) {
            bool rep;
            g = repair(ctx, g, &rep);
            if (!g)
                st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s: invalid polygon that GEOS cannot repair: %s",
                             s->path, label, gp_geos_lastmsg(ctx));
            u->repaired = rep;
            if (rep)
                note_repair(ctx, ds, s, label);
        }
        if (!st && g) {
            double a = 0;
            GEOSArea_r(ctx->geos, g, &a);
            if (a <= 0 && (hh > 0 || pop > 0))
                st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s has zero area but counts (%g households): "
                             "fix its polygon", s->path, label, hh);
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
        OGR_F_Destroy(f);
        if (st) {
            if (g)
                GEOSGeom_destroy_r(ctx->geos, g);
            return st;
        }
        if (g && u->area <= 0) {
            GEOSGeom_destroy_r(ctx->geos, g);
            g = NULL;
        }
        if (!g) {
            /* no area and no counts: nothing to place, but say so */
            note(&ds->empty, &ds->n_empty, "", label);
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
        ds->n_units++;
    }
    if (ds->n_units == 0)
        return gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has no units with geometry", s->path, s->layer_name);
    return check_unique(ctx, s->path, "units.id", &ds->units[0].id, sizeof *ds->units, ds->n_units);
}

static gp_status load_comms(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds, gp_proj *pj, src *s)
{
    int id_i, name_i, code_i;
    gp_status st;
    if ((st = src_field(ctx, sc, s, "id", NULL, &id_i)) || (st = src_field(ctx, sc, s, "name", NULL, &name_i)) ||
        (st = src_field(ctx, sc, s, "code", NULL, &code_i)))
        return st;
    int cap = (int)OGR_L_GetFeatureCount(s->lyr, 1);
    ds->comms = calloc((size_t)(cap > 0 ? cap : 1), sizeof *ds->comms);
    if (!ds->comms)
        return GP_ERR_NOMEM;
    OGR_L_ResetReading(s->lyr);
    OGRFeatureH f;
    char label[160];
    while ((f = OGR_L_GetNextFeature(s->lyr)) != NULL) {
        feat_label(f, id_i, label, sizeof label);
        if (ds->n_comms == cap) {
            OGR_F_Destroy(f);
            return gp_fail(ctx, GP_ERR_INPUT, "%s: the layer reports fewer features than it holds", s->path);
        }
        GEOSGeometry *g = read_geom(ctx, s, pj, f, label, true, &st);
        if (!st && !g)
            st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: community %s has no geometry", s->path, label);
        bool rep = false;
        if (!st && !(g = repair(ctx, g, &rep)))
            st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: community %s: invalid polygon that GEOS cannot repair", s->path,
                         label);
        if (rep)
            note_repair(ctx, ds, s, label);
        gp_community *c = &ds->comms[ds->n_comms];
        if (!st) {
            if (id_i >= 0 && !OGR_F_IsFieldSetAndNotNull(f, id_i))
                st = gp_fail(ctx, GP_ERR_INPUT, "%s: feature FID %lld: community id field is NULL", s->path,
                             (long long)OGR_F_GetFID(f));
            else if (id_i >= 0)
                c->id = gp_strdup(OGR_F_GetFieldAsString(f, id_i));
            else {
                char b[32];
                snprintf(b, sizeof b, "%lld", (long long)OGR_F_GetFID(f));
                c->id = gp_strdup(b);
            }
            c->name = gp_strdup(name_i >= 0 && OGR_F_IsFieldSetAndNotNull(f, name_i) ? OGR_F_GetFieldAsString(f, name_i)
                                                                                    : "");
            if (code_i >= 0 && OGR_F_IsFieldSetAndNotNull(f, code_i))
                c->code = gp_strdup(OGR_F_GetFieldAsString(f, code_i));
        }
        OGR_F_Destroy(f);
        if (st) {
            if (g)
                GEOSGeom_destroy_r(ctx->geos, g);
            free(c->id); /* not counted yet: not freed with the dataset */
            free(c->name);
            free(c->code);
            c->id = c->name = c->code = NULL;
            return st;
        }
        c->geom = g;
        ds->n_comms++;
    }
    if (ds->n_comms == 0)
        return gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has no communities", s->path, s->layer_name);
    return check_unique(ctx, s->path, "communities.id", &ds->comms[0].id, sizeof *ds->comms, ds->n_comms);
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

static gp_status load_cases(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds, gp_proj *pj, src *s)
{
    int type_i;
    gp_status st = src_field(ctx, sc, s, "type", NULL, &type_i);
    if (st)
        return st;
    int cap = (int)OGR_L_GetFeatureCount(s->lyr, 1);
    if (cap < 1)
        cap = 64;
    ds->cases = malloc((size_t)cap * sizeof *ds->cases);
    if (!ds->cases)
        return GP_ERR_NOMEM;
    OGR_L_ResetReading(s->lyr);
    OGRFeatureH f;
    char label[64];
    int no_geom = 0, multi = 0;
    while ((f = OGR_L_GetNextFeature(s->lyr)) != NULL) {
        snprintf(label, sizeof label, "FID %lld", (long long)OGR_F_GetFID(f));
        GEOSGeometry *g = read_geom(ctx, s, pj, f, label, false, &st);
        const char *t = type_i < 0 ? "case" : OGR_F_IsFieldSetAndNotNull(f, type_i) ? OGR_F_GetFieldAsString(f, type_i)
                                                                                   : "unknown";
        int ti = st ? 0 : case_type_index(ds, t);
        OGR_F_Destroy(f);
        if (st)
            return st;
        if (ti < 0) {
            GEOSGeom_destroy_r(ctx->geos, g);
            return GP_ERR_NOMEM;
        }
        if (!g) {
            no_geom++;
            continue;
        }
        if (ds->n_cases == cap) {
            gp_case *c = realloc(ds->cases, (size_t)cap * 2 * sizeof *c);
            if (!c) {
                GEOSGeom_destroy_r(ctx->geos, g);
                return GP_ERR_NOMEM;
            }
            ds->cases = c;
            cap *= 2;
        }
        const GEOSGeometry *pt = GEOSGeomTypeId_r(ctx->geos, g) == GEOS_POINT ? g : GEOSGetGeometryN_r(ctx->geos, g, 0);
        if (pt != g && GEOSGetNumGeometries_r(ctx->geos, g) > 1)
            multi++;
        gp_case *c = &ds->cases[ds->n_cases++];
        GEOSGeomGetX_r(ctx->geos, pt, &c->x);
        GEOSGeomGetY_r(ctx->geos, pt, &c->y);
        c->type = ti;
        c->atom = -1;
        GEOSGeom_destroy_r(ctx->geos, g);
    }
    if (no_geom)
        gp_log(ctx, GP_LOG_WARN, "%s: %d cases without a location were skipped", s->path, no_geom);
    if (multi)
        gp_log(ctx, GP_LOG_WARN, "%s: %d cases are multipoints: each is placed at its first point", s->path, multi);
    /* weights: [case_weights] TYPE = w; "default" for types not listed */
    double def = gp_scn_num(sc, "case_weights", "default", 1.0);
    ds->case_weights = malloc((size_t)(ds->n_case_types ? ds->n_case_types : 1) * sizeof *ds->case_weights);
    if (!ds->case_weights)
        return GP_ERR_NOMEM;
    for (int i = 0; i < ds->n_case_types; i++)
        ds->case_weights[i] = gp_scn_num(sc, "case_weights", ds->case_types[i], def);
    const char **keys, **vals;
    int nk = gp_scn_section(sc, "case_weights", &keys, &vals);
    for (int k = 0; k < nk; k++) {
        bool seen = strcmp(keys[k], "default") == 0;
        for (int i = 0; i < ds->n_case_types && !seen; i++)
            seen = strcmp(keys[k], ds->case_types[i]) == 0;
        if (!seen)
            gp_log(ctx, GP_LOG_WARN, "[case_weights] %s: no case of this type in %s", keys[k], s->path);
    }
    ds->has_cases = true;
    return GP_OK;
}

static gp_status load_existing(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds, gp_proj *pj, src *s)
{
    int id_i;
    gp_status st = src_field(ctx, sc, s, "id", "grid_id", &id_i);
    if (st)
        return st;
    int cap = (int)OGR_L_GetFeatureCount(s->lyr, 1);
    ds->existing = calloc((size_t)(cap > 0 ? cap : 1), sizeof *ds->existing);
    if (!ds->existing)
        return GP_ERR_NOMEM;
    OGR_L_ResetReading(s->lyr);
    OGRFeatureH f;
    char label[160];
    while ((f = OGR_L_GetNextFeature(s->lyr)) != NULL && ds->n_existing < cap) {
        feat_label(f, id_i, label, sizeof label);
        GEOSGeometry *g = read_geom(ctx, s, pj, f, label, true, &st);
        bool rep = false;
        if (!st && g && !(g = repair(ctx, g, &rep)))
            st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: grid %s: invalid polygon that GEOS cannot repair", s->path, label);
        if (rep)
            note_repair(ctx, ds, s, label);
        if (!st && g) {
            gp_existing_grid *e = &ds->existing[ds->n_existing++];
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
    if (f)
        OGR_F_Destroy(f);
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

/* True/false words of a flag field; -1 when the text is neither. */
static int flag_value(const char *v)
{
    static const char *const yes[] = {"1", "yes", "y", "true", "t", "x"};
    static const char *const no[] = {"", "0", "no", "n", "false", "f"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    return -1;
}

/* One roster row into w; the message names the row, the worker and the
 * field. */
static gp_status read_worker(gp_ctx *ctx, gp_dataset *ds, src *s, gp_proj *pj, OGRFeatureH f, const int *fi,
                             long row, gp_worker *w)
{
    enum { RW_ID, RW_NAME, RW_COMM, RW_GRIDS, RW_FTE, RW_LOCK };
    /* copies: GDAL reuses one buffer for the text of non-string fields */
    char val_buf[6][256];
    const char *val[6];
    for (int k = 0; k < 6; k++) {
        val[k] = NULL;
        if (fi[k] >= 0 && OGR_F_IsFieldSetAndNotNull(f, fi[k])) {
            snprintf(val_buf[k], sizeof val_buf[k], "%s", OGR_F_GetFieldAsString(f, fi[k]));
            val[k] = val_buf[k];
        }
    }
    if (!val[RW_ID] || !val[RW_ID][0])
        return gp_fail(ctx, GP_ERR_INPUT, "%s: row %ld: the worker id is empty: give every worker an id "
                       "([input] workers.id)", s->path, row);
    w->row = row;
    w->id = gp_strdup(val[RW_ID]);
    w->name = gp_strdup(val[RW_NAME] ? val[RW_NAME] : "");
    w->cur_text = gp_strdup(fi[RW_GRIDS] >= 0 && OGR_F_IsFieldSetAndNotNull(f, fi[RW_GRIDS])
                            ? OGR_F_GetFieldAsString(f, fi[RW_GRIDS]) : "");
    w->home = w->comm = -1;
    w->fte = 1.0;
    w->travel = NAN;
    w->changed = -1;
    if (!w->id || !w->name || !w->cur_text)
        return GP_ERR_NOMEM;
    if (fi[RW_FTE] >= 0) {
        const char *fld = OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(f, fi[RW_FTE]));
        if (!val[RW_FTE] || !gp_parse_double(val[RW_FTE], &w->fte) || !(w->fte >= 0 && w->fte <= 10))
            return gp_fail(ctx, GP_ERR_INPUT, "%s: row %ld (worker '%s'): field '%s' = '%s' is not a capacity: "
                           "write the FTE as a number from 0 to 10 (1.0 full-time, 0.5 part-time)", s->path, row,
                           w->id, fld, val[RW_FTE] ? val[RW_FTE] : "");
    }
    if (val[RW_COMM] && val[RW_COMM][0]) {
        for (int c = 0; c < ds->n_comms && w->home < 0; c++)
            if (strcmp(ds->comms[c].id, val[RW_COMM]) == 0)
                w->home = c;
        if (w->home < 0)
            return gp_fail(ctx, GP_ERR_INPUT, "%s: row %ld (worker '%s'): community '%s' is not in the communities "
                           "layer: correct the code, or leave it empty for a worker not yet placed", s->path, row,
                           w->id, val[RW_COMM]);
    }
    w->comm = w->home;
    if (fi[RW_LOCK] >= 0) {
        int v = flag_value(val[RW_LOCK] ? val[RW_LOCK] : "");
        if (v < 0)
            return gp_fail(ctx, GP_ERR_INPUT, "%s: row %ld (worker '%s'): field '%s' = '%s' is not a yes/no flag: "
                           "write 1/yes/true or 0/no/false", s->path, row, w->id,
                           OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(f, fi[RW_LOCK])), val[RW_LOCK]);
        w->locked = v == 1;
        if (w->locked && w->home < 0)
            return gp_fail(ctx, GP_ERR_INPUT, "%s: row %ld (worker '%s'): locked but without a community: give "
                           "the community or unlock the worker", s->path, row, w->id);
    }
    /* current grids: ids of the existing plan, separated by ; , or | */
    const char *p = w->cur_text;
    while (*p) {
        size_t len = strcspn(p, ";,|");
        const char *b = p, *e = p + len;
        while (b < e && isspace((unsigned char)*b))
            b++;
        while (e > b && isspace((unsigned char)e[-1]))
            e--;
        p += len + (p[len] != '\0');
        if (e == b)
            continue;
        int g = -1;
        for (int x = 0; x < ds->n_existing && g < 0; x++)
            if (strlen(ds->existing[x].id) == (size_t)(e - b) && strncmp(ds->existing[x].id, b, (size_t)(e - b)) == 0)
                g = x;
        if (g < 0) {
            if (ds->has_existing)
                gp_log(ctx, GP_LOG_WARN, "%s: row %ld (worker '%s'): grid '%.*s' is not in the existing plan: it "
                       "counts for nothing in continuity", s->path, row, w->id, (int)(e - b), b);
            continue;
        }
        bool dup = false;
        for (int k = 0; k < w->n_cur; k++)
            dup |= w->cur[k] == g;
        if (dup)
            continue;
        int *nc = realloc(w->cur, (size_t)(w->n_cur + 1) * sizeof *nc);
        if (!nc)
            return GP_ERR_NOMEM;
        w->cur = nc;
        w->cur[w->n_cur++] = g;
    }
    if (pj) {
        char label[160];
        snprintf(label, sizeof label, "row %ld (worker '%s')", row, w->id);
        gp_status st;
        GEOSGeometry *g = read_geom(ctx, s, pj, f, label, false, &st);
        if (st)
            return st;
        if (g) {
            const GEOSGeometry *pt = GEOSGeomTypeId_r(ctx->geos, g) == GEOS_POINT ? g : GEOSGetGeometryN_r(ctx->geos, g, 0);
            w->has_base = GEOSGeomGetX_r(ctx->geos, pt, &w->bx) == 1 && GEOSGeomGetY_r(ctx->geos, pt, &w->by) == 1;
            GEOSGeom_destroy_r(ctx->geos, g);
        }
    }
    return GP_OK;
}

/* The roster: one worker per row, ids unique. */
static gp_status load_workers(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds, gp_proj *pj, src *s)
{
    static const char *const sub[] = {"id", "name", "community", "grids", "fte", "lock"};
    static const char *const def[] = {"worker_id", "name", "community", "grids", "fte", NULL};
    int fi[6];
    gp_status st;
    for (int k = 0; k < 6; k++)
        if ((st = src_field(ctx, sc, s, sub[k], def[k], &fi[k])))
            return st;
    if (fi[0] < 0)
        return gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has no field 'worker_id': name the id field with [input] "
                       "workers.id", s->path, s->layer_name);
    if (!ds->has_existing && fi[3] >= 0)
        gp_log(ctx, GP_LOG_INFO, "%s: the roster names current grids but the scenario has no [input] "
               "existing_plan: continuity is not used", s->path);
    int cap = 64;
    ds->workers = calloc((size_t)cap, sizeof *ds->workers);
    if (!ds->workers)
        return GP_ERR_NOMEM;
    ds->has_workers = true;
    OGR_L_ResetReading(s->lyr);
    OGRFeatureH f;
    long row = 0;
    while ((f = OGR_L_GetNextFeature(s->lyr)) != NULL) {
        row++;
        if (ds->n_workers == cap) {
            gp_worker *nw = realloc(ds->workers, (size_t)cap * 2 * sizeof *nw);
            if (!nw) {
                OGR_F_Destroy(f);
                return GP_ERR_NOMEM;
            }
            memset(nw + cap, 0, (size_t)cap * sizeof *nw);
            ds->workers = nw;
            cap *= 2;
        }
        st = read_worker(ctx, ds, s, pj, f, fi, row, &ds->workers[ds->n_workers++]);
        OGR_F_Destroy(f);
        if (st)
            return st;
    }
    if (ds->n_workers == 0)
        return gp_fail(ctx, GP_ERR_INPUT, "%s: the roster has no rows: list the workers, or remove [input] workers",
                       s->path);
    return check_unique(ctx, s->path, "workers.id", &ds->workers[0].id, sizeof ds->workers[0], ds->n_workers);
}

gp_status gp_read_polygons(gp_ctx *ctx, const gp_scenario *sc, const char *key, char *crs, size_t crs_len,
                           const char *const *fields, int nf, gp_polys *out, gp_dataset *notes)
{
    memset(out, 0, sizeof *out);
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    src s = {0};
    gp_proj *pj = NULL;
    int *idx = calloc((size_t)(nf ? nf : 1), sizeof *idx);
    gp_status st = idx ? src_open(ctx, sc, key, &s) : GP_ERR_NOMEM;
    if (st)
        goto done;
    if (!crs[0]) {
        OGREnvelope env;
        if (OGR_L_GetExtent(s.lyr, &env, 1) != OGRERR_NONE) {
            st = gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has no extent (no geometries?)", s.path, s.layer_name);
            goto done;
        }
        if ((st = gp_proj_auto_utm(ctx, s.srs_def, (env.MinX + env.MaxX) / 2, (env.MinY + env.MaxY) / 2, s.path, crs,
                                   crs_len)))
            goto done;
    }
    if ((st = gp_proj_create(ctx, s.srs_def, crs, s.path, &pj)))
        goto done;
    info_fill(&s, &out->info);
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(s.lyr);
    for (int k = 0; k < nf; k++)
        if ((idx[k] = OGR_FD_GetFieldIndex(fd, fields[k])) < 0) {
            st = gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has no field '%s'", s.path, s.layer_name, fields[k]);
            goto done;
        }
    int cap = (int)OGR_L_GetFeatureCount(s.lyr, 1);
    if (cap < 1)
        cap = 1;
    out->g = calloc((size_t)cap, sizeof *out->g);
    out->fid = calloc((size_t)cap, sizeof *out->fid);
    out->v = calloc((size_t)cap * (size_t)(nf ? nf : 1), sizeof *out->v);
    if (!out->g || !out->fid || !out->v) {
        st = GP_ERR_NOMEM;
        goto done;
    }
    out->nf = nf;
    OGR_L_ResetReading(s.lyr);
    OGRFeatureH f;
    char label[64];
    while (!st && (f = OGR_L_GetNextFeature(s.lyr)) != NULL) {
        snprintf(label, sizeof label, "FID %lld", (long long)OGR_F_GetFID(f));
        double *v = out->v + (size_t)out->n * (size_t)nf;
        bool any = false;
        for (int k = 0; k < nf && !st; k++) {
            st = read_count(ctx, &s, f, idx[k], label, &v[k]);
            any |= v[k] != 0;
        }
        GEOSGeometry *g = st ? NULL : read_geom(ctx, &s, pj, f, label, true, &st);
        bool rep = false;
        if (!st && g && !(g = repair(ctx, g, &rep)))
            st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s: invalid polygon that GEOS cannot repair", s.path, label);
        if (!st && !g && any)
            st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s has counts but no geometry", s.path, label);
        if (rep) {
            out->repaired++;
            if (notes)
                note_repair(ctx, notes, &s, label);
            else
                gp_log(ctx, GP_LOG_WARN, "%s: feature %s: invalid polygon repaired", s.path, label);
        }
        long long fid = OGR_F_GetFID(f);
        OGR_F_Destroy(f);
        if (st || !g) {
            if (g)
                GEOSGeom_destroy_r(ctx->geos, g);
            if (!st)
                memset(v, 0, (size_t)nf * sizeof *v);
            continue;
        }
        out->g[out->n] = g;
        out->fid[out->n++] = fid;
        if (out->n == cap) { /* the layer holds more than it said */
            cap *= 2;
            GEOSGeometry **ng = realloc(out->g, (size_t)cap * sizeof *ng);
            if (ng)
                out->g = ng;
            long long *nfid = realloc(out->fid, (size_t)cap * sizeof *nfid);
            if (nfid)
                out->fid = nfid;
            double *nv = realloc(out->v, (size_t)cap * (size_t)(nf ? nf : 1) * sizeof *nv);
            if (nv)
                out->v = nv;
            if (!ng || !nfid || !nv)
                st = GP_ERR_NOMEM;
        }
    }
done:
    gp_proj_destroy(pj);
    src_close(&s);
    CPLPopErrorHandler();
    free(idx);
    return st;
}

void gp_polys_free(gp_ctx *ctx, gp_polys *p)
{
    for (int i = 0; i < p->n; i++)
        GEOSGeom_destroy_r(ctx->geos, p->g[i]);
    free(p->g);
    free(p->fid);
    free(p->v);
    free(p->info.path);
    free(p->info.layer);
    free(p->info.crs);
    memset(p, 0, sizeof *p);
}

gp_status gp_load(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds)
{
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    src s = {0};
    gp_proj *pj = NULL;
    gp_status st = src_open(ctx, sc, "units", &s);
    if (st)
        goto done;

    /* the working CRS */
    const char *crs = gp_scn_str(sc, "input", "crs", "auto");
    if (strcmp(crs, "auto") == 0) {
        OGREnvelope env;
        if (OGR_L_GetExtent(s.lyr, &env, 1) != OGRERR_NONE) {
            st = gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has no extent (no geometries?)", s.path, s.layer_name);
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
                         gp_scn_path(sc));
            goto done;
        }
        if (!ok || !proj || fabs(to_m - 1.0) > 1e-9) {
            st = gp_fail(ctx, GP_ERR_CRS, "%s: [input] crs = %s: %s", gp_scn_path(sc), crs,
                         !ok ? "not a CRS PROJ knows (write auto or EPSG:xxxx)"
                             : "the working CRS must be projected in metres (e.g. a UTM zone), or auto");
            goto done;
        }
        snprintf(ds->crs, sizeof ds->crs, "%s", crs);
    }

    if ((st = gp_proj_create(ctx, s.srs_def, ds->crs, s.path, &pj)))
        goto done;
    info_fill(&s, &ds->in_units);
    snprintf(ds->input_crs_name, sizeof ds->input_crs_name, "%s", s.srs_name);
    free(ds->input_crs_def);
    ds->input_crs_def = gp_strdup(s.srs_def); /* the output's default CRS, unless communities say otherwise */
    if ((st = load_units(ctx, sc, ds, pj, &s)))
        goto done;
    gp_proj_destroy(pj);
    pj = NULL;
    src_close(&s);

    static const char *rest[] = {"communities", "cases", "existing_plan"};
    for (int i = 0; i < 3; i++) {
        if (!gp_scenario_get(sc, "input", rest[i]))
            continue;
        if ((st = src_open(ctx, sc, rest[i], &s)) || (st = gp_proj_create(ctx, s.srs_def, ds->crs, s.path, &pj)))
            goto done;
        gp_input_info *ins[] = {&ds->in_comms, &ds->in_cases, &ds->in_existing};
        info_fill(&s, ins[i]);
        if (i == 0) {
            free(ds->input_crs_def);
            ds->input_crs_def = gp_strdup(s.srs_def);
            snprintf(ds->input_crs_name, sizeof ds->input_crs_name, "%s", s.srs_name);
        }
        st = i == 0 ? load_comms(ctx, sc, ds, pj, &s)
           : i == 1 ? load_cases(ctx, sc, ds, pj, &s)
                    : load_existing(ctx, sc, ds, pj, &s);
        gp_proj_destroy(pj);
        pj = NULL;
        src_close(&s);
        if (st)
            goto done;
    }
    if (gp_scenario_get(sc, "input", "weights")) {
        const char *wf[] = {gp_scn_str(sc, "input", "weights.field", "")};
        gp_polys wp;
        st = gp_read_polygons(ctx, sc, "weights", ds->crs, sizeof ds->crs, wf, 1, &wp, ds);
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
    if (gp_scenario_get(sc, "input", "workers")) {
        if ((st = src_open(ctx, sc, "workers", &s)) ||
            (s.srs_def && (st = gp_proj_create(ctx, s.srs_def, ds->crs, s.path, &pj))))
            goto done;
        info_fill(&s, &ds->in_workers);
        st = load_workers(ctx, sc, ds, pj, &s);
    }
done:
    gp_proj_destroy(pj);
    src_close(&s);
    CPLPopErrorHandler();
    return st;
}

void gp_dataset_free(gp_ctx *ctx, gp_dataset *ds)
{
    if (!ds)
        return;
    GEOSContextHandle_t h = ctx->geos;
    for (int i = 0; i < ds->n_units; i++) {
        free(ds->units[i].id);
        free(ds->units[i].lock);
        if (ds->units[i].geom)
            GEOSGeom_destroy_r(h, ds->units[i].geom);
    }
    free(ds->units);
    for (int i = 0; i < ds->n_comms; i++) {
        free(ds->comms[i].id);
        free(ds->comms[i].name);
        free(ds->comms[i].code);
        if (ds->comms[i].prep)
            GEOSPreparedGeom_destroy_r(h, ds->comms[i].prep);
        if (ds->comms[i].geom)
            GEOSGeom_destroy_r(h, ds->comms[i].geom);
    }
    free(ds->comms);
    for (int i = 0; i < ds->n_atoms; i++) {
        free(ds->atoms[i].id);
        if (ds->atoms[i].geom)
            GEOSGeom_destroy_r(h, ds->atoms[i].geom);
    }
    free(ds->atoms);
    free(ds->cases);
    for (int i = 0; i < ds->n_case_types; i++)
        free(ds->case_types[i]);
    free(ds->case_types);
    free(ds->case_weights);
    for (int i = 0; i < ds->n_existing; i++) {
        free(ds->existing[i].id);
        if (ds->existing[i].geom)
            GEOSGeom_destroy_r(h, ds->existing[i].geom);
    }
    free(ds->existing);
    gp_workers_free(ds);
    free(ds->input_crs_def);
    gp_input_info *ins[] = {&ds->in_units, &ds->in_comms, &ds->in_cases, &ds->in_existing, &ds->in_weights,
                            &ds->in_workers};
    for (int i = 0; i < 6; i++) {
        free(ins[i]->path);
        free(ins[i]->layer);
        free(ins[i]->crs);
    }
    free(ds->xadj);
    free(ds->adj);
    free(ds->adjw);
    free(ds->case_counts);
    for (int i = 0; i < ds->n_repaired_ids; i++)
        free(ds->repaired[i]);
    free(ds->repaired);
    for (int i = 0; i < ds->n_empty; i++)
        free(ds->empty[i]);
    free(ds->empty);
    gp_ivec_free(&ds->moved_units);
    gp_ivec_free(&ds->moved_to);
    gp_ivec_free(&ds->bridges);
    gp_weights_free(ctx, &ds->weights);
    memset(ds, 0, sizeof *ds);
}
