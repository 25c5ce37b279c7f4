/* Writing the layers: grids and atoms with GDAL/OGR in each format of the
 * writers' table (a new format is one more entry), in the output CRS. */
#include <cpl_error.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/io.h"

/* What to do when an output file cannot be written. */
#define OUT_FIX "check free space and permissions, or choose another [output] dir (or --out)"

/* The formats the layers can be written in. */
struct gp_format {
    const char *name;            /* as [output] formats writes it, and the file extension */
    const char *driver;          /* GDAL's driver */
    bool short_names;            /* field names of at most 10 characters */
    const char *const *layer_options;
};
static const char *const SHP_OPTIONS[] = {"ENCODING=UTF-8", NULL};
static const gp_format FORMATS[] = {
    {"gpkg", "GPKG", false, NULL},
    {"shp", "ESRI Shapefile", true, SHP_OPTIONS}, /* UTF-8 .cpg, .prj */
};

const char *gp_format_name(const gp_format *f) { return f->name; }

const gp_format *gp_format_find(const char *name)
{
    for (size_t k = 0; k < sizeof FORMATS / sizeof FORMATS[0]; k++)
        if (strcasecmp(FORMATS[k].name, name) == 0)
            return &FORMATS[k];
    return NULL;
}

/* Field names for per-type case counts: "cases_" + the type in lower case,
 * other characters as '_' ("DRUG/NARCOTIC" -> "cases_drug_narcotic"); a
 * clash gets a number. Caller frees with free_names. */
static char **type_fields(const gp_dataset *ds)
{
    char **names = calloc((size_t)ds->n_case_types + 1, sizeof *names);
    for (int t = 0; names && t < ds->n_case_types; t++) {
        char buf[64];
        int k = snprintf(buf, sizeof buf, "cases_");
        for (const char *c = ds->case_types[t]; *c && k < 40; c++)
            buf[k++] = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a')
                     : ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')) ? *c : '_';
        buf[k] = '\0';
        for (int u = 0; u < t; u++)
            if (names[u] && strcmp(names[u], buf) == 0) {
                snprintf(buf + k, sizeof buf - (size_t)k, "_%d", t + 1);
                break;
            }
        names[t] = gp_strdup(buf);
    }
    return names;
}

