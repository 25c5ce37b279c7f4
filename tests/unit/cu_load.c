/* Load stage on files written here with GDAL: text counts parsed, NULLs
 * and junk reported with the feature, missing CRS refused unless the
 * scenario names one, invalid polygons repaired and counted. */
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cu_tester.h"
#include "io/io.h"
#include "plan/plan.h"

typedef struct feat { const char *id; const char *hh; const char *wkt; } feat;

/* Writes a GeoPackage with a units layer; hh as a text field so that
 * numbers, junk and NULL (hh == NULL) can all be written. */
static void write_units(const char *path, const char *epsg, const feat *f, int n)
{
    GDALAllRegister();
    unlink(path);
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GPKG"), path, 0, 0, 0, GDT_Unknown, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ds);
    OGRSpatialReferenceH srs = NULL;
    if (epsg) {
        srs = OSRNewSpatialReference(NULL);
        OSRSetFromUserInput(srs, epsg);
    }
    OGRLayerH l = GDALDatasetCreateLayer(ds, "units", srs, wkbPolygon, NULL);
    if (srs)
        OSRDestroySpatialReference(srs);
    OGRFieldDefnH fd = OGR_Fld_Create("uid", OFTString);
    OGR_L_CreateField(l, fd, 1);
    OGR_Fld_Destroy(fd);
    fd = OGR_Fld_Create("hh", OFTString);
    OGR_L_CreateField(l, fd, 1);
    OGR_Fld_Destroy(fd);
    for (int i = 0; i < n; i++) {
        OGRFeatureH ft = OGR_F_Create(OGR_L_GetLayerDefn(l));
        OGR_F_SetFieldString(ft, 0, f[i].id);
        if (f[i].hh)
            OGR_F_SetFieldString(ft, 1, f[i].hh);
        else
            OGR_F_SetFieldNull(ft, 1);
        OGRGeometryH g = NULL;
        char *w = (char *)f[i].wkt;
        OGR_G_CreateFromWkt(&w, NULL, &g);
        OGR_F_SetGeometryDirectly(ft, g);
        CU_ASSERT_EQUAL(OGR_L_CreateFeature(l, ft), OGRERR_NONE);
        OGR_F_Destroy(ft);
    }
    GDALClose(ds);
}

static gp_status load(gp_ctx *ctx, const char *path, const char *extra, gp_dataset *ds)
{
    char text[2048];
    snprintf(text, sizeof text, "[input]\nunits = %s\nunits.id = uid\nunits.households = hh\n%s", path,
             extra ? extra : "");
    gp_scenario *sc = NULL;
    gp_status st = gp_scenario_parse(ctx, text, "t.ini", "/", &sc);
    CU_ASSERT_EQUAL_FATAL(st, GP_OK);
    memset(ds, 0, sizeof *ds);
    st = gp_load(ctx, gp_scenario_config(sc), ds);
    gp_scenario_destroy(sc);
    return st;
}


static const char *sq(int i)
{
    static char buf[8][128];
    int x = 500000 + i * 100, y = 4000000;
    snprintf(buf[i], sizeof buf[i], "POLYGON((%d %d,%d %d,%d %d,%d %d,%d %d))", x, y, x + 100, y, x + 100, y + 100,
             x, y + 100, x, y);
    return buf[i];
}

