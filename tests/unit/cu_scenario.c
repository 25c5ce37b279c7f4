/* Scenario files: every error names the file, the line and the key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_tester.h"
#include "config/config.h"

#define LONG "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789" \
             "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
#define BASE "[input]\nunits = u.gpkg\nunits.households = hh\n"

static void test_errors(void)
{
    static const struct { const char *text; gp_status st; const char *frag[3]; } T[] = {
        {BASE "[grid]\nhousholds = 300..500\n", GP_ERR_SCENARIO, {"t.ini:5:", "unknown key 'housholds'", "[grid]"}},
        {BASE "[gird]\nhouseholds = 300..500\n", GP_ERR_SCENARIO, {"t.ini:5:", "unknown section [gird]", NULL}},
        {BASE "[grid]\nhouseholds = 500..300\n", GP_ERR_SCENARIO, {"t.ini:5:", "households = 500..300", "MIN <= MAX"}},
        {BASE "[grid]\nhouseholds = 300\n", GP_ERR_SCENARIO, {"t.ini:5:", "not a range", NULL}},
        {BASE "[grid]\nhouseholds = -5..10\n", GP_ERR_SCENARIO, {"t.ini:5:", "negative", NULL}},
        {BASE "[grid]\ncount = 0\n", GP_ERR_SCENARIO, {"t.ini:5:", "at least 1", NULL}},
        {BASE "[grid]\ncount = 2..x\n", GP_ERR_SCENARIO, {"t.ini:5:", "not a grid count", NULL}},
        {BASE "[solver]\ntime_limit = fast\n", GP_ERR_SCENARIO, {"t.ini:5:", "time_limit = fast", "not a number"}},
        {BASE "[solver]\ngap = 2\n", GP_ERR_SCENARIO, {"t.ini:5:", "out of range", NULL}},
        {BASE "[solver]\neffort = 0\n", GP_ERR_SCENARIO, {"t.ini:5:", "effort = 0", "out of range"}},
        {BASE "[solver]\nthreads = 1.5\n", GP_ERR_SCENARIO, {"t.ini:5:", "not a whole number", NULL}},
        {BASE "[atoms]\nmode = blocks\n", GP_ERR_SCENARIO, {"t.ini:5:", "not one of units|cells", NULL}},
        {BASE "[atoms]\nmode = cells\n", GP_ERR_SCENARIO, {"t.ini:5:", "needs size = METRES", NULL}},
        {BASE "[atoms]\nmode = cells\nsize = 0\n", GP_ERR_SCENARIO, {"t.ini:6:", "out of range", NULL}},
        {BASE "weights = w.gpkg\n", GP_ERR_SCENARIO, {"weights needs weights.field", NULL, NULL}},
        {BASE "[output]\nformats = gpkg, kml\n", GP_ERR_SCENARIO, {"t.ini:5:", "unknown format 'kml'", NULL}},
        {BASE "units = v.gpkg\n", GP_ERR_SCENARIO, {"t.ini:4:", "set twice", "first on line 2"}},
        {BASE "this is not ini\n", GP_ERR_SCENARIO, {"t.ini:4:", "syntax error", NULL}},
        {"units = u.gpkg\n", GP_ERR_SCENARIO, {"t.ini:1:", "outside any section", NULL}},
        {"[input]\nunits.households = hh\n", GP_ERR_SCENARIO, {"t.ini", "[input] units is missing", NULL}},
        {"[input]\nunits = u.gpkg\n", GP_ERR_SCENARIO, {"units.households or units.population", NULL, NULL}},
        {BASE "[grid]\npopulation = ..2500\n", GP_ERR_SCENARIO, {"t.ini:5:", "units.population is not set", NULL}},
        {BASE "units.id =\n", GP_ERR_SCENARIO, {"t.ini:4:", "empty value", NULL}},
        {BASE "[case_weights]\ndispute = 3\n", GP_ERR_SCENARIO, {"cases.type", NULL, NULL}},
        {BASE "  units.id = x\n", GP_ERR_SCENARIO, {"t.ini:4:", "starts with spaces", NULL}},
        {BASE "; " LONG "\n[grid]\n", GP_ERR_SCENARIO, {"t.ini:4:", "longer than 190", NULL}},
        {BASE "[grid]\ncount = 1..1000000\n", GP_ERR_SCENARIO, {"t.ini:5:", "not a grid count", NULL}},
        {BASE "[case_weights]\ntheft = often\n", GP_ERR_SCENARIO, {"t.ini:5:", "theft = often", "not a number"}},
        {BASE "[grid]\ncount = workers\n", GP_ERR_SCENARIO, {"t.ini:5:", "count = workers needs a roster", NULL}},
        {BASE "[workers]\nallocate = yes\n", GP_ERR_SCENARIO, {"t.ini:5:", "[input] workers is not", NULL}},
        {BASE "workers = w.csv\n[workers]\nallocate = maybe\n", GP_ERR_SCENARIO, {"t.ini:6:", "not one of yes|no",
                                                                             NULL}},
        {BASE "workers = w.csv\n[workers]\nper_grid = 0..2\n", GP_ERR_SCENARIO, {"t.ini:6:", "per_grid = 0..2",
                                                                             "at least 1"}},
        {BASE "workers = w.csv\n[workers]\ngrids_per_worker = 0\n", GP_ERR_SCENARIO, {"t.ini:6:", "out of range",
                                                                                NULL}},
        {BASE "workers = w.csv\n[workers]\ncapacity = 0\n", GP_ERR_SCENARIO, {"t.ini:6:", "out of range", NULL}},
    };
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        gp_scenario *sc = (gp_scenario *)1;
        gp_status st = gp_scenario_parse(ctx, T[i].text, "t.ini", "/data", &sc);
        CU_ASSERT_EQUAL(st, T[i].st);
        CU_ASSERT_PTR_NULL(sc);
        for (int k = 0; k < 3 && T[i].frag[k]; k++) {
            bool hit = strstr(gp_ctx_errmsg(ctx), T[i].frag[k]) != NULL;
            if (!hit)
                fprintf(stderr, "\ncase %zu: message '%s' lacks '%s'\n", i, gp_ctx_errmsg(ctx), T[i].frag[k]);
            CU_ASSERT(hit);
        }
    }
    gp_ctx_destroy(ctx);
}

static void test_valid(void)
{
    const char *text = "; a comment\n# another\n[input]\nunits = in/u.gpkg ; inline comment\n"
                       "units.households = hh\nunits.population = pop\ncommunities = /abs/c.gpkg\n"
                       "cases = c.gpkg\ncases.type = kind\n"
                       "[grid]\nhouseholds = 300..500\npopulation = ..2500\ncount = 3..6\n"
                       "[case_weights]\ndefault = 0.5\ndispute = 3\n[output]\ndir = out/x\n";
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_scenario *sc = NULL;
    CU_ASSERT_EQUAL_FATAL(gp_scenario_parse(ctx, text, "t.ini", "/data/s", &sc), GP_OK);
    CU_ASSERT_STRING_EQUAL(gp_scenario_get(sc, "input", "units"), "/data/s/in/u.gpkg");
    CU_ASSERT_STRING_EQUAL(gp_scenario_get(sc, "input", "communities"), "/abs/c.gpkg");
    CU_ASSERT_STRING_EQUAL(gp_scenario_get(sc, "grid", "households"), "300..500");
    CU_ASSERT_STRING_EQUAL(gp_scenario_output_dir(sc), "/data/s/out/x");
    CU_ASSERT_PTR_NULL(gp_scenario_get(sc, "input", "existing_plan"));
    const gp_config *cfg = gp_scenario_config(sc);
    CU_ASSERT(cfg->grid.population.set && cfg->grid.population.hi == 2500 && cfg->grid.population.lo < 0);
    CU_ASSERT(cfg->grid.count == GP_COUNT_RANGE && cfg->grid.count_min == 3 && cfg->grid.count_max == 6);
    /* [case_weights]: the types in file order, "default" for the others */
    CU_ASSERT_EQUAL_FATAL(cfg->case_weights.n, 1);
    CU_ASSERT_STRING_EQUAL(cfg->case_weights.type[0], "dispute");
    CU_ASSERT_DOUBLE_EQUAL(cfg->case_weights.weight[0], 3, 0);
    CU_ASSERT_DOUBLE_EQUAL(cfg->case_weights.fallback, 0.5, 0);
    /* a command-line override resolves against the current directory */
    CU_ASSERT_EQUAL(gp_scenario_set(ctx, sc, "output", "dir", "elsewhere"), GP_OK);
    CU_ASSERT_STRING_EQUAL(gp_scenario_output_dir(sc), "elsewhere");
    CU_ASSERT_EQUAL(gp_scenario_set(ctx, sc, "grid", "households", "9..1"), GP_ERR_SCENARIO);
    CU_ASSERT_EQUAL(gp_scenario_set(ctx, sc, "output", "bogus", "1"), GP_ERR_SCENARIO);
    gp_scenario_destroy(sc);
    /* a roster with its section: count = workers, exactly one per grid */
    CU_ASSERT_EQUAL_FATAL(gp_scenario_parse(ctx, BASE "workers = w.csv\nworkers.lock = stay\n[grid]\ncount = workers\n"
                                            "[workers]\nallocate = yes\nper_grid = 1\ncommunity_fte = 2..\n",
                                            "t.ini", "/d", &sc), GP_OK);
    CU_ASSERT_STRING_EQUAL(gp_scenario_get(sc, "input", "workers"), "/d/w.csv");
    cfg = gp_scenario_config(sc);
    CU_ASSERT(cfg->workers.community_fte.lo == 2 && cfg->workers.community_fte.hi > 1e300);
    CU_ASSERT(cfg->workers.per_grid_lo == 1 && cfg->workers.per_grid_hi == 1 && cfg->workers.allocate);
    gp_scenario_destroy(sc);
    /* default output folder: out/ beside the scenario */
    CU_ASSERT_EQUAL_FATAL(gp_scenario_parse(ctx, BASE, "t.ini", "/d", &sc), GP_OK);
    CU_ASSERT_STRING_EQUAL(gp_scenario_output_dir(sc), "/d/out");
    gp_scenario_destroy(sc);
    gp_ctx_destroy(ctx);
}

