/* Real public data (../shared/datasets): San Francisco, New York City and
 * Minnesota through load, project, atomize, cases and adjacency. Checks
 * exact mass preservation, every case accounted for, and connected
 * community graphs. Skipped, with the reason, when the data is absent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <ogr_api.h>

#include "cu_tester.h"
#include "io/io.h"
#include "plan/plan.h"

static const char *shared;

/* Runs the spatial stages for a scenario text with %s = shared dir. */
static gp_status prepare(gp_ctx *ctx, const char *fmt, gp_dataset *ds, gp_scenario **out)
{
    char text[4096];
    snprintf(text, sizeof text, fmt, shared, shared, shared);
    gp_scenario *sc = NULL;
    gp_status st = gp_scenario_parse(ctx, text, "realdata.ini", "/", &sc);
    CU_ASSERT_EQUAL_FATAL(st, GP_OK);
    memset(ds, 0, sizeof *ds);
    if (!(st = gp_load(ctx, gp_scenario_config(sc), ds)) && !(st = gp_atomize(ctx, gp_scenario_config(sc), ds)) && !(st = gp_cases_attach(ctx, gp_scenario_config(sc), ds)))
        st = gp_graph_build(ctx, gp_scenario_config(sc), ds);
    if (st)
        fprintf(stderr, "\n%s\n", gp_ctx_errmsg(ctx));
    *out = sc;
    return st;
}

static double rel(double a, double b) { return fabs(a - b) / fmax(1.0, fabs(b)); }

/* Every community's atoms form one connected graph. */
static int disconnected_communities(const gp_dataset *ds)
{
    int bad = 0;
    int *seen = calloc((size_t)ds->n_atoms + 1, sizeof *seen);
    int *q = malloc(((size_t)ds->n_atoms + 1) * sizeof *q);
    for (int c = 0; c < ds->n_comms; c++) {
        const gp_community *cm = &ds->comms[c];
        if (cm->n_atoms == 0)
            continue;
        int head = 0, tail = 0, cnt = 1;
        q[tail++] = cm->first_atom;
        seen[cm->first_atom] = c + 1;
        while (head < tail) {
            int u = q[head++];
            for (int e = ds->xadj[u]; e < ds->xadj[u + 1]; e++) {
                int v = ds->adj[e];
                CU_ASSERT(ds->atoms[v].community == c); /* edges stay inside */
                if (seen[v] != c + 1) {
                    seen[v] = c + 1;
                    q[tail++] = v;
                    cnt++;
                }
            }
        }
        bad += cnt != cm->n_atoms;
    }
    free(seen);
    free(q);
    return bad;
}

static void sums(const gp_dataset *ds, double *hh, double *pop, double *cases)
{
    *hh = *pop = *cases = 0;
    for (int i = 0; i < ds->n_atoms; i++) {
        *hh += ds->atoms[i].v[GP_A_HH];
        *pop += ds->atoms[i].v[GP_A_POP];
        *cases += ds->atoms[i].v[GP_A_CASES];
    }
}

static void test_sf(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_dataset ds;
    gp_scenario *sc;
    const char *fmt = "[input]\nunits = %s/datasets/sf/SFCrime_blocks.shp\nunits.id = GEO_id2\n"
                      "units.population = Population\n"
                      "communities = %s/datasets/sf/neighborhoods.geojson\ncommunities.id = nhood\n"
                      "cases = %s/datasets/sf/incidents_2012h2.gpkg\ncases.type = Category\n";
    CU_ASSERT_EQUAL_FATAL(prepare(ctx, fmt, &ds, &sc), GP_OK);
    CU_ASSERT_EQUAL(ds.n_units, 579);
    CU_ASSERT_EQUAL(ds.n_comms, 41);
    CU_ASSERT_STRING_EQUAL(ds.crs, "EPSG:32610");
    double hh, pop, cases;
    sums(&ds, &hh, &pop, &cases);
    CU_ASSERT(rel(pop, 805235) <= 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(ds.in_units.sum_pop, 805235, 0);
    /* every case is in an atom or counted as outside */
    CU_ASSERT_EQUAL(ds.n_cases, 13472);
    CU_ASSERT_DOUBLE_EQUAL(cases + ds.n_cases_unmatched, 13472, 0);
    /* only the incidents outside every block group stay out of the plan */
    CU_ASSERT_EQUAL(ds.n_cases_unmatched, 18);
    CU_ASSERT(ds.n_atoms >= 579);
    CU_ASSERT_EQUAL(disconnected_communities(&ds), 0);
    printf("\n    SF: %d atoms, %d cases outside, %d units outside, %.0f population moved, %d bridges, %d repaired\n",
           ds.n_atoms, ds.n_cases_unmatched, ds.n_units_moved, ds.pop_moved, ds.n_bridges, ds.n_repaired);
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &ds);
    gp_ctx_destroy(ctx);
}