static void test_counts(void)
{
    char path[] = "/tmp/gp_load_XXXXXX.gpkg";
    int fd = mkstemps(path, 5);
    close(fd);
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_dataset ds;

    feat ok[] = {{"a", "12", sq(0)}, {"b", " 7.5 ", sq(1)}};
    write_units(path, "EPSG:32651", ok, 2);
    CU_ASSERT_EQUAL(load(ctx, path, NULL, &ds), GP_OK);
    CU_ASSERT_EQUAL(ds.n_units, 2);
    CU_ASSERT_DOUBLE_EQUAL(ds.in_units.sum_hh, 19.5, 0);
    CU_ASSERT_STRING_EQUAL(ds.crs, "EPSG:32651"); /* auto: the zone the data is in */
    gp_dataset_free(ctx, &ds);

    feat junk[] = {{"a", "12", sq(0)}, {"b", "twelve", sq(1)}};
    write_units(path, "EPSG:32651", junk, 2);
    CU_ASSERT_EQUAL(load(ctx, path, NULL, &ds), GP_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), "feature 'b'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), "'twelve' is not a number"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), path));
    gp_dataset_free(ctx, &ds);

    feat null[] = {{"a", NULL, sq(0)}};
    write_units(path, "EPSG:32651", null, 1);
    CU_ASSERT_EQUAL(load(ctx, path, NULL, &ds), GP_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), "feature 'a': field 'hh' is NULL"));
    gp_dataset_free(ctx, &ds);

    feat neg[] = {{"a", "-3", sq(0)}};
    write_units(path, "EPSG:32651", neg, 1);
    CU_ASSERT_EQUAL(load(ctx, path, NULL, &ds), GP_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), ">= 0"));
    gp_dataset_free(ctx, &ds);

    feat dup[] = {{"a", "1", sq(0)}, {"a", "2", sq(1)}};
    write_units(path, "EPSG:32651", dup, 2);
    CU_ASSERT_EQUAL(load(ctx, path, NULL, &ds), GP_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), "id 'a' is used by more than one feature"));
    gp_dataset_free(ctx, &ds);

    write_units(path, "EPSG:32651", ok, 2);
    CU_ASSERT_EQUAL(load(ctx, path, "units.layer = nope\n", &ds), GP_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), "no layer 'nope' (layers: units)"));
    gp_dataset_free(ctx, &ds);

    unlink(path);
    gp_ctx_destroy(ctx);
}

static void test_crs(void)
{
    char path[] = "/tmp/gp_load_XXXXXX.gpkg";
    int fd = mkstemps(path, 5);
    close(fd);
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_dataset ds;
    feat f[] = {{"a", "1", "POLYGON((500000 4000000,500100 4000000,500100 4000100,500000 4000100,500000 4000000))"}};
    write_units(path, NULL, f, 1);
    CU_ASSERT_EQUAL(load(ctx, path, NULL, &ds), GP_ERR_CRS);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), "has no CRS"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), "units.crs"));
    gp_dataset_free(ctx, &ds);
    /* the scenario names it: loads, and the area is the data's own */
    CU_ASSERT_EQUAL(load(ctx, path, "units.crs = EPSG:32650\n", &ds), GP_OK);
    CU_ASSERT_STRING_EQUAL(ds.crs, "EPSG:32650");
    CU_ASSERT_DOUBLE_EQUAL(ds.units[0].area, 10000, 1e-6);
    gp_dataset_free(ctx, &ds);
    /* a geographic working CRS is refused */
    CU_ASSERT_EQUAL(load(ctx, path, "units.crs = EPSG:32650\ncrs = EPSG:4326\n", &ds), GP_ERR_CRS);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), "projected in metres"));
    gp_dataset_free(ctx, &ds);
    /* lon/lat input is projected for real: a 0.001 x 0.001 degree square at
     * 45 N is about 78.9 m x 111.1 m */
    feat geo[] = {{"a", "1", "POLYGON((126 45,126.001 45,126.001 45.001,126 45.001,126 45))"}};
    write_units(path, "EPSG:4490", geo, 1);
    CU_ASSERT_EQUAL(load(ctx, path, NULL, &ds), GP_OK);
    CU_ASSERT_STRING_EQUAL(ds.crs, "EPSG:32652");
    CU_ASSERT_DOUBLE_EQUAL(ds.units[0].area, 78.8 * 111.1, 0.01 * 78.8 * 111.1);
    gp_dataset_free(ctx, &ds);
    unlink(path);
    gp_ctx_destroy(ctx);
}

