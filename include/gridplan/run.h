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
    int communities_infeasible; /* communities whose bounds were not met: proven
                                   infeasible, or no plan found (below) */
    int grids;
    int cases;              /* case points read */
    int cases_unmatched;    /* case points outside every atom */
    double households;      /* totals over atoms */
    double population;
    double grid_households_min; /* over grids of feasible communities */
    double grid_households_max;
    double grid_population_min; /* over grids of feasible communities */
    double grid_population_max;
    double existing_households_min; /* over the existing plan's grids, */
    double existing_households_max; /* or -1 when there is none */
    double households_moved; /* vs the existing plan, or -1 */
    int workers;            /* workers in the roster (0: none given) */
    int workers_changed;    /* whose community or grids changed */
    int workers_transfers;  /* moved to another community by the allocation */
    int grids_unstaffed;    /* grids left without a worker */
    int workers_over_capacity;
    double workload_per_fte_ratio_before; /* max/min over workers with work, */
    double workload_per_fte_ratio_after;  /* or -1 when unknown */
    double elapsed_s;
    int communities_not_found; /* of communities_infeasible: no plan found within
                                  the work budget, none proven impossible */
    /* an update ([input] previous): communities whose grids were kept as
     * they were, solved again from them, or drawn anew; all -1 otherwise */
    int update_kept, update_rebalanced, update_redrawn;
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

/* Nonzero when this gridplan was built with Open MPI (gp_ctx_use_mpi works). */
int gp_mpi_available(void);
/* Spreads the calls of gp_run on ctx over the processes of MPI_COMM_WORLD:
 * every process calls gp_run with the same scenario; each loads the data
 * and solves its share of the communities (by estimated work, largest
 * first to the process with least), and process 0 gathers the plans and
 * writes the output, which is the one a single process writes (the same
 * plan digest). The other processes write nothing and return GP_OK (their
 * summary's output_dir is empty). The caller initialises MPI with at least
 * MPI_THREAD_FUNNELED before, and finalises it after. on = 0 goes back
 * to one process. GP_ERR_ARG when gridplan was built without MPI or MPI is
 * not initialised. */
gp_status gp_ctx_use_mpi(gp_ctx *ctx, int on);

/* Loads the inputs of a scenario and checks them (fields, CRS, geometry)
 * without partitioning or writing anything. summary may be NULL. */
gp_status gp_validate(gp_ctx *ctx, const gp_scenario *sc, gp_run_summary *summary);

/* Builds the atoms of a scenario (units, or cells clipped to communities
 * with apportioned counts and cases) and writes them to the GeoPackage
 * out_path (layer "atoms"), without partitioning. The file is written
 * under a temporary name and renamed. summary may be NULL. */
gp_status gp_tessellate(gp_ctx *ctx, const gp_scenario *sc, const char *out_path, gp_run_summary *summary);

/* Area-weighted, mass-preserving interpolation of counts from source
 * polygons to target polygons (see docs/design.md). */
typedef struct gp_interpolate_opts {
    const char *source, *source_layer, *source_crs; /* layer/crs may be NULL */
    const char *target, *target_layer, *target_crs;
    const char *const *fields;   /* numeric fields of the source */
    int n_fields;
    const char *weights, *weights_layer, *weights_field; /* optional dasymetric layer */
    const char *crs;             /* working CRS, NULL or "auto": UTM of the targets */
    const char *out;             /* GeoPackage to write: the targets with the fields */
} gp_interpolate_opts;

typedef struct gp_interpolate_summary {
    int sources, targets;
    int sources_outside;         /* sources overlapping no target: to the nearest */
    double sum_in[16], sum_out[16]; /* per field (first 16) */
    double max_relative_error;   /* over fields, |in - out| / |in| */
    double elapsed_s;
} gp_interpolate_summary;

/* Writes opts->out: every target feature with its own fields and
 * geometry, plus each interpolated field. Errors name the file and field.
 * summary may be NULL. */
gp_status gp_interpolate(gp_ctx *ctx, const gp_interpolate_opts *opts, gp_interpolate_summary *summary);

/* One output folder in a comparison (gp_compare). Figures that cannot be
 * known are -1. */
typedef struct gp_compare_row {
    char dir[4096];
    char scenario[1024];             /* as recorded in its report.json */
    int grids, communities, communities_infeasible;
    double workload_min, workload_max, workload_ratio, workload_cv; /* over its grids */
    double polsby_popper_mean;
    double households_moved_vs_first;    /* vs the first folder (grids matched one to one by shared
                                          * households, as a run matches its plan in force) */
    double households_moved_vs_existing; /* vs its plan in force */
    int workers;                         /* rows of its roster, 0 without one */
    int workers_changed_vs_first;        /* workers keeping less than half of their households */
    double workload_per_fte_ratio;       /* max/min over workers */
    double max_gap;                      /* largest known gap over communities */
    double elapsed_s;
} gp_compare_row;

/* Compares 2 to 26 output folders of gridplan run (GP_ERR_ARG otherwise), reading their report.json,
 * layers and assignments.csv; rows receives n entries, the first being the
 * reference for "vs first". With html_path, also writes an HTML page: the
 * table and, for every other folder, a map of the atoms whose grid differs
 * from the first. Errors: GP_ERR_INPUT naming the folder and file that
 * cannot be read, GP_ERR_OUTPUT for the page. */
gp_status gp_compare(gp_ctx *ctx, const char *const *dirs, int n, const char *html_path, gp_compare_row *rows);

#ifdef __cplusplus
}
#endif

#endif
