/* Real public data (../shared/datasets): San Francisco, New York City and
 * Minnesota through load, project, atomize, cases and adjacency. Checks
 * exact mass preservation, every case accounted for, and connected
 * community graphs. Skipped, with the reason, when the data is absent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_tester.h"
#include "internal.h"

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
    if (!(st = gp_load(ctx, sc, ds)) && !(st = gp_atomize(ctx, sc, ds)) && !(st = gp_cases_attach(ctx, sc, ds)))
        st = gp_graph_build(ctx, sc, ds);
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

void register_realdata_suite(void)
{
    shared = cu_shared_dir();
    if (!shared) {
        printf("realdata: skipped: ../shared/datasets is not beside this checkout (set GP_SHARED_DIR to the "
               "folder holding datasets/ to run the San Francisco, New York and Minnesota tests)\n");
        return;
    }
    static const cu_case cases[] = {
        {"San Francisco", test_sf}, {"New York City", test_nyc}, {"Minnesota", test_minnesota}, {NULL, NULL}};
    cu_add_suite("realdata", cases);
}