static void test_repair(void)
{
    char path[] = "/tmp/gp_load_XXXXXX.gpkg";
    int fd = mkstemps(path, 5);
    close(fd);
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_dataset ds;
    /* a bow-tie: self-intersecting, area 2 x 50 x 100 / 2 */
    feat f[] = {{"bow", "5", "POLYGON((500000 4000000,500100 4000100,500100 4000000,500000 4000100,500000 4000000))"}, {"ok", "1", sq(2)}};
    write_units(path, "EPSG:32651", f, 2);
    CU_ASSERT_EQUAL(load(ctx, path, NULL, &ds), GP_OK);
    CU_ASSERT_EQUAL(ds.n_repaired, 1);
    CU_ASSERT_EQUAL_FATAL(ds.n_repaired_ids, 1);
    CU_ASSERT_STRING_EQUAL(ds.repaired[0], "units:'bow'");
    CU_ASSERT(ds.units[0].repaired);
    CU_ASSERT(!ds.units[1].repaired);
    CU_ASSERT_EQUAL(GEOSisValid_r(ctx->geos, ds.units[0].geom), 1);
    CU_ASSERT_DOUBLE_EQUAL(ds.units[0].area, 5000, 1e-6);
    gp_dataset_free(ctx, &ds);
    unlink(path);
    gp_ctx_destroy(ctx);
}

/* CSV inputs: polygons from a WKT column, points from lon/lat columns;
 * a CSV has no CRS, so the scenario must name it. */
static void test_csv(void)
{
    char dir[] = "/tmp/gp_csv_XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    char units[4200], cases[4200];
    snprintf(units, sizeof units, "%s/units.csv", dir);
    snprintf(cases, sizeof cases, "%s/cases.csv", dir);
    FILE *f = fopen(units, "w");
    /* lon/lat columns beside the WKT (label points) must not turn the
     * polygons into points */
    fputs("uid,hh,lon,lat,WKT\n"
          "a,12,126.0005,45.0005,\"POLYGON((126 45,126.001 45,126.001 45.001,126 45.001,126 45))\"\n"
          "b,30,126.0015,45.0005,\"POLYGON((126.001 45,126.002 45,126.002 45.001,126.001 45.001,126.001 45))\"\n", f);
    fclose(f);
    f = fopen(cases, "w");
    fputs("id,kind,longitude,latitude\n1,dispute,126.0005,45.0005\n2,sanitation,126.0015,45.0002\n"
          "3,dispute,127,46\n", f);
    fclose(f);
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    char text[9000];
    snprintf(text, sizeof text, "[input]\nunits = %s\nunits.id = uid\nunits.households = hh\n"
             "cases = %s\ncases.type = kind\ncases.crs = EPSG:4326\n", units, cases);
    gp_scenario *sc = NULL;
    gp_dataset ds = {0};
    CU_ASSERT_EQUAL_FATAL(gp_scenario_parse(ctx, text, "t.ini", "/", &sc), GP_OK);
    CU_ASSERT_EQUAL(gp_load(ctx, gp_scenario_config(sc), &ds), GP_ERR_CRS); /* units.csv has no CRS */
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), "units.crs"));
    gp_dataset_free(ctx, &ds);
    gp_scenario_destroy(sc);
    strcat(text, "units.crs = EPSG:4490\n");
    CU_ASSERT_EQUAL_FATAL(gp_scenario_parse(ctx, text, "t.ini", "/", &sc), GP_OK);
    CU_ASSERT_EQUAL_FATAL(gp_load(ctx, gp_scenario_config(sc), &ds), GP_OK);
    CU_ASSERT_EQUAL(ds.n_units, 2);
    CU_ASSERT_DOUBLE_EQUAL(ds.in_units.sum_hh, 42, 0);
    CU_ASSERT_EQUAL(ds.n_cases, 3);
    CU_ASSERT_EQUAL(ds.n_case_types, 2);
    CU_ASSERT_EQUAL_FATAL(gp_atomize(ctx, gp_scenario_config(sc), &ds), GP_OK);
    CU_ASSERT_EQUAL_FATAL(gp_cases_attach(ctx, gp_scenario_config(sc), &ds), GP_OK);
    CU_ASSERT_EQUAL(ds.n_cases_unmatched, 1);
    CU_ASSERT_DOUBLE_EQUAL(ds.atoms[0].v[GP_A_CASES] + ds.atoms[1].v[GP_A_CASES], 2, 0);
    gp_dataset_free(ctx, &ds);
    gp_scenario_destroy(sc);
    gp_ctx_destroy(ctx);
    remove(units);
    remove(cases);
    rmdir(dir);
}