static void free_names(char **names, int n)
{
    for (int i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

/* Shapefile field names: at most 10 characters. The long names of the
 * layers are shortened as documented in docs/report.md; "cases_<type>"
 * becomes "c_" + the first 8 characters of the type, a clash ending in a
 * number. Returns name itself when it fits. */
static const char *shp_name(const char *name, char *buf, size_t len, char *const *taken, int ntaken)
{
    static const char *const M[][2] = {{"polsby_popper", "polsby_pp"}, {"existing_grid", "exist_grid"}};
    for (size_t i = 0; i < sizeof M / sizeof M[0]; i++)
        if (strcmp(name, M[i][0]) == 0)
            return M[i][1];
    if (strlen(name) <= 10)
        return name;
    const char *base = strncmp(name, "cases_", 6) == 0 ? name + 6 : name;
    if (base != name)
        snprintf(buf, len, "c_%.8s", base);
    else
        snprintf(buf, len, "%.10s", name);
    for (int k = 1; k < 100; k++) {
        bool clash = false;
        for (int t = 0; t < ntaken && !clash; t++)
            clash = taken[t] && strcasecmp(taken[t], buf) == 0;
        if (!clash)
            break;
        char num[8];
        snprintf(num, sizeof num, "%d", k);
        snprintf(buf + 10 - strlen(num), len - 10 + strlen(num), "%s", num);
    }
    return buf;
}

typedef struct layer_out {
    GDALDatasetH ds;
    OGRLayerH lyr;
    GEOSWKBWriter *wr;
    bool in_transaction;
    const char *path;
    int n_failed;                /* GDAL errors while it was open */
    char failed[512];            /* the first of them */
} layer_out;

/* Drivers without transactions (shapefiles) report some failed writes
 * only as GDAL errors, some only when the file is closed (a full disk
 * left a truncated .dbf and exit code 0): every error while a layer is
 * open is kept, and fails the layer. */
static void CPL_STDCALL on_gdal_error(CPLErr cls, CPLErrorNum no, const char *msg)
{
    (void)no;
    layer_out *o = CPLGetErrorHandlerUserData();
    if (o && cls >= CE_Failure && o->n_failed++ == 0)
        snprintf(o->failed, sizeof o->failed, "%s", msg ? msg : "");
}

/* Creates one layer in format fmt (out NULL: a GeoPackage in the working
 * CRS). */
static gp_status open_layer(gp_ctx *ctx, const gp_dataset *ds, const gp_output *out, const gp_format *fmt,
                            const char *path,
                            const char *name, const char *const *fields, const OGRFieldType *types, int nf,
                            char **extra, int ne, layer_out *o)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    CPLPushErrorHandlerEx(on_gdal_error, o); /* popped by close_layer */
    GDALDriverH drv = GDALGetDriverByName(fmt->driver);
    if (!drv)
        return gp_fail(ctx, GP_ERR_OUTPUT, "GDAL has no %s driver", fmt->driver);
    o->ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
    if (!o->ds)
        return gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create: %s: " OUT_FIX, path, CPLGetLastErrorMsg());
    const char *crs = out && out->crs_def ? out->crs_def : ds->crs;
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    if (OSRSetFromUserInput(srs, crs) != OGRERR_NONE) {
        OSRDestroySpatialReference(srs);
        return gp_fail(ctx, GP_ERR_OUTPUT, "%s: GDAL does not know the CRS '%s'", path, crs);
    }
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    o->lyr = GDALDatasetCreateLayer(o->ds, name, srs, wkbMultiPolygon, (char **)fmt->layer_options);
    OSRDestroySpatialReference(srs);
    if (!o->lyr)
        return gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create layer '%s': %s: " OUT_FIX, path, name,
                       CPLGetLastErrorMsg());
    char **made = calloc((size_t)(nf + ne + 1), sizeof *made);
    if (!made)
        return GP_ERR_NOMEM;
    gp_status st = GP_OK;
    for (int i = 0; i < nf + ne && !st; i++) {
        const char *fname = i < nf ? fields[i] : extra[i - nf] ? extra[i - nf] : "cases_type";
        char buf[32];
        if (fmt->short_names)
            fname = shp_name(fname, buf, sizeof buf, made, i);
        made[i] = gp_strdup(fname);
        OGRFieldDefnH fd = OGR_Fld_Create(fname, i < nf ? types[i] : OFTInteger);
        if (fmt->short_names && (i < nf ? types[i] : OFTInteger) == OFTString)
            OGR_Fld_SetWidth(fd, 254);
        OGRErr e = OGR_L_CreateField(o->lyr, fd, 0);
        OGR_Fld_Destroy(fd);
        if (e != OGRERR_NONE)
            st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create field '%s': %s: " OUT_FIX, path, fname,
                         CPLGetLastErrorMsg());
    }
    for (int i = 0; i < nf + ne; i++)
        free(made[i]);
    free(made);
    if (st)
        return st;
    o->wr = GEOSWKBWriter_create_r(ctx->geos);
    if (!o->wr)
        return GP_ERR_NOMEM;
    o->in_transaction = GDALDatasetStartTransaction(o->ds, 0) == OGRERR_NONE;
    return GP_OK;
}

static gp_status close_layer(gp_ctx *ctx, layer_out *o, gp_status st)
{
    if (o->ds) {
        if (st == GP_OK && o->in_transaction && GDALDatasetCommitTransaction(o->ds) != OGRERR_NONE)
            st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: commit failed: %s: " OUT_FIX, o->path,
                         CPLGetLastErrorMsg());
        GDALClose(o->ds);
    }
    CPLPopErrorHandler();
    if (st == GP_OK && o->n_failed)
        st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: write failed: %s: " OUT_FIX, o->path, o->failed);
    if (o->wr)
        GEOSWKBWriter_destroy_r(ctx->geos, o->wr);
    return st;
}

/* Writes a feature's geometry (as written.c made it), promoted to
 * MultiPolygon. */
static gp_status put_geom(gp_ctx *ctx, layer_out *o, OGRFeatureH f, const GEOSGeometry *g)
{
    size_t n = 0;
    unsigned char *wkb = GEOSWKBWriter_write_r(ctx->geos, o->wr, g, &n);
    if (!wkb)
        return gp_fail(ctx, GP_ERR_GEOS, "cannot encode geometry: %s", gp_geos_lastmsg(ctx));
    OGRGeometryH og = NULL;
    OGRErr e = OGR_G_CreateFromWkbEx(wkb, NULL, &og, n);
    GEOSFree_r(ctx->geos, wkb);
    if (e != OGRERR_NONE || !og)
        return gp_fail(ctx, GP_ERR_OUTPUT, "cannot convert geometry for GDAL");
    og = OGR_G_ForceToMultiPolygon(og);
    OGR_F_SetGeometryDirectly(f, og);
    return GP_OK;
}