static void test_nyc(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_dataset ds;
    gp_scenario *sc;
    const char *fmt = "[input]\nunits = %s/datasets/nyc/NYC_Tract_ACS2008_12.shp\nunits.households = households\n"
                      "units.population = poptot\n"
                      "communities = %s/datasets/nyc/NYC_Nhood_ACS2008_12.shp\ncommunities.id = ntacode\n"
                      "cases = %s/datasets/nyc/nyc311_sample_2020.geojson\ncases.type = complaint_type\n";
    CU_ASSERT_EQUAL_FATAL(prepare(ctx, fmt, &ds, &sc), GP_OK);
    CU_ASSERT_EQUAL(ds.n_units, 2166);
    CU_ASSERT_EQUAL(ds.n_comms, 195);
    double hh, pop, cases;
    sums(&ds, &hh, &pop, &cases);
    CU_ASSERT(rel(hh, 3063393) <= 1e-9);
    CU_ASSERT(rel(pop, 8199221) <= 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(cases + ds.n_cases_unmatched, ds.n_cases, 0);
    CU_ASSERT_EQUAL(disconnected_communities(&ds), 0);
    printf("\n    NYC: %d atoms, %d units outside, %d bridges, %d repaired\n", ds.n_atoms, ds.n_units_moved,
           ds.n_bridges, ds.n_repaired);
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &ds);
    gp_ctx_destroy(ctx);
}

static void test_minnesota(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_dataset ds;
    gp_scenario *sc;
    /* no communities layer: one community covering every unit */
    const char *fmt = "[input]\nunits = %s/datasets/minnesota/mn_16_min.gpkg\nunits.id = VTD\n"
                      "units.population = TOTPOP\n";
    CU_ASSERT_EQUAL_FATAL(prepare(ctx, fmt, &ds, &sc), GP_OK);
    CU_ASSERT_EQUAL(ds.n_units, 4120);
    CU_ASSERT_EQUAL(ds.n_comms, 1);
    CU_ASSERT_EQUAL(ds.n_atoms, 4120);
    double hh, pop, cases;
    sums(&ds, &hh, &pop, &cases);
    CU_ASSERT(rel(pop, ds.in_units.sum_pop) <= 1e-9);
    CU_ASSERT(rel(pop, 5301294) <= 1e-6); /* fractional counts, published total */
    CU_ASSERT_EQUAL(disconnected_communities(&ds), 0);
    printf("\n    MN: %d atoms, %d edges, %d bridges, %d repaired\n", ds.n_atoms, ds.xadj[ds.n_atoms] / 2,
           ds.n_bridges, ds.n_repaired);
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &ds);
    gp_ctx_destroy(ctx);
}

/* The whole city as one community: block groups from a different source
 * than a clean coverage, joined by the snapping tolerance alone (no island
 * needs a bridge), and the graph is connected. */
static void test_sf_city(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_dataset ds;
    gp_scenario *sc;
    const char *fmt = "[input]\nunits = %s/datasets/sf/SFCrime_blocks.shp\nunits.id = GEO_id2\n"
                      "units.population = Population\n[atoms]\nsnap = 1\n";
    CU_ASSERT_EQUAL_FATAL(prepare(ctx, fmt, &ds, &sc), GP_OK);
    CU_ASSERT_EQUAL(ds.n_comms, 1);
    CU_ASSERT_EQUAL(ds.n_atoms, 579);
    CU_ASSERT_EQUAL(ds.n_bridges, 0);
    CU_ASSERT_EQUAL(disconnected_communities(&ds), 0);
    /* every block group has a neighbour: none is isolated */
    int isolated = 0;
    for (int i = 0; i < ds.n_atoms; i++)
        isolated += ds.xadj[i + 1] == ds.xadj[i];
    CU_ASSERT_EQUAL(isolated, 0);
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &ds);
    gp_ctx_destroy(ctx);
}

