/*
 * The worker roster ([input] workers, io/roster.c): the bytes are a roster
 * CSV, opened as the load stage opens it (gp_src_open: GDAL's CSV driver
 * with the lon/lat columns as points in workers.crs) and read with
 * gp_load_roster into a dataset that holds what the roster refers to, the
 * demo's ten communities and the grids of its plan in force.
 *
 * Only the roster is read per input: the units, communities and plan in
 * force the load stage reads first are fixed, so they are built in memory
 * rather than read from files, and the transformation from workers.crs to
 * the working CRS, the same for every input, is made once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "io/io.h"

/* The demo's communities (datasets/demo/communities.gpkg, field code);
 * each has grids -G01 to -G06 in the plan in force, as many as the demo
 * has at most. */
static const char *const COMMS[] = {"231002001001", "231002001002", "231002001003", "231002001004", "231002001005",
                                    "231002002001", "231002002002", "231002002003", "231002002004", "231002002005"};
enum { N_COMMS = sizeof COMMS / sizeof COMMS[0], GRIDS_PER_COMM = 6 };

/* Two scenarios: the demo's roster has no lock column, and a lock field
 * named in the scenario must be there, so the one with workers.lock is
 * used only when the header names a lock column. */
static gp_scenario *sc_plain, *sc_lock;
static char roster_path[512];
static gp_proj *pj;  /* workers.crs to the working CRS, made on first use */

static gp_scenario *scenario(gp_ctx *ctx, bool lock)
{
    char text[2048];
    snprintf(text, sizeof text,
             "[input]\n"
             "units = units.gpkg\n"
             "units.households = hh\n"
             "communities = communities.gpkg\n"
             "communities.id = code\n"
             "existing_plan = existing_plan.gpkg\n"
             "existing_plan.id = grid_id\n"
             "workers = %s\n"
             "workers.crs = EPSG:4490\n"
             "%s"
             "crs = EPSG:32652\n"
             "[workers]\n"
             "allocate = yes\n",
             roster_path, lock ? "workers.lock = lock\n" : "");
    gp_scenario *sc;
    if (gp_scenario_parse(ctx, text, "roster.ini", gp_fuzz_dir(), &sc) != GP_OK)
        abort(); /* the harness's own scenario: a mistake here is the harness's */
    return sc;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gp_ctx *ctx = gp_fuzz_ctx();
    if (!gp_fuzz_path(roster_path, sizeof roster_path, "workers.csv"))
        abort();
    sc_plain = scenario(ctx, false);
    sc_lock = scenario(ctx, true);
    return 0;
}

/* What the load stage has made when it comes to the roster. */
static bool dataset_init(gp_dataset *ds)
{
    memset(ds, 0, sizeof *ds);
    snprintf(ds->crs, sizeof ds->crs, "EPSG:32652");
    ds->comms = calloc(N_COMMS, sizeof *ds->comms);
    ds->existing = calloc(N_COMMS * GRIDS_PER_COMM, sizeof *ds->existing);
    if (!ds->comms || !ds->existing)
        return false;
    for (int c = 0; c < N_COMMS; c++) {
        ds->comms[ds->n_comms].id = strdup(COMMS[c]);
        ds->comms[ds->n_comms].name = strdup("");
        ds->n_comms++;
        for (int g = 1; g <= GRIDS_PER_COMM; g++) {
            char id[32];
            snprintf(id, sizeof id, "%s-G%02d", COMMS[c], g);
            ds->existing[ds->n_existing++].id = strdup(id);
        }
    }
    ds->has_existing = true;
    return true;
}

/* Whether the first line names a lock column (GDAL matches field names in
 * any case). */
static bool header_has_lock(const uint8_t *data, size_t size)
{
    size_t n = 0;
    while (n < size && data[n] != '\n')
        n++;
    for (size_t i = 0; i + 4 <= n; i++)
        if (strncasecmp((const char *)data + i, "lock", 4) == 0)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gp_ctx *ctx = gp_fuzz_ctx();
    if (!gp_fuzz_write(roster_path, data, size))
        return 0;
    const gp_config *cfg = gp_scenario_config(header_has_lock(data, size) ? sc_lock : sc_plain);
    gp_dataset ds;
    if (!dataset_init(&ds)) {
        gp_dataset_free(ctx, &ds);
        return 0;
    }
    /* as gp_load reads [input] workers */
    gp_src s;
    if (gp_src_open(ctx, cfg, &cfg->input.workers, &s) == GP_OK) {
        if (s.srs_def && !pj && gp_proj_create(ctx, s.srs_def, ds.crs, s.path, &pj) != GP_OK)
            abort(); /* EPSG:4490 to EPSG:32652 is always there */
        gp_src_info(&s, &ds.in_workers);
        gp_load_roster(ctx, cfg, &ds, s.srs_def ? pj : NULL, &s);
    }
    gp_src_close(&s);
    gp_dataset_free(ctx, &ds);
    return 0;
}