/* The atoms layer; plan may be NULL (atoms without grids). */
static gp_status write_atoms(gp_ctx *ctx, const gp_dataset *ds, const gp_plan *plan, const gp_output *out,
                             const gp_written *w, const gp_format *fmt, const char *path, char **tf, int nt)
{
    layer_out o;
    gp_status st;
    static const char *af[] = {"atom_id", "unit_id", "community", "grid_id", "households", "population",
                               "cases", "case_load", "workload", "existing_grid", "locked_to"};
    static const OGRFieldType at[] = {OFTString, OFTString, OFTString, OFTString, OFTReal, OFTReal,
                                      OFTReal, OFTReal, OFTReal, OFTString, OFTString};
    st = open_layer(ctx, ds, out, fmt, path, "atoms", af, at, 11, tf, nt, &o);
    for (int i = 0; i < ds->n_atoms && !st; i++) {
        const gp_atom *a = &ds->atoms[i];
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(o.lyr));
        OGR_F_SetFieldString(f, 0, a->id);
        if (a->unit >= 0)
            OGR_F_SetFieldString(f, 1, ds->units[a->unit].id);
        else
            OGR_F_SetFieldNull(f, 1);
        OGR_F_SetFieldString(f, 2, ds->comms[a->community].id);
        if (plan && a->grid >= 0)
            OGR_F_SetFieldString(f, 3, plan->grids[a->grid].id);
        else
            OGR_F_SetFieldNull(f, 3);
        for (int k = 0; k < GP_NATTR; k++)
            OGR_F_SetFieldDouble(f, 4 + k, a->v[k]);
        if (a->existing >= 0)
            OGR_F_SetFieldString(f, 9, ds->existing[a->existing].id);
        else
            OGR_F_SetFieldNull(f, 9);
        if (a->unit >= 0 && ds->units[a->unit].lock)
            OGR_F_SetFieldString(f, 10, ds->units[a->unit].lock);
        else
            OGR_F_SetFieldNull(f, 10);
        for (int t = 0; t < nt; t++)
            OGR_F_SetFieldInteger(f, 11 + t, ds->case_counts[(size_t)i * nt + t]);
        st = put_geom(ctx, &o, f, w->atom[i]);
        if (!st && OGR_L_CreateFeature(o.lyr, f) != OGRERR_NONE)
            st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot write atom %s: %s: " OUT_FIX, path, a->id,
                         CPLGetLastErrorMsg());
        OGR_F_Destroy(f);
    }
    return close_layer(ctx, &o, st);
}

gp_status gp_write_atoms(gp_ctx *ctx, const gp_dataset *ds, const char *path)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    int nt = ds->case_counts ? ds->n_case_types : 0;
    char **tf = type_fields(ds);
    gp_written w;
    gp_status st = tf ? gp_written_make(ctx, ds, NULL, NULL, &w) : GP_ERR_NOMEM;
    if (!st) {
        st = write_atoms(ctx, ds, NULL, NULL, &w, &FORMATS[0], path, tf, nt);
        gp_written_free(ctx, &w);
    }
    free_names(tf, ds->n_case_types);
    CPLPopErrorHandler();
    return st;
}