static void test_sf_cells(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_dataset ds;
    gp_scenario *sc;
    const char *fmt = "[input]\nunits = %s/datasets/sf/SFCrime_blocks.shp\nunits.id = GEO_id2\n"
                      "units.population = Population\n"
                      "communities = %s/datasets/sf/neighborhoods.geojson\ncommunities.id = nhood\n"
                      "cases = %s/datasets/sf/incidents_2012h2.gpkg\ncases.type = Category\n"
                      "[atoms]\nmode = cells\nshape = hex\nsize = 150\n";
    CU_ASSERT_EQUAL_FATAL(prepare(ctx, fmt, &ds, &sc), GP_OK);
    double hh, pop, cases;
    sums(&ds, &hh, &pop, &cases);
    CU_ASSERT(rel(pop, 805235) <= 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(cases + ds.n_cases_unmatched, 13472, 0);
    CU_ASSERT(ds.n_atoms > 6500 && ds.n_atoms < 8500);
    CU_ASSERT_EQUAL(disconnected_communities(&ds), 0);
    /* the cells of each neighbourhood cover it: areas add up */
    double worst = 0;
    for (int c = 0; c < ds.n_comms; c++) {
        double ca, sum = 0;
        GEOSArea_r(ctx->geos, ds.comms[c].geom, &ca);
        for (int i = ds.comms[c].first_atom; i < ds.comms[c].first_atom + ds.comms[c].n_atoms; i++)
            sum += ds.atoms[i].area;
        worst = fmax(worst, fabs(sum - ca) / ca);
    }
    CU_ASSERT(worst < 1e-6);
    printf("\n    SF 150 m hexagons: %d atoms, %d edges, %d bridges, %d cases outside, coverage error %.1e\n",
           ds.n_atoms, ds.xadj[ds.n_atoms] / 2, ds.n_bridges, ds.n_cases_unmatched, worst);
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &ds);
    gp_ctx_destroy(ctx);
}

static void test_nyc_cells(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_dataset ds;
    gp_scenario *sc;
    const char *fmt = "[input]\nunits = %s/datasets/nyc/NYC_Tract_ACS2008_12.shp\nunits.households = households\n"
                      "units.population = poptot\n"
                      "communities = %s/datasets/nyc/NYC_Nhood_ACS2008_12.shp\ncommunities.id = ntacode\n"
                      "cases = %s/datasets/nyc/nyc311_sample_2020.geojson\n"
                      "[atoms]\nmode = cells\nshape = square\nsize = 400\n";
    CU_ASSERT_EQUAL_FATAL(prepare(ctx, fmt, &ds, &sc), GP_OK);
    double hh, pop, cases;
    sums(&ds, &hh, &pop, &cases);
    CU_ASSERT(rel(hh, 3063393) <= 1e-9);
    CU_ASSERT(rel(pop, 8199221) <= 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(cases + ds.n_cases_unmatched, ds.n_cases, 0);
    CU_ASSERT_EQUAL(disconnected_communities(&ds), 0);
    printf("\n    NYC 400 m squares: %d atoms, %d bridges, %d units outside\n", ds.n_atoms, ds.n_bridges,
           ds.n_units_moved);
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &ds);
    gp_ctx_destroy(ctx);
}

/* Communities in US survey feet (EPSG:2227): the same atoms as from
 * lon/lat, because everything is projected to the same metric CRS. */
