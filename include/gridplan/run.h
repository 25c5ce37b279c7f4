/*
 * gridplan public API, part 3: running a scenario end to end.
 */
#ifndef GRIDPLAN_RUN_H
#define GRIDPLAN_RUN_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gp_ctx gp_ctx;
typedef struct gp_scenario gp_scenario;

/* What a run did, for a one-screen summary. Plain value; fill by gp_run. */
typedef struct gp_run_summary {
    char output_dir[4096];  /* where the results were written */
    char crs[256];          /* working CRS, e.g. "EPSG:32652" */
    int units;              /* input units read */
    int atoms;
    int communities;
    int communities_infeasible; /* communities whose bounds were not met */
    int grids;
    int cases;              /* case points read */
    int cases_unmatched;    /* case points outside every atom */
    double households;      /* totals over atoms */
    double population;
    double grid_households_min; /* over grids of feasible communities */
    double grid_households_max;
    double existing_households_min; /* over the existing plan's grids, */
    double existing_households_max; /* or -1 when there is none */
    double households_moved; /* vs the existing plan, or -1 */
    double elapsed_s;
} gp_run_summary;

/* Runs the whole pipeline for a scenario: load, project, atomize, attach
 * cases, build adjacency, partition every community into grids, write the
 * output folder. The output folder is written under a temporary name and
 * renamed at the end, so a failed run leaves any previous result
 * untouched.
 *
 * Returns GP_OK when every community got a plan within its bounds, and
 * GP_ERR_INFEASIBLE when some communities could not meet their bounds:
 * the outputs are written all the same (those communities marked
 * "infeasible" in report.json, with the reason). Other errors leave no
 * output. summary may be NULL. */
gp_status gp_run(gp_ctx *ctx, const gp_scenario *sc, gp_run_summary *summary);

/* Loads the inputs of a scenario and checks them (fields, CRS, geometry)
 * without partitioning or writing anything. summary may be NULL. */
gp_status gp_validate(gp_ctx *ctx, const gp_scenario *sc, gp_run_summary *summary);

#ifdef __cplusplus
}
#endif

#endif