static void test_files(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_scenario *sc = NULL;
    CU_ASSERT_EQUAL(gp_scenario_load(ctx, "/nonexistent/s.ini", &sc), GP_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), "/nonexistent/s.ini"));
    char path[4200];
    snprintf(path, sizeof path, "%s/datasets/demo/scenario.ini", cu_source_dir());
    CU_ASSERT_EQUAL_FATAL(gp_scenario_load(ctx, path, &sc), GP_OK);
    const char *units = gp_scenario_get(sc, "input", "units");
    CU_ASSERT_PTR_NOT_NULL(strstr(units, "datasets/demo/units.gpkg"));
    gp_scenario_destroy(sc);
    /* binary junk is refused, not parsed */
    char tmp[] = "/tmp/gp_scn_XXXXXX";
    int fd = mkstemp(tmp);
    CU_ASSERT_FATAL(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    fwrite("[input]\0\x01\x02", 1, 10, f);
    fclose(f);
    CU_ASSERT_EQUAL(gp_scenario_load(ctx, tmp, &sc), GP_ERR_SCENARIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), "not a text file"));
    remove(tmp);
    gp_ctx_destroy(ctx);
}

void register_scenario_suite(void)
{
    static const cu_case cases[] = {
        {"errors name file, line, key", test_errors}, {"valid file", test_valid}, {"files", test_files}, {NULL, NULL}};
    cu_add_suite("scenario", cases);
}
