/* Reading one input layer with GDAL/OGR: opening it as the scenario says,
 * its fields, counts and geometries (projected, 2D), and the messages that
 * name the file, the feature and the fix. */
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "io/io.h"

void gp_src_close(gp_src *s)
{
    if (s->ds)
        GDALClose(s->ds);
    CPLFree(s->srs_def);
    free(s->shown);
    s->ds = NULL;
    s->srs_def = NULL;
    s->shown = NULL;
}

/* Coordinate columns make points: only for cases and the roster, or when
 * named, so a polygon CSV with lon/lat columns beside its WKT stays
 * polygons. */
static bool csv_points(const gp_cfg_source *src)
{
    return strcmp(src->key, "cases") == 0 || strcmp(src->key, "workers") == 0 || src->x.given || src->y.given;
}

GDALDatasetH gp_open_vector(const gp_cfg_source *src)
{
    /* CSV: points from lon/lat columns, or any geometry from a WKT column */
    const char *path = src->path ? src->path : "";
    char ox[160], oy[160], ow[160];
    /* The coordinate and WKT columns stay fields (KEEP_GEOM_COLUMNS=YES, the
     * default): GDAL 3.6's CSV driver crashes reading a feature when two
     * columns match the x (or y) names with KEEP_GEOM_COLUMNS=NO. */
    const char *csv_opts[] = {ow, ox, oy, NULL};
    const char *csv_only[] = {"CSV", NULL};
    const char *pg_only[] = {"PostgreSQL", NULL};
    if (gp_config_is_database(path))
        return GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, pg_only, NULL, NULL);
    size_t pl = strlen(path);
    bool csv = pl > 4 && strcasecmp(path + pl - 4, ".csv") == 0;
    snprintf(ox, sizeof ox, "X_POSSIBLE_NAMES=%s", src->x.name);
    snprintf(oy, sizeof oy, "Y_POSSIBLE_NAMES=%s", src->y.name);
    snprintf(ow, sizeof ow, "GEOM_POSSIBLE_NAMES=%s", src->wkt.name);
    if (!csv_points(src))
        csv_opts[1] = NULL;
    return GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, csv ? csv_only : NULL, csv ? csv_opts : NULL, NULL);
}

/* Appends name to the ", "-separated list in buf (len bytes); a name that
 * does not fit ends the list with "..." (cut at a UTF-8 character). */
static void list_add(char *buf, size_t len, const char *name)
{
    size_t used = strlen(buf);
    if (used >= 3 && strcmp(buf + used - 3, "...") == 0)
        return; /* full */
    int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
    if (n >= 0 && (size_t)n < len - used)
        return;
    size_t cut = len - 4;
    while (cut > 0 && ((unsigned char)buf[cut] & 0xC0) == 0x80)
        cut--;
    snprintf(buf + cut, len - cut, "...");
}

/* The names of the layers of ds, listed for a message. */
static void layer_names(GDALDatasetH ds, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int i = 0, nl = GDALDatasetGetLayerCount(ds); i < nl; i++)
        list_add(buf, len, OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
}

/* Whether name is one of the comma-separated names of list (any case). */
static bool in_list(const char *list, const char *name, size_t len)
{
    for (const char *p = list; p && *p;) {
        size_t l = strcspn(p, ",");
        if (l == len && strncasecmp(p, name, len) == 0)
            return true;
        p += l + (p[l] == ',');
    }
    return false;
}

bool gp_src_geom_column(const gp_cfg_source *src, const char *field)
{
    const char *path = src->path ? src->path : "";
    size_t pl = strlen(path), fl = strlen(field);
    if (pl <= 4 || strcasecmp(path + pl - 4, ".csv") != 0)
        return false;
    if (in_list(src->wkt.name, field, fl) || strcasecmp(field, "WKT") == 0)
        return true;
    return csv_points(src) && (in_list(src->x.name, field, fl) || in_list(src->y.name, field, fl));
}

/* Two columns that match the names given for x (or for y) make GDAL pick
 * one silently: read the header first and say which columns clash. */