/* Dasymetric weights through the scenario: a weights layer that covers
 * only the east half of a unit sends all its households east. */
static void test_weights_layer(void)
{
    char up[] = "/tmp/gp_wu_XXXXXX.gpkg", wp[] = "/tmp/gp_ww_XXXXXX.gpkg";
    close(mkstemps(up, 5));
    close(mkstemps(wp, 5));
    feat u[] = {{"u", "100", "POLYGON((500000 4000000,500200 4000000,500200 4000100,500000 4000100,500000 4000000))"}};
    feat w[] = {{"bldg", "5", "POLYGON((500120 4000010,500180 4000010,500180 4000090,500120 4000090,500120 4000010))"},
                {"bad", "x0", "POLYGON((500010 4000010,500020 4000010,500020 4000020,500010 4000020,500010 4000010))"}};
    write_units(up, "EPSG:32651", u, 1);
    write_units(wp, "EPSG:32651", w, 1);
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    char extra[9000];
    snprintf(extra, sizeof extra, "weights = %s\nweights.field = hh\n[atoms]\nmode = cells\nshape = square\nsize = 100\n",
             wp);
    char text[9500];
    snprintf(text, sizeof text, "[input]\nunits = %s\nunits.id = uid\nunits.households = hh\n%s", up, extra);
    gp_scenario *sc = NULL;
    CU_ASSERT_EQUAL_FATAL(gp_scenario_parse(ctx, text, "t.ini", "/", &sc), GP_OK);
    gp_dataset ds = {0};
    CU_ASSERT_EQUAL_FATAL(gp_load(ctx, gp_scenario_config(sc), &ds), GP_OK);
    CU_ASSERT(ds.has_weights);
    CU_ASSERT_EQUAL(ds.weights.n, 1);
    CU_ASSERT_STRING_EQUAL(ds.in_weights.layer, "units");
    CU_ASSERT_EQUAL_FATAL(gp_atomize(ctx, gp_scenario_config(sc), &ds), GP_OK);
    CU_ASSERT_EQUAL_FATAL(ds.n_atoms, 2);
    for (int i = 0; i < 2; i++)
        CU_ASSERT_DOUBLE_EQUAL(ds.atoms[i].v[GP_A_HH], ds.atoms[i].cx > 500100 ? 100 : 0, 1e-9);
    gp_dataset_free(ctx, &ds);
    gp_scenario_destroy(sc);
    /* a weight that is not a number is an error naming the file */
    write_units(wp, "EPSG:32651", w, 2);
    CU_ASSERT_EQUAL_FATAL(gp_scenario_parse(ctx, text, "t.ini", "/", &sc), GP_OK);
    CU_ASSERT_EQUAL(gp_load(ctx, gp_scenario_config(sc), &ds), GP_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), "'x0' is not a number"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), wp));
    gp_dataset_free(ctx, &ds);
    gp_scenario_destroy(sc);
    gp_ctx_destroy(ctx);
    unlink(up);
    unlink(wp);
}

void register_load_suite(void)
{
    static const cu_case cases[] = {
        {"counts", test_counts}, {"crs", test_crs}, {"repair", test_repair}, {"csv", test_csv},
        {"weights layer", test_weights_layer}, {NULL, NULL}};
    cu_add_suite("load", cases);
}