static gp_status write_grids(gp_ctx *ctx, const gp_dataset *ds, const gp_plan *plan, const gp_output *out,
                             const gp_written *w, const gp_format *fmt, const char *path, char **tf, int nt,
                             const int *gcount)
{
    static const char *gf[] = {"grid_id", "community", "households", "population", "cases", "case_load",
                               "workload", "n_atoms", "area_m2", "polsby_popper", "status", "workers"};
    static const OGRFieldType gt[] = {OFTString, OFTString, OFTReal, OFTReal, OFTReal, OFTReal,
                                      OFTReal, OFTInteger, OFTReal, OFTReal, OFTString, OFTString};
    layer_out o;
    gp_status st = open_layer(ctx, ds, out, fmt, path, "grids", gf, gt, 12, tf, nt, &o);
    for (int g = 0; g < plan->n_grids && !st; g++) {
        const gp_grid *gr = &plan->grids[g];
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(o.lyr));
        OGR_F_SetFieldString(f, 0, gr->id);
        OGR_F_SetFieldString(f, 1, ds->comms[gr->community].id);
        for (int a = 0; a < GP_NATTR; a++)
            OGR_F_SetFieldDouble(f, 2 + a, gr->v[a]);
        OGR_F_SetFieldInteger(f, 7, gr->n_atoms);
        OGR_F_SetFieldDouble(f, 8, gr->area);
        OGR_F_SetFieldDouble(f, 9, gr->polsby_popper);
        OGR_F_SetFieldString(f, 10, gr->dedicated ? "dedicated" : gp_comm_status_name(ds->comms[gr->community].status));
        if (gr->workers)
            OGR_F_SetFieldString(f, 11, gr->workers);
        for (int t = 0; t < nt; t++)
            OGR_F_SetFieldInteger(f, 12 + t, gcount[(size_t)g * nt + t]);
        st = put_geom(ctx, &o, f, w->grid[g]);
        if (!st && OGR_L_CreateFeature(o.lyr, f) != OGRERR_NONE)
            st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot write grid %s: %s: " OUT_FIX, path, gr->id,
                         CPLGetLastErrorMsg());
        OGR_F_Destroy(f);
    }
    return close_layer(ctx, &o, st);
}

gp_status gp_output_from_config(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, gp_output *out)
{
    memset(out, 0, sizeof *out);
    int nf = 0;
    for (size_t k = 0; k < sizeof FORMATS / sizeof FORMATS[0]; k++)
        if (gp_config_lists(cfg->output.formats, FORMATS[k].name))
            out->formats[nf++] = &FORMATS[k];
    const char *crs = cfg->output.crs;
    out->grid = 1e-3; /* metres */
    if (strcmp(crs, "input") == 0 && ds->input_crs_def) {
        out->crs_def = ds->input_crs_def;
        snprintf(out->crs_name, sizeof out->crs_name, "%s", ds->input_crs_name);
    } else if (strcmp(crs, "working") == 0 || strcmp(crs, "input") == 0) {
        out->crs_def = ds->crs;
        snprintf(out->crs_name, sizeof out->crs_name, "%s", ds->crs);
    } else {
        OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
        bool ok = OSRSetFromUserInput(srs, crs) == OGRERR_NONE;
        OSRDestroySpatialReference(srs);
        if (!ok)
            return gp_fail(ctx, GP_ERR_CRS, "%s: [output] crs = %s is not a CRS PROJ knows: write input, working or "
                           "EPSG:xxxx", cfg->path, crs);
        out->crs_def = crs;
        snprintf(out->crs_name, sizeof out->crs_name, "%s", crs);
    }
    /* about a millimetre in the output's units: 1e-8 degree, or a metre's
     * thousandth in its linear unit */
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    if (OSRSetFromUserInput(srs, out->crs_def) == OGRERR_NONE) {
        if (OSRIsGeographic(srs))
            out->grid = 1e-8;
        else if (OSRIsProjected(srs))
            out->grid = 1e-3 / OSRGetLinearUnits(srs, NULL);
    }
    OSRDestroySpatialReference(srs);
    return GP_OK;
}

gp_status gp_write_layers(gp_ctx *ctx, const gp_dataset *ds, const gp_plan *plan, const gp_output *out,
                          const gp_written *w, const char *dir)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    int nt = ds->case_counts ? ds->n_case_types : 0;
    char **tf = type_fields(ds);
    int *gcount = calloc((size_t)plan->n_grids * (size_t)(nt ? nt : 1) + 1, sizeof *gcount);
    gp_status st = GP_OK;
    if (!tf || !gcount)
        st = GP_ERR_NOMEM;
    for (int i = 0; !st && i < ds->n_atoms; i++)
        for (int t = 0; t < nt; t++)
            gcount[(size_t)ds->atoms[i].grid * nt + t] += ds->case_counts[(size_t)i * nt + t];
    for (int f = 0; out->formats[f] && !st; f++) {
        const gp_format *fmt = out->formats[f];
        char path[4200];
        snprintf(path, sizeof path, "%s/grids.%s", dir, fmt->name);
        if ((st = write_grids(ctx, ds, plan, out, w, fmt, path, tf, nt, gcount)))
            break;
        snprintf(path, sizeof path, "%s/atoms.%s", dir, fmt->name);
        st = write_atoms(ctx, ds, plan, out, w, fmt, path, tf, nt);
    }
    free_names(tf, ds->n_case_types);
    free(gcount);
    CPLPopErrorHandler();
    return st;
}