static gp_status csv_coordinates(gp_ctx *ctx, const gp_cfg_source *src, const char *path)
{
    FILE *f = fopen(path, "rb");
    char line[8192];
    if (!f)
        return GP_OK; /* GDAL says why */
    bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    if (!got)
        return GP_OK;
    const char *p = strncmp(line, "\xEF\xBB\xBF", 3) == 0 ? line + 3 : line;
    const gp_cfg_field *axis[] = {&src->x, &src->y};
    char first[2][128] = {"", ""};
    while (*p && *p != '\n' && *p != '\r') {
        size_t l = strcspn(p, ",;\t|\r\n");
        const char *b = p, *e = p + l;
        while (b < e && (*b == ' ' || *b == '"'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '"'))
            e--;
        for (int k = 0; k < 2; k++) {
            if (!axis[k]->name || strchr(axis[k]->name, '*') || !in_list(axis[k]->name, b, (size_t)(e - b)))
                continue;
            if (!first[k][0]) {
                snprintf(first[k], sizeof first[k], "%.*s", (int)(e - b), b);
                continue;
            }
            return gp_fail(ctx, GP_ERR_INPUT, "%s: [input] %s: columns '%s' and '%.*s' both look like the %s "
                           "coordinate: name the one to use with [input] %s.%s (e.g. %s.%s = %s)", path, src->key,
                           first[k], (int)(e - b), b, k ? "y" : "x", src->key, k ? "y" : "x", src->key,
                           k ? "y" : "x", first[k]);
        }
        p += l + (p[l] == ',' || p[l] == ';' || p[l] == '\t' || p[l] == '|');
    }
    return GP_OK;
}

static bool shapefile(const char *path)
{
    size_t pl = strlen(path);
    return pl > 4 && strcasecmp(path + pl - 4, ".shp") == 0;
}

/* Whether the file beside a shapefile with extension ext (either case)
 * exists; the lower-case name into name. */
static bool sidecar(const char *shp, const char *ext, char *name, size_t len)
{
    char p[4096], up[4];
    size_t pl = strlen(shp);
    struct stat st;
    for (int i = 0; i < 3; i++)
        up[i] = (char)(ext[i] - 'a' + 'A');
    up[3] = '\0';
    snprintf(p, sizeof p, "%.*s.%s", (int)(pl - 4), shp, ext);
    if (name)
        snprintf(name, len, "%s", p);
    if (stat(p, &st) == 0)
        return true;
    snprintf(p, sizeof p, "%.*s.%s", (int)(pl - 4), shp, up);
    return stat(p, &st) == 0;
}

/* What the layer of an [input] key must hold, for messages. */
static const char *src_kind(const char *key)
{
    return strcmp(key, "cases") == 0 || strcmp(key, "workers") == 0 ? "a layer of points"
         : strcmp(key, "existing_plan") == 0 ? "the polygons of the grids in force"
                                             : "a layer of polygons";
}

static gp_status open_database(gp_ctx *ctx, const gp_config *cfg, const gp_cfg_source *src, gp_src *s);
static gp_status open_layer(gp_ctx *ctx, const gp_config *cfg, const gp_cfg_source *src, gp_src *s);