static void test_sf_feet(void)
{
    char dir[] = "/tmp/gp_feet_XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    char src[4200], dst[4200];
    snprintf(src, sizeof src, "%s/datasets/sf/neighborhoods.geojson", shared);
    snprintf(dst, sizeof dst, "%s/nhood_2227.gpkg", dir);
    GDALAllRegister();
    GDALDatasetH in = GDALOpenEx(src, GDAL_OF_VECTOR, NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    char *argv[] = {"-t_srs", "EPSG:2227", "-f", "GPKG", NULL};
    GDALVectorTranslateOptions *o = GDALVectorTranslateOptionsNew(argv, NULL);
    GDALDatasetH out = GDALVectorTranslate(dst, NULL, 1, &in, o, NULL);
    GDALVectorTranslateOptionsFree(o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    GDALClose(out);
    GDALClose(in);

    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    char text[9000];
    snprintf(text, sizeof text, "[input]\nunits = %s/datasets/sf/SFCrime_blocks.shp\nunits.population = Population\n"
             "communities = %s\ncommunities.id = nhood\n[atoms]\nmode = cells\nsize = 200\n", shared, dst);
    gp_scenario *sc = NULL;
    CU_ASSERT_EQUAL_FATAL(gp_scenario_parse(ctx, text, "feet.ini", "/", &sc), GP_OK);
    gp_dataset a = {0}, b = {0};
    CU_ASSERT_EQUAL_FATAL(gp_load(ctx, gp_scenario_config(sc), &a), GP_OK);
    CU_ASSERT_EQUAL_FATAL(gp_atomize(ctx, gp_scenario_config(sc), &a), GP_OK);
    CU_ASSERT_STRING_EQUAL(a.in_comms.crs, "EPSG:2227");
    gp_scenario_destroy(sc);
    snprintf(text, sizeof text, "[input]\nunits = %s/datasets/sf/SFCrime_blocks.shp\nunits.population = Population\n"
             "communities = %s/datasets/sf/neighborhoods.geojson\ncommunities.id = nhood\n[atoms]\nmode = cells\n"
             "size = 200\n", shared, shared);
    CU_ASSERT_EQUAL_FATAL(gp_scenario_parse(ctx, text, "deg.ini", "/", &sc), GP_OK);
    CU_ASSERT_EQUAL_FATAL(gp_load(ctx, gp_scenario_config(sc), &b), GP_OK);
    CU_ASSERT_EQUAL_FATAL(gp_atomize(ctx, gp_scenario_config(sc), &b), GP_OK);
    CU_ASSERT_STRING_EQUAL(a.crs, b.crs);
    CU_ASSERT_EQUAL(a.n_atoms, b.n_atoms);
    double ta = 0, tb = 0, pa = 0, pb = 0;
    for (int i = 0; i < a.n_atoms; i++)
        ta += a.atoms[i].area, pa += a.atoms[i].v[GP_A_POP];
    for (int i = 0; i < b.n_atoms; i++)
        tb += b.atoms[i].area, pb += b.atoms[i].v[GP_A_POP];
    CU_ASSERT(fabs(ta - tb) / tb < 1e-6);
    CU_ASSERT(rel(pa, 805235) <= 1e-9 && rel(pb, 805235) <= 1e-9);
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &a);
    gp_dataset_free(ctx, &b);
    gp_ctx_destroy(ctx);
    remove(dst);
    rmdir(dir);
}

/* interpolate: SF block groups to tracts, totals kept exactly, and the
 * output readable with the target's own fields. */
static void test_interpolate(void)
{
    char dir[] = "/tmp/gp_interp_XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    char src[4200], tgt[4200], out[4200];
    snprintf(src, sizeof src, "%s/datasets/sf/SFCrime_blocks.shp", shared);
    snprintf(tgt, sizeof tgt, "%s/datasets/sf/tracts_2010.geojson", shared);
    snprintf(out, sizeof out, "%s/tracts.gpkg", dir);
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    const char *fields[] = {"Population"};
    gp_interpolate_opts o = {.source = src, .target = tgt, .fields = fields, .n_fields = 1, .out = out};
    gp_interpolate_summary sm;
    CU_ASSERT_EQUAL_FATAL(gp_interpolate(ctx, &o, &sm), GP_OK);
    CU_ASSERT_EQUAL(sm.sources, 579);
    CU_ASSERT_EQUAL(sm.targets, 195);
    CU_ASSERT(sm.max_relative_error <= 1e-9);
    GDALDatasetH d = GDALOpenEx(out, GDAL_OF_VECTOR, NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    OGRLayerH l = GDALDatasetGetLayer(d, 0);
    CU_ASSERT_EQUAL(OGR_L_GetFeatureCount(l, 1), 195);
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(l);
    int ti = OGR_FD_GetFieldIndex(fd, "tractce10"), pi = OGR_FD_GetFieldIndex(fd, "Population");
    CU_ASSERT(ti >= 0 && pi >= 0);
    double total = 0;
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        total += OGR_F_GetFieldAsDouble(f, pi);
        OGR_F_Destroy(f);
    }
    GDALClose(d);
    CU_ASSERT(rel(total, 805235) <= 1e-9);
    /* a missing field is named */
    const char *bad[] = {"Populaton"};
    o.fields = bad;
    CU_ASSERT_EQUAL(gp_interpolate(ctx, &o, NULL), GP_ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), "no field 'Populaton'"));
    gp_ctx_destroy(ctx);
    remove(out);
    rmdir(dir);
}

void register_realdata_suite(void)
{
    shared = cu_shared_dir();
    if (!shared) {
        printf("realdata: skipped: ../shared/datasets is not beside this checkout (set GP_SHARED_DIR to the "
               "folder holding datasets/ to run the San Francisco, New York and Minnesota tests)\n");
        return;
    }
    static const cu_case cases[] = {
        {"San Francisco", test_sf},           {"New York City", test_nyc},
        {"Minnesota", test_minnesota},        {"San Francisco cells", test_sf_cells},
        {"San Francisco as one community", test_sf_city},
        {"New York City cells", test_nyc_cells}, {"CRS in US feet", test_sf_feet},
        {"interpolate", test_interpolate},    {NULL, NULL}};
    cu_add_suite("realdata", cases);
}
