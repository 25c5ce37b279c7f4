/*
 * data: the vocabulary of a run as C types: units, communities, atoms,
 * cases, the plan in force, workers, and the plan made of grids. Every
 * stage reads and fills these; this layer only defines and frees them.
 */
#ifndef GP_DATA_H
#define GP_DATA_H

#include "core/core.h"

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
    int lns_solved, lns_improved, lns_stopped; /* neighbourhood search: sub-models solved,
                                    better plans kept, sub-models out of budget */
    double units;                /* work units the partition spent (plan/) */
    double hh_moved;             /* vs the existing plan (NAN: none) */
    char atoms_digest[72];       /* "sha256:...": its atoms' ids, counts and geometry (geo/) */
    /* an update (gridplan update): what was done with it and why */
    int update;                  /* gp_update_action */
    char update_reason[512];
    int prev;                    /* index into the dataset's previous communities, -1: none */
    /* staffing (staff/) */
    double work;                 /* workload of its atoms */
    double fte0, fte1;           /* FTE in the roster / after allocation */
    int n_workers;               /* workers after allocation */
    int k_workers;               /* grid count set by count = workers (0: not set) */
    int wstatus;                 /* assignment: gp_comm_status */
    double wobjective, wgap, wseconds;
    char wreason[512];           /* why the assignment misses a rule, with a fix */
} gp_community;

/* An update's action on a community: its grids kept as they were; re-solved
 * from them (the rebalancing); or drawn anew, the previous grids being no
 * usable start. */
enum gp_update_action { GP_UPD_NONE = 0, GP_UPD_KEPT, GP_UPD_REBALANCED, GP_UPD_REDRAWN };
const char *gp_update_action_name(int action);

enum gp_comm_status { GP_CS_PENDING = 0, GP_CS_FEASIBLE, GP_CS_INFEASIBLE, GP_CS_OPTIMAL, GP_CS_TIME_CAPPED,
                      GP_CS_NOT_FOUND };
/* "optimal" (within [solver] gap of the proven bound), "feasible" (within
 * bounds; the work budget ran out before the gap was proven),
 * "time_capped" (within bounds, but the safety cap [solver] time_limit cut
 * the search short: the plan may not reproduce), "infeasible" (proven: no
 * plan can meet the bounds) or "not_found" (no plan within the bounds was
 * found within the work budget, and none was proven impossible), as
 * written in report.json and the grids layer; "pending" for a status not
 * set. */
const char *gp_comm_status_name(int status);
/* The bounds were not met: infeasible or not_found. */
static inline bool gp_comm_unmet(int status) { return status == GP_CS_INFEASIBLE || status == GP_CS_NOT_FOUND; }

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

/* The output an update starts from ([input] previous): its communities as
 * report.json has them and its atoms as atoms.gpkg has them. */
typedef struct gp_prev_comm {
    char *id;
    char digest[72];             /* atoms_digest; "" in outputs of older versions */
    int status;                  /* gp_comm_status */
    double objective, bound, gap;
    char *search, *bound_by;     /* as written, or NULL */
    char *reason;                /* why its bounds were not met, or NULL */
    int n_grids, n_atoms;
} gp_prev_comm;

typedef struct gp_prev_atom {
    char *id, *grid, *community;
    double v[GP_NATTR];
} gp_prev_atom;

typedef struct gp_prev_worker {
    char *id, *community, *grids; /* as assignments.csv has them */
} gp_prev_worker;

typedef struct gp_previous {
    char *dir;
    char digest[72];             /* its plan digest */
    double effort;               /* its [solver] effort (NAN: not written) */
    char bounds[512];            /* its [grid] bounds and count, as gp_bounds_text writes them */
    gp_prev_comm *comms; int n_comms;   /* sorted by id */
    gp_prev_atom *atoms; int n_atoms;   /* sorted by id */
    gp_prev_worker *workers; int n_workers; /* sorted by id; none without assignments.csv */
} gp_previous;

void gp_previous_free(gp_previous *p);
/* A [grid] bound as text for comparing two runs' bounds: "name=lo..hi;"
 * appended to buf (len bytes), -inf/inf for open sides. */
void gp_bounds_text(char *buf, size_t len, const char *name, double lo, double hi);
/* Sorts p's communities and atoms by id, for the lookups below. */
void gp_previous_sort(gp_previous *p);
/* A previous community or atom by id; NULL when there is none. */
const gp_prev_comm *gp_previous_comm(const gp_previous *p, const char *id);
const gp_prev_atom *gp_previous_atom(const gp_previous *p, const char *id);
const gp_prev_worker *gp_previous_worker(const gp_previous *p, const char *id);

/* Ancillary weights for dasymetric apportioning (geo/apportion.c). */
typedef struct gp_weights {
    GEOSGeometry **geoms;
    double *w;
    int n;
    GEOSSTRtree *tree;
} gp_weights;

/* Everything a run holds. Arrays owned by the dataset. */
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
    /* the roster and what was done with it (staff/) */
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
    /* an update: the previous output (io/previous.c) */
    bool is_update;
    gp_previous prev;
} gp_dataset;

/* Frees what ds holds (ds itself is the caller's) and zeroes it. */
void gp_dataset_free(gp_ctx *ctx, gp_dataset *ds);
void gp_weights_free(gp_ctx *ctx, gp_weights *w);

/* ---- the plan -------------------------------------------------------------- */

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
    char digest[72];              /* "sha256:...": the atoms' grids and the grids' polygons as written */
    double units;                 /* work units the partition spent */
    double budget;                /* the partition's work budget (the communities' sum) */
    int time_capped;              /* communities the safety cap cut short: the plan may not reproduce */
} gp_plan;

void gp_plan_free(gp_ctx *ctx, gp_plan *plan);

#endif