gp_status gp_src_open(gp_ctx *ctx, const gp_config *cfg, const gp_cfg_source *src, gp_src *s)
{
    memset(s, 0, sizeof *s);
    s->cfg = src;
    s->path = src->path;
    const char *key = src->key;
    if (gp_config_is_database(src->path))
        return open_database(ctx, cfg, src, s);
    struct stat stt;
    if (stat(s->path, &stt) != 0)
        return gp_fail(ctx, GP_ERR_IO, "%s: [input] %s: no such file: check the path (a relative path in "
                       "the scenario file is against its folder; one given with --set, against the current folder)",
                       s->path, key);
    /* without its .shx GDAL says something about SHAPE_RESTORE_SHX, without
     * its .dbf it opens a layer with no fields: name the missing file */
    static const char *const sidecars[] = {"shx", "dbf"};
    for (int i = 0; i < 2 && shapefile(s->path); i++)
        if (!sidecar(s->path, sidecars[i], NULL, 0)) {
            char want[4096];
            size_t pl = strlen(s->path);
            snprintf(want, sizeof want, "%.*s.%s", (int)(pl - 4), s->path, sidecars[i]);
            return gp_fail(ctx, GP_ERR_IO, "%s: [input] %s: the shapefile's %s is missing: copy the shapefile with "
                           "all its files (.shp, .shx, .dbf, .prj)", s->path, key, want);
        }
    if (S_ISREG(stt.st_mode) && stt.st_size == 0)
        return gp_fail(ctx, GP_ERR_IO, "%s: [input] %s: the file is empty (0 bytes): copy it again, or check the "
                       "path", s->path, key);
    size_t pl = strlen(s->path);
    gp_status cst;
    if (pl > 4 && strcasecmp(s->path + pl - 4, ".csv") == 0 && csv_points(src) &&
        (cst = csv_coordinates(ctx, src, s->path)))
        return cst;
    CPLErrorReset();
    s->ds = gp_open_vector(src);
    if (!s->ds) {
        const char *m = CPLGetLastErrorMsg();
        return gp_fail(ctx, GP_ERR_IO, "%s: [input] %s: GDAL cannot read this file as vector data%s%s: is it "
                       "truncated or in an unsupported format?", s->path, key, m[0] ? ": " : "", m);
    }
    return open_layer(ctx, cfg, src, s);
}

/* A table of a PostgreSQL database: messages show the connection without
 * its password, and a database is checked as a server, not as a file. */
static gp_status open_database(gp_ctx *ctx, const gp_config *cfg, const gp_cfg_source *src, gp_src *s)
{
    size_t len = strlen(src->path) + 64; /* "***" may be longer than a password */
    if (!(s->shown = malloc(len)))
        return GP_ERR_NOMEM;
    gp_config_conn_shown(src->path, s->shown, len);
    s->path = s->shown;
    CPLErrorReset();
    s->ds = gp_open_vector(src);
    if (!s->ds) {
        char m[1024];
        gp_pg_message(CPLGetLastErrorMsg(), m, sizeof m);
        return gp_fail(ctx, GP_ERR_IO, "%s: [input] %s: cannot open the database%s%s: check the connection string "
                       "(host, port, dbname, user; a password belongs in ~/.pgpass or PGPASSWORD), or PG: alone with "
                       "the libpq environment (PGHOST, PGDATABASE, ...), and that the server runs", s->path,
                       src->key, m[0] ? ": " : "", m);
    }
    return open_layer(ctx, cfg, src, s);
}

