/*
 * Private declarations shared by the stages of libgridplan.
 * Not installed; the CLI must not include it (tests may).
 */
#ifndef GP_INTERNAL_H
#define GP_INTERNAL_H

#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
#include <stdbool.h>
#include <stddef.h>

#include "gridplan/gridplan.h"

/* ---- context (ctx.c) ---------------------------------------------------- */

struct gp_ctx {
    GEOSContextHandle_t geos;
    gp_log_fn log_fn;
    void *log_user;
    gp_log_level log_max;
    char errmsg[2048];
    char geos_msg[512];
};

/* Records the detail of an error and returns status, so that callers can
 * write `return gp_fail(ctx, GP_ERR_INPUT, "...", ...)`. */
gp_status gp_fail(gp_ctx *ctx, gp_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void gp_log(gp_ctx *ctx, gp_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The last message GEOS gave on this context ("" if none). */
const char *gp_geos_lastmsg(gp_ctx *ctx);

/* GLPK guard: GLPK calls abort() on internal errors unless an error hook is
 * set. gp_glpk_hooks_install() sets thread-local hooks that route GLPK's
 * terminal output to the log and turn a GLPK error into a longjmp back to
 * the caller (after freeing all of GLPK's memory with glp_free_env). Use:
 *     jmp_buf jb;
 *     gp_glpk_hooks_install(ctx, &jb);
 *     if (setjmp(jb) != 0) { gp_glpk_hooks_remove(); ...GLPK failed... }
 *     ... glp_* calls ...
 *     gp_glpk_hooks_remove(); */
#include <setjmp.h>
extern _Thread_local jmp_buf *gp_glpk_jmp;
void gp_glpk_hooks_install(gp_ctx *ctx, jmp_buf *jb);
void gp_glpk_hooks_remove(void);

/* ---- small utilities (util.c) ------------------------------------------- */

char *gp_strdup(const char *s);
char *gp_strndup(const char *s, size_t n);
char *gp_path_join(const char *dir, const char *path);   /* malloc'd */
char *gp_path_dirname(const char *path);                 /* malloc'd */
bool gp_path_is_abs(const char *path);
int gp_rmtree(const char *path);                         /* 0 on success */
double gp_now(void);                                     /* monotonic seconds */
/* FNV-1a 64-bit checksum of a file's bytes, as 16 hex digits; false on error. */
bool gp_file_checksum(const char *path, char out[17]);
/* Strict number parse: the whole string (after trimming) must be a finite
 * number. */
bool gp_parse_double(const char *s, double *out);
bool gp_parse_int(const char *s, long *out);
/* Parses "MIN..MAX" where either side may be empty; missing sides are
 * -inf / +inf. */
bool gp_parse_range(const char *s, double *lo, double *hi);

/* Matches the groups of two labellings of the same n items one to one,
 * greedily by shared weight: most shared first, ties by the b label, then
 * the a label; pairs sharing no weight are never matched, items with a
 * label < 0 are left out. match_b[b] (nb entries) is the a label matched to
 * b, or -1. This is how a plan is compared with the plan in force and with
 * another run. False when out of memory. */
bool gp_match_labels(int n, const int *la, const int *lb, const double *w, int na, int nb, int *match_b);

/* Growable arrays of int. */
typedef struct gp_ivec { int *v; int n, cap; } gp_ivec;
bool gp_ivec_push(gp_ivec *a, int x);
void gp_ivec_free(gp_ivec *a);
/* STR-tree query callback: appends the item (an index) to a gp_ivec. */
void gp_ivec_collect(void *item, void *user);
/* Sorts ascending (query results come in tree order: sort for determinism). */
void gp_ivec_sort(gp_ivec *a);

/* The polygonal parts of g (overlay and MakeValid results may add lines or
 * points), as a Polygon or MultiPolygon; NULL when there is none. Takes
 * ownership of g. */
GEOSGeometry *gp_geom_polygonal(gp_ctx *ctx, GEOSGeometry *g);

/* Minimal JSON writer (json.c): streams to a FILE with correct escaping. */
#include <stdio.h>
typedef struct gp_json {
    FILE *f;
    int depth;
    bool first[64];
    bool after_key;
} gp_json;
void gp_json_init(gp_json *j, FILE *f);
void gp_json_obj_begin(gp_json *j);
void gp_json_obj_end(gp_json *j);
void gp_json_arr_begin(gp_json *j);
void gp_json_arr_end(gp_json *j);
void gp_json_key(gp_json *j, const char *key);
void gp_json_str(gp_json *j, const char *s);
void gp_json_num(gp_json *j, double v);
void gp_json_int(gp_json *j, long long v);
void gp_json_bool(gp_json *j, bool v);
void gp_json_null(gp_json *j);

/* ---- scenario (scenario.c) ---------------------------------------------- */

const char *gp_scn_str(const gp_scenario *sc, const char *sec, const char *key,
                       const char *def);
double gp_scn_num(const gp_scenario *sc, const char *sec, const char *key, double def);
/* Range value; returns false when the key is not set. */
bool gp_scn_range(const gp_scenario *sc, const char *sec, const char *key,
                  double *lo, double *hi);
/* Iterates the keys of a section in file order: returns the number of keys
 * and points *keys / *vals at arrays owned by the scenario. */
int gp_scn_section(const gp_scenario *sc, const char *sec, const char ***keys,
                   const char ***vals);
const char *gp_scn_path(const gp_scenario *sc);

/* ---- the data model ----------------------------------------------------- */

/* Attributes carried by atoms and grids. */
enum {
    GP_A_HH = 0,     /* households */
    GP_A_POP = 1,    /* population */
    GP_A_CASES = 2,  /* number of cases */
    GP_A_LOAD = 3,   /* case load: weighted count of cases */
    GP_A_WORK = 4,   /* workload: linear combination from the scenario */
    GP_NATTR = 5
};
extern const char *const gp_attr_names[GP_NATTR];

typedef struct gp_unit {
    char *id;
    char *lock;                  /* grid label the unit is locked to, or NULL */
    bool dedicated;              /* a grid of its own, exempt from the bounds */
    double hh, pop;
    GEOSGeometry *geom;          /* working CRS, valid */
    double area;
    bool repaired;
} gp_unit;

typedef struct gp_community {
    char *id;
    char *name;
    char *code;                  /* [input] communities.code (structured grid codes), or NULL */
    GEOSGeometry *geom;          /* working CRS, valid */
    const GEOSPreparedGeometry *prep;
    int first_atom, n_atoms;     /* atoms are stored grouped by community */
    /* results of partitioning */
    int n_grids;
    int status;                  /* gp_comm_status */
    char reason[512];
    double seconds;
    double objective, bound, gap; /* moment of inertia, its lower bound, gap (NAN: unknown) */
    const char *search;          /* "branch_and_cut", "neighbourhood", "rebalance", NULL: none */
    const char *bound_by;        /* "lp", "lagrangian", NULL: none */
    int lns_solved, lns_improved, lns_timed_out; /* neighbourhood search: sub-models solved,
                                    better plans kept, sub-models out of time */
    double hh_moved;             /* vs the existing plan (NAN: none) */
    /* staffing (workers.c) */
    double work;                 /* workload of its atoms */
    double fte0, fte1;           /* FTE in the roster / after allocation */
    int n_workers;               /* workers after allocation */
    int k_workers;               /* grid count set by count = workers (0: not set) */
    int wstatus;                 /* assignment: gp_comm_status */
    double wobjective, wgap, wseconds;
    char wreason[512];           /* why the assignment misses a rule, with a fix */
} gp_community;

enum gp_comm_status { GP_CS_PENDING = 0, GP_CS_FEASIBLE, GP_CS_INFEASIBLE, GP_CS_OPTIMAL, GP_CS_TIME_LIMIT };
/* "feasible", "optimal" (within [solver] gap of the model's bound),
 * "time_limit" (within bounds, the search for better stopped by the time
 * limit) or "infeasible", as written in report.json and the grids layer. */
const char *gp_comm_status_name(int status);

typedef struct gp_atom {
    char *id;
    int community;
    int unit;
    double v[GP_NATTR];
    GEOSGeometry *geom;
    double area, cx, cy;
    int grid;                    /* index into the plan's grids, -1 none */
    int existing;                /* index into existing grids, -1 none */
    bool cell;                   /* a whole (unclipped) lattice cell */
    long ci, cj;                 /* its lattice position (cells mode) */
} gp_atom;

typedef struct gp_case {
    double x, y;
    int type;                    /* index into the dataset's case types */
    int atom;                    /* -1 when outside every atom */
} gp_case;

typedef struct gp_input_info {
    char *path, *layer;
    int features;
    char checksum[17];
    char *crs;                   /* as found in the file */
    double sum_hh, sum_pop;      /* sums read (units only) */
} gp_input_info;

typedef struct gp_existing_grid {
    char *id;
    GEOSGeometry *geom;
    double hh;                   /* over atoms mapped to it */
} gp_existing_grid;

/* A worker of the roster ([input] workers). */
typedef struct gp_worker {
    char *id, *name;
    char *cur_text;              /* current grids as written in the roster */
    long row;                    /* feature number in the roster (1 = first) */
    int home;                    /* community in the roster, -1 none */
    int comm;                    /* community after allocation, -1 none */
    double fte;                  /* capacity in full-time equivalents */
    bool locked;                 /* stays in its community and keeps its grid */
    bool has_base;
    double bx, by;               /* base location, working CRS */
    int *cur; int n_cur;         /* current grids: indexes into existing grids */
    /* results */
    double load0, load;          /* workload before (existing plan) and after */
    double travel;               /* metres from base to its grids' centres, NAN: no base */
    int changed;                 /* 1 when its community or grids changed, 0 not, -1 unknown */
    gp_ivec grids;               /* plan grid indexes */
} gp_worker;

/* Everything a run holds. Arrays owned by the dataset. */
/* Ancillary weights for dasymetric apportioning (apportion.c). */
typedef struct gp_weights {
    GEOSGeometry **geoms;
    double *w;
    int n;
    GEOSSTRtree *tree;
} gp_weights;

typedef struct gp_dataset {
    char crs[256];               /* working CRS, "EPSG:xxxxx" or as given */
    char *input_crs_def;         /* CRS of the communities layer (else the units'), WKT */
    char input_crs_name[128];    /* its short name, e.g. "EPSG:4490" */
    gp_unit *units; int n_units;
    gp_community *comms; int n_comms;
    gp_atom *atoms; int n_atoms;
    gp_case *cases; int n_cases; int n_cases_unmatched;
    int n_cases_via_unit;        /* in no atom, given to their unit's largest atom */
    char **case_types; double *case_weights; int n_case_types;
    gp_existing_grid *existing; int n_existing;
    gp_input_info in_units, in_comms, in_cases, in_existing;
    bool has_cases, has_existing, has_weights;
    gp_weights weights;
    gp_input_info in_weights;
    int *case_counts;            /* n_atoms x n_case_types */
    int n_repaired, n_units_moved; double pop_moved, hh_moved_in_atomize;
    gp_ivec moved_units, moved_to;   /* units outside every community -> atom */
    gp_ivec bridges;                 /* pairs of atoms joined across a gap */
    char **repaired; int n_repaired_ids;   /* "layer:id" of repaired polygons */
    char **empty; int n_empty;             /* units skipped: no area, no counts */
    /* adjacency (CSR over all atoms; edges only inside a community) */
    int *xadj, *adj; double *adjw;
    int n_bridges;
    bool cell_hex;               /* cells mode: the lattice */
    double cell_size;
    /* the roster and what was done with it (workers.c) */
    gp_worker *workers; int n_workers;
    gp_input_info in_workers;
    bool has_workers;
    bool allocated;              /* head-count allocation ran */
    int alloc_status;            /* gp_comm_status of the allocation */
    double alloc_objective, alloc_gap, alloc_seconds;
    char alloc_reason[512];
    int n_transfers;
    double capacity;             /* workload one FTE may carry */
    char roster_reason[512];     /* the roster cannot carry the workload: by how much */
} gp_dataset;

void gp_dataset_free(gp_ctx *ctx, gp_dataset *ds);

/* Transfers nv counts per unit (uval, n_units x nv) to the targets (tval,
 * n_targets x nv, added to), by overlap area over each unit's area inside
 * the targets (by weighted area when weights is given); a unit that
 * overlaps no target goes to the nearest (moved_to[u] = that target, else
 * -1). Every unit's counts are handed out exactly. convex (may be NULL)
 * marks targets known to be convex polygons (whole cells): their overlap
 * areas take a faster exact path. */
gp_status gp_apportion(gp_ctx *ctx, GEOSGeometry *const *units, const double *uval, int n_units, int nv,
                       GEOSGeometry *const *targets, const bool *convex, int n_targets, const gp_weights *weights,
                       double *tval, int *moved_to);

/* Polygons and numeric fields of one scenario input, projected (load.c). */
typedef struct gp_polys {
    int n, nf;
    GEOSGeometry **g;
    long long *fid;
    double *v;                   /* n x nf */
    int repaired;
    gp_input_info info;
} gp_polys;
/* Reads [input] KEY (with its .layer/.crs/.x/.y/.wkt keys): polygons and
 * the named fields. crs: the target CRS, or "" to pick the UTM zone of the
 * layer's centre (written back). Repairs are counted in out, and listed in
 * notes when given. */
gp_status gp_read_polygons(gp_ctx *ctx, const gp_scenario *sc, const char *key, char *crs, size_t crs_len,
                           const char *const *fields, int nf, gp_polys *out, gp_dataset *notes);
void gp_polys_free(gp_ctx *ctx, gp_polys *p);
/* Moves the polygons of p with a positive weight (its first field) into w
 * and indexes them; p keeps nothing to free but its arrays. */
gp_status gp_weights_take(gp_ctx *ctx, gp_polys *p, gp_weights *w);
void gp_weights_free(gp_ctx *ctx, gp_weights *w);
/* Opens [input] KEY with GDAL (CSV columns from the scenario); NULL on
 * failure, with GDAL's message in CPLGetLastErrorMsg(). */
void *gp_open_vector_(const gp_scenario *sc, const char *key);
#define gp_open_vector(sc, key) ((GDALDatasetH)gp_open_vector_((sc), (key)))

/* Stages, in pipeline order. */
gp_status gp_load(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds);     /* load.c: read + project + repair */
gp_status gp_atomize(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds);  /* atomize.c */
/* Maps every atom to the existing grid it overlaps most (atomize.c). */
gp_status gp_existing_map(gp_ctx *ctx, gp_dataset *ds);
gp_status gp_cases_attach(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds); /* cases.c */
gp_status gp_graph_build(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds);  /* graph.c */
/* Cells clipped to each community, handed to emit in community order
 * (tessellate.c); emit owns g. */
gp_status gp_cells_make(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds,
                        gp_status (*emit)(gp_ctx *, gp_dataset *, int comm, GEOSGeometry *g, long i, long j,
                                          bool whole, void *),
                        void *user);

/* ---- partition (partition.c) -------------------------------------------- */

/* One community's partition problem, independent of GEOS: atoms 0..n-1 with
 * attribute values, centroids and an adjacency list (CSR). */
typedef struct gp_part_problem {
    int n;
    const double (*v)[GP_NATTR];  /* n rows */
    const double *x, *y;          /* centroids */
    const int *xadj, *adj;        /* CSR, symmetric */
    double lo[GP_NATTR], hi[GP_NATTR]; /* bounds (-inf/+inf when unset) */
    int k_min, k_max;             /* allowed grid counts (k_min>=1) */
    int primary;                  /* attribute the grid count is derived from */
    double w_balance, w_compact;  /* objective weights */
    double w_stability;           /* weight of households moved (share of all) */
    unsigned seed;
    double time_limit;            /* seconds, <= 0: none */
    double gap;                   /* relative gap at which the search may stop */
    const int *existing;          /* existing grid per atom (-1: none) or NULL */
    const int *lock;              /* lock group per atom (-1: free) or NULL */
    int n_locks;                  /* groups 0..n_locks-1: each one grid, apart */
    const char *const *lock_names;/* for messages */
    double weight_mean;           /* > 0: the mean in the model's weights (a
                                     part of a community keeps the whole's) */
} gp_part_problem;

typedef struct gp_part_result {
    int k;                        /* grids made */
    int *grid;                    /* n entries, 0..k-1; caller frees */
    bool feasible;                /* every grid within bounds */
    bool rebalanced;              /* the plan in force, adjusted (stability) */
    double violation;             /* total relative bound violation */
    char reason[512];             /* why infeasible, with a fix */
} gp_part_result;

/* Decides the grid count range from bounds, fills reason and returns false
 * when no count can meet them (before any search). */
bool gp_part_count_range(const gp_part_problem *p, int *k_min, int *k_max,
                         char *reason, size_t reason_len);
/* Partitions one community. Always returns a complete plan, contiguous
 * when the graph is connected (the graph stage bridges it); res->feasible
 * says whether the bounds hold. Errors: GP_ERR_NOMEM, GP_ERR_ARG. */
gp_status gp_partition(const gp_part_problem *p, gp_part_result *res);
void gp_part_result_free(gp_part_result *res);

/* ---- the model (model.c) ------------------------------------------------ */

/* Weight of atom i in the moment of inertia (its primary attribute plus a
 * hundredth of the mean, so empty atoms still count for shape). */
double gp_model_weight(const gp_part_problem *p, int i, double mean);
/* The mean that weight takes: p->weight_mean, or the mean primary value. */
double gp_model_mean(const gp_part_problem *p);
/* Squared distance between the centroids of atoms i and j, in km^2. */
static inline double gp_model_d2(const gp_part_problem *p, int i, int j)
{
    double dx = p->x[i] - p->x[j], dy = p->y[i] - p->y[j];
    return (dx * dx + dy * dy) / 1e6; /* km^2: keeps coefficients tame */
}
/* A plan's moment of inertia: each grid about its best centre atom, in
 * weight x km^2. */
double gp_model_objective(const gp_part_problem *p, const int *grid, int k);
/* The same, and each grid's best centre atom in centre (k entries; may be
 * NULL). NAN when out of memory. */
double gp_model_centres(const gp_part_problem *p, const int *grid, int k, int *centre);
/* Lower bound on that objective over all plans with k grids within the
 * bounds (LP relaxation of the Hess model, no contiguity), solved by GLPK
 * within time_limit seconds. *bound is NAN when not proven (too large or
 * out of time) and +inf when the relaxation is infeasible. */
gp_status gp_model_bound(gp_ctx *ctx, const gp_part_problem *p, int k, double time_limit, double *bound);
/* Branch and cut on the Hess model with lazy contiguity cuts, started from
 * the plan in grid (k grids, contiguous, within bounds), within time_limit
 * seconds, stopping at a relative gap of gap_tol. When GLPK finds a better
 * plan that checks out (contiguous, within bounds), it replaces grid and
 * *improved is set. *objective is the plan's moment of inertia, *bound the
 * best lower bound proven (NAN: none). */
gp_status gp_model_solve(gp_ctx *ctx, const gp_part_problem *p, int k, int *grid, double time_limit,
                         double gap_tol, double *objective, double *bound, bool *improved, bool *timed_out);
/* Communities of more than GP_MODEL_SOLVE_ATOMS atoms or more than
 * GP_MODEL_SOLVE_GRIDS grids get large-neighbourhood search first. Branch
 * and cut on the whole model (n^2 columns), which proves at least the LP
 * bound, follows up to GP_MODEL_BOUND_ATOMS atoms; beyond, or when its LP
 * does not finish, the Lagrangian bound. */
#define GP_MODEL_SOLVE_ATOMS 120
#define GP_MODEL_SOLVE_GRIDS 12
#define GP_MODEL_BOUND_ATOMS 200
/* Large-neighbourhood search from the plan in grid (k grids, contiguous,
 * within bounds): frees a few adjacent grids at a time and solves the
 * model on their atoms, keeping every plan that is better. Within
 * time_limit seconds; *objective is the plan's moment of inertia after.
 * The plan depends on the machine's speed only when a sub-model stops at
 * its time limit (stats->timed_out). */
typedef struct gp_lns_stats {
    int solved;                  /* sub-models solved */
    int improved;                /* of which gave a better plan */
    int timed_out;               /* of which stopped at their time limit */
} gp_lns_stats;
gp_status gp_model_lns(gp_ctx *ctx, const gp_part_problem *p, int k, int *grid, double time_limit,
                       double *objective, gp_lns_stats *stats);
/* Lower bound on the same objective for any community size: the
 * Lagrangian relaxation of the Hess model (no contiguity, one bounded
 * attribute), by subgradient steps from the multipliers the plan in grid
 * suggests (grid may be NULL), aimed at ub (the plan's objective), within
 * time_limit seconds or until within gap_tol of ub. Never above the LP
 * bound; *bound is NAN when nothing was proven, +inf when no k grids can
 * meet the bound. */
gp_status gp_model_lagrange(const gp_part_problem *p, int k, const int *grid, double ub, double time_limit,
                            double gap_tol, double *bound, int *iterations);
/* The same model with contiguity as flow constraints (Shirabe) instead of
 * cuts: for measuring the two formulations against each other
 * (bench/bench_contiguity). */
gp_status gp_model_solve_flow(gp_ctx *ctx, const gp_part_problem *p, int k, int *grid, double time_limit,
                              double gap_tol, double *objective, double *bound, bool *improved, bool *timed_out);
/* True when the atoms with grid[i]==g form one connected piece. */
bool gp_part_connected(const gp_part_problem *p, const int *grid, int g);

/* ---- output (write.c, report.c) ----------------------------------------- */

typedef struct gp_grid {
    char *id;
    int community;
    bool dedicated;              /* a dedicated unit's own grid (no bounds) */
    double v[GP_NATTR];
    int n_atoms;
    GEOSGeometry *geom;
    double area, perimeter, polsby_popper;
    char *workers;               /* worker ids, ';'-separated (NULL: none) */
} gp_grid;

typedef struct gp_plan {
    gp_grid *grids; int n_grids;
    double hh_moved;              /* vs existing plan, -1 if none */
} gp_plan;

gp_status gp_plan_build_grids(gp_ctx *ctx, gp_dataset *ds, gp_plan *plan);
void gp_plan_free(gp_ctx *ctx, gp_plan *plan);
/* Where and how the layers are written. */
typedef struct gp_output {
    bool gpkg, shp;              /* [output] formats */
    const char *crs_def;         /* output CRS (any PROJ definition) */
    char crs_name[256];          /* its short name for the report */
} gp_output;
/* Reads [output] formats and crs. */
gp_status gp_output_from_scenario(gp_ctx *ctx, const gp_scenario *sc, const gp_dataset *ds, gp_output *out);
gp_status gp_write_layers(gp_ctx *ctx, const gp_dataset *ds, const gp_plan *plan, const gp_output *out,
                          const char *dir);
/* The atoms layer alone, to a GeoPackage at path (tessellate). */
gp_status gp_write_atoms(gp_ctx *ctx, const gp_dataset *ds, const char *path);
/* ---- workers (workers.c) ------------------------------------------------ */

/* Reads [input] workers into ds (load.c; communities and existing grids
 * must be loaded). */
gp_status gp_workers_load(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds);
/* Sums each community's workload and roster FTE, the workers' loads in the
 * existing plan and the capacity per FTE. */
gp_status gp_workers_prepare(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds);
/* Head-count allocation across communities ([workers] allocate = yes): a
 * GLPK integer program that evens workload per FTE. kmin/kmax give each
 * community's feasible grid counts; k (may be NULL) its grid count when
 * known, else with count = workers the allocation sets k_workers. */
gp_status gp_workers_allocate(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds, const int *kmin,
                              const int *kmax, const int *k);
/* Assigns named workers to the plan's grids, one GLPK program per
 * community; fills the workers' results and the grids' workers field. */
gp_status gp_workers_assign(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds, gp_plan *plan);
/* Writes assignments.csv into dir. */
gp_status gp_workers_write(gp_ctx *ctx, const gp_dataset *ds, const gp_plan *plan, const char *dir);
void gp_workers_free(gp_dataset *ds);
/* Workload per FTE over the workers who carry some, in the plan in force
 * (after = false) or the new one; idle workers are counted apart. */
typedef struct gp_workers_stats { int n, idle; double min, max, ratio, cv; } gp_workers_stats;
void gp_workers_spread(const gp_dataset *ds, bool after, gp_workers_stats *out);
/* The "workers" section of report.json (null without a roster). */
void gp_workers_report(gp_json *j, const gp_dataset *ds, const gp_plan *plan);

/* report.html: maps, tables, histogram, warnings (html.c). */
gp_status gp_write_html(gp_ctx *ctx, const gp_scenario *sc, const gp_dataset *ds, const gp_plan *plan,
                        const gp_output *out, const char *dir, double elapsed);
gp_status gp_write_report(gp_ctx *ctx, const gp_scenario *sc, const gp_dataset *ds,
                          const gp_plan *plan, const gp_output *out, const char *dir, double elapsed);

#endif