/* The layer of an opened source and its CRS. */
static gp_status open_layer(gp_ctx *ctx, const gp_config *cfg, const gp_cfg_source *src, gp_src *s)
{
    const char *key = src->key;
    s->layer_name = src->layer;
    int nl = GDALDatasetGetLayerCount(s->ds);
    if (s->layer_name) {
        s->lyr = GDALDatasetGetLayerByName(s->ds, s->layer_name);
        if (!s->lyr) {
            char names[400];
            layer_names(s->ds, names, sizeof names);
            return gp_fail(ctx, GP_ERR_INPUT, "%s: no layer '%s' (layers: %s): fix [input] %s.layer", s->path,
                           s->layer_name, names, key);
        }
    } else {
        if (nl != 1) {
            char names[400];
            layer_names(s->ds, names, sizeof names);
            return gp_fail(ctx, GP_ERR_INPUT, "%s: has %d layers%s%s%s: name one with [input] %s.layer", s->path, nl,
                           nl ? " (" : "", names, nl ? ")" : "", key);
        }
        s->lyr = GDALDatasetGetLayer(s->ds, 0);
    }
    s->layer_name = OGR_L_GetName(s->lyr);
    if (OGR_FD_GetGeomFieldCount(OGR_L_GetLayerDefn(s->lyr)) == 0) {
        /* a roster may be a plain table: its workers have no base location */
        if (strcmp(key, "workers") == 0)
            return GP_OK;
        return gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has no geometry: [input] %s must be %s (a CSV needs a WKT "
                       "column or x/y columns: see [input] %s.wkt, %s.x, %s.y)", s->path, s->layer_name, key,
                       src_kind(key), key, key, key);
    }

    const char *crs = src->crs;
    OGRSpatialReferenceH srs = NULL;
    if (crs) {
        srs = OSRNewSpatialReference(NULL);
        if (OSRSetFromUserInput(srs, crs) != OGRERR_NONE) {
            OSRDestroySpatialReference(srs);
            return gp_fail(ctx, GP_ERR_CRS, "%s: [input] %s.crs = %s is not a CRS PROJ knows (e.g. EPSG:4326)",
                           cfg->path, key, crs);
        }
    } else {
        OGRSpatialReferenceH l = OGR_L_GetSpatialRef(s->lyr);
        /* GeoPackages say "Undefined geographic/cartesian SRS" where other
         * formats say nothing; a local CRS cannot be placed on Earth either */
        const char *nm = l ? OSRGetName(l) : NULL;
        if (!l || OSRIsLocal(l) || (nm && strncmp(nm, "Undefined ", 10) == 0)) {
            /* a shapefile keeps its CRS in the .prj beside it */
            char prj[4096] = "", why[4200] = "";
            if (shapefile(s->path) && !sidecar(s->path, "prj", prj, sizeof prj))
                snprintf(why, sizeof why, " (its %s is missing)", prj);
            return gp_fail(ctx, GP_ERR_CRS, "%s: layer '%s' has no CRS%s: set [input] %s.crs = EPSG:xxxx in the "
                           "scenario", s->path, s->layer_name, why, key);
        }
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

gp_status gp_src_field(gp_ctx *ctx, gp_src *s, const gp_cfg_field *f, int *idx)
{
    *idx = -1;
    if (!f->name)
        return GP_OK;
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(s->lyr);
    *idx = OGR_FD_GetFieldIndex(fd, f->name);
    if (*idx >= 0 || !f->given)
        return GP_OK; /* found, or an optional default that is absent */
    char names[400] = "";
    for (int i = 0, nf = OGR_FD_GetFieldCount(fd); i < nf; i++)
        list_add(names, sizeof names, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, i)));
    return gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has no field '%s' (fields: %s): fix [input] %s", s->path,
                   s->layer_name, f->name, names, f->key);
}

void gp_src_label(OGRFeatureH f, int id_idx, char *buf, size_t len)
{
    const char *v = id_idx >= 0 && OGR_F_IsFieldSetAndNotNull(f, id_idx) ? OGR_F_GetFieldAsString(f, id_idx) : NULL;
    if (v && gp_utf8_valid(v))
        snprintf(buf, len, "'%s'", v);
    else
        snprintf(buf, len, "FID %lld", (long long)OGR_F_GetFID(f));
}

bool gp_utf8_valid(const char *s) { return CPLIsUTF8(s, -1) != 0; }

gp_status gp_src_text(gp_ctx *ctx, gp_src *s, OGRFeatureH f, int idx, const char *where, const char **out)
{
    *out = NULL;
    if (idx < 0 || !OGR_F_IsFieldSetAndNotNull(f, idx))
        return GP_OK;
    const char *v = OGR_F_GetFieldAsString(f, idx);
    if (!gp_utf8_valid(v))
        return gp_fail(ctx, GP_ERR_INPUT, "%s: %s: field '%s' is not valid UTF-8: convert the file to UTF-8 (e.g. "
                       "iconv -f GB18030 -t UTF-8 for a CSV; a shapefile needs a .cpg naming its encoding)", s->path,
                       where, OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(f, idx)));
    *out = v;
    return GP_OK;
}

gp_status gp_src_count(gp_ctx *ctx, gp_src *s, OGRFeatureH f, int idx, const char *label, double *out)
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
        return gp_fail(ctx, GP_ERR_INPUT, "%s: feature %s: field '%s' = '%s' is not a number: write the count as a "
                       "number (0 if none)", s->path, label, fname, OGR_F_GetFieldAsString(f, idx));
    }
    if (!isfinite(v) || v < 0)
        return gp_fail(ctx, GP_ERR_INPUT, "%s: feature %s: field '%s' = %g is %s: counts must be finite and >= 0: "
                       "correct the value (0 if none)", s->path, label, fname, v,
                       isfinite(v) ? "negative" : "not a finite number");
    *out = v;
    return GP_OK;
}

/* Rings GEOS would refuse with a bare "do not form a closed linestring":
 * said with the feature and the fix. */
static gp_status check_rings(gp_ctx *ctx, gp_src *s, OGRGeometryH g, const char *label)
{
    bool multi = wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPolygon;
    int np = multi ? OGR_G_GetGeometryCount(g) : 1;
    for (int p = 0; p < np; p++) {
        OGRGeometryH poly = multi ? OGR_G_GetGeometryRef(g, p) : g;
        int nr = OGR_G_GetGeometryCount(poly);
        for (int r = 0; r < nr; r++) {
            OGRGeometryH ring = OGR_G_GetGeometryRef(poly, r);
            int n = OGR_G_GetPointCount(ring);
            if (n == 0)
                continue;
            char which[64];
            snprintf(which, sizeof which, "%s ring%s", r ? "an inner" : "the outer", multi ? " of a part" : "");
            double x0 = OGR_G_GetX(ring, 0), y0 = OGR_G_GetY(ring, 0);
            double x1 = OGR_G_GetX(ring, n - 1), y1 = OGR_G_GetY(ring, n - 1);
            if (x0 != x1 || y0 != y1)
                return gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s: %s is not closed (it starts at %.10g %.10g "
                               "and ends at %.10g %.10g): repeat the first point at the end", s->path, label, which,
                               x0, y0, x1, y1);
            if (n < 4)
                return gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s: %s has %d points: a ring needs at least 4, "
                               "the first repeated at the end", s->path, label, which, n);
        }
    }
    return GP_OK;
}

GEOSGeometry *gp_src_geom(gp_ctx *ctx, gp_src *s, gp_proj *pj, OGRFeatureH f, const char *label,
                               bool polygonal, gp_status *st)
{
    *st = GP_OK;
    s->zero_area = false;
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
        *st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s: a %s where %s are expected: [input] %s must be %s (is "
                      "it the right file or layer?)", s->path, label, OGRGeometryTypeToName(t),
                      polygonal ? "polygons" : "points", s->cfg->key, src_kind(s->cfg->key));
        OGR_G_DestroyGeometry(lin);
        return NULL;
    }
    if (polygonal && (*st = check_rings(ctx, s, lin, label))) {
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
    double a = 0, len = 0;
    if (polygonal && GEOSArea_r(ctx->geos, g, &a) && GEOSLength_r(ctx->geos, g, &len) &&
        4 * M_PI * a <= 1e-10 * len * len && GEOSisValid_r(ctx->geos, g) == 1) {
        /* no area but for rounding (Polsby-Popper below 1e-10); an invalid
         * one (a bow-tie's lobes cancel out) is left to the repair */
        GEOSGeom_destroy_r(ctx->geos, g);
        s->zero_area = true;
        return NULL;
    }
    GEOSGeometry *p = gp_proj_geom(ctx, pj, g);
    GEOSGeom_destroy_r(ctx->geos, g);
    if (!p)
        *st = gp_fail(ctx, GP_ERR_PROJ, "%s: feature %s: a coordinate cannot be transformed to the working CRS: "
                      "is the layer's CRS right?", s->path, label);
    return p;
}


bool gp_src_note(char ***list, int *n, const char *what, const char *label)
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

void gp_src_note_repair(gp_ctx *ctx, gp_dataset *ds, gp_src *s, const char *label, const char *why)
{
    ds->n_repaired++;
    gp_src_note(&ds->repaired, &ds->n_repaired_ids, s->cfg->key, label);
    gp_log(ctx, GP_LOG_WARN, "%s: feature %s: invalid polygon repaired%s%s%s: check its outline", s->path, label,
           why && why[0] ? " (" : "", why ? why : "", why && why[0] ? ")" : "");
}

void gp_src_info(gp_src *s, gp_input_info *in)
{
    in->path = gp_strdup(s->path);
    in->layer = gp_strdup(s->layer_name);
    in->crs = gp_strdup(s->srs_name);
    in->features = (int)OGR_L_GetFeatureCount(s->lyr, 1);
    if (s->shown || !gp_file_checksum(s->path, in->checksum)) /* a database has no file to sum */
        in->checksum[0] = '\0';
}

static int cmp_str_idx(const void *a, const void *b, void *arr)
{
    char **ids = arr;
    return strcmp(ids[*(const int *)a], ids[*(const int *)b]);
}

gp_status gp_check_unique(gp_ctx *ctx, const char *path, const char *key, const void *first_id, size_t stride,
                          int n, const long long *pos, bool rows)
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
            char where[96] = "";
            if (pos) {
                long long a = pos[ord[i - 1]], b = pos[ord[i]];
                if (a > b)
                    a = pos[ord[i]], b = pos[ord[i - 1]];
                if (rows)
                    snprintf(where, sizeof where, " (rows %lld and %lld)", a, b);
                else
                    snprintf(where, sizeof where, " (FID %lld and FID %lld)", a, b);
            }
            gp_status st = gp_fail(ctx, GP_ERR_INPUT, "%s: id '%s' is used by more than one %s%s: [input] %s must "
                                   "name a unique field", path, ids[ord[i]], rows ? "row" : "feature", where, key);
            free(ord);
            free(ids);
            return st;
        }
    free(ord);
    free(ids);
    return GP_OK;
}

gp_status gp_read_polygons(gp_ctx *ctx, const gp_config *cfg, const gp_cfg_source *src, char *crs, size_t crs_len,
                           const char *const *fields, int nf, gp_polys *out, gp_dataset *notes)
{
    memset(out, 0, sizeof *out);
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    gp_src s = {0};
    gp_proj *pj = NULL;
    int *idx = calloc((size_t)(nf ? nf : 1), sizeof *idx);
    gp_status st = idx ? gp_src_open(ctx, cfg, src, &s) : GP_ERR_NOMEM;
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
    gp_src_info(&s, &out->info);
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
            st = gp_src_count(ctx, &s, f, idx[k], label, &v[k]);
            any |= v[k] != 0;
        }
        GEOSGeometry *g = st ? NULL : gp_src_geom(ctx, &s, pj, f, label, true, &st);
        bool rep = false;
        char why[256] = "";
        if (!st && g && !(g = gp_geom_repair_why(ctx, g, &rep, why, sizeof why)))
            st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s: invalid polygon that GEOS cannot repair (%s): fix its "
                         "outline", s.path, label, why);
        if (!st && !g && any)
            st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s has counts but %s: give it a polygon", s.path, label,
                         s.zero_area ? "zero area" : "no geometry");
        if (rep && g) {
            out->repaired++;
            if (notes)
                gp_src_note_repair(ctx, notes, &s, label, why);
            else
                gp_log(ctx, GP_LOG_WARN, "%s: feature %s: invalid polygon repaired (%s): check its outline", s.path,
                       label, why);
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
            int cg = cap, cf = cap, cv = cap * (nf ? nf : 1);
            if (!gp_grow(&out->g, &cg, cap + 1, sizeof *out->g) || !gp_grow(&out->fid, &cf, cap + 1, sizeof *out->fid) ||
                !gp_grow(&out->v, &cv, (cap + 1) * (nf ? nf : 1), sizeof *out->v))
                st = GP_ERR_NOMEM;
            else
                cap = cg;
        }
    }
done:
    gp_proj_destroy(pj);
    gp_src_close(&s);
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
