/*
 * solve: the partition of one community into grids, independent of GEOS:
 * the heuristic, the Hess model in GLPK (bound, branch and cut with
 * contiguity cuts, neighbourhood search, Lagrangian bound), and the one
 * GLPK kit every integer program uses.
 */
#ifndef GP_SOLVE_H
#define GP_SOLVE_H

#include <glpk.h>

#include "data/data.h"

/* ---- work budgets (work.c) ---------------------------------------------------- */

/* How much a search may do, counted in units of work, never in seconds, so
 * that it stops at the same point on any machine, under any load and on
 * any number of threads: the same input gives the same plan. One unit is
 * about one atom looked at by the heuristic; GLPK's simplex iterations
 * and branch-and-bound nodes and the Lagrangian's steps count at the rates
 * of work.c, about the same cost a unit. The clock is only a safety cap: a
 * search that runs past deadline stops and sets capped, and its result
 * may then not reproduce. */
typedef struct gp_work {
    double limit;                /* units allowed; INFINITY: no limit */
    double used;                 /* units spent */
    double deadline;             /* gp_now() past which every search stops; INFINITY: none */
    bool capped;                 /* the deadline stopped something */
    double enough;               /* > 0: the heuristic stops here once a plan meets the
                                    bounds, and spends the rest only to find one */
    const atomic_int *stop;      /* the context's cancel request (NULL: none): when set,
                                    nothing is left, so every search stops at its next step */
} gp_work;
/* A budget of limit units with a safety cap at deadline, stopped early by
 * ctx's cancel request (see gp_ctx_cancel). */
gp_work gp_work_new(gp_ctx *ctx, double limit, double deadline);
/* Units left: 0 once the limit is reached, the deadline passed or the
 * call was cancelled. */
double gp_work_left(const gp_work *w);
/* Spends units; false when nothing is left after. */
bool gp_work_spend(gp_work *w, double units);
/* A part of w for one step of a search: at most units of what w has left,
 * with w's deadline; gp_work_join hands back what it spent. */
gp_work gp_work_part(const gp_work *w, double units);
void gp_work_join(gp_work *w, const gp_work *part);
/* What one simplex iteration costs on a problem of rows x cols; one
 * branch-and-bound node besides its iterations; one atom looked at by the
 * heuristic or the neighbourhood search; one candidate looked at by a
 * Lagrangian step (a unit is about a microsecond on a 2020s core). */
double gp_work_iteration(int rows, int cols);
#define GP_WORK_NODE 50.0
#define GP_WORK_ATOM 0.01
#define GP_WORK_CANDIDATE 0.015
/* GLPK's limits for what w has left: simplex iterations at cost each, and
 * milliseconds to the deadline (INT_MAX without one). */
int gp_work_it_lim(const gp_work *w, double cost);
int gp_work_tm_lim(const gp_work *w);

/* ---- the problem of one community ----------------------------------------- */

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
    double gap;                   /* relative gap at which the search may stop */
    const int *existing;          /* existing grid per atom (-1: none) or NULL */
    const int *lock;              /* lock group per atom (-1: free) or NULL */
    int n_locks;                  /* groups 0..n_locks-1: each one grid, apart */
    const char *const *lock_names;/* for messages */
    const char *const *names;     /* each atom's id, for messages, or NULL */
    double weight_mean;           /* > 0: the mean in the model's weights (a
                                     part of a community keeps the whole's) */
} gp_part_problem;

typedef struct gp_part_result {
    int k;                        /* grids made */
    int *grid;                    /* n entries, 0..k-1; caller frees */
    bool feasible;                /* every grid within bounds */
    bool proven;                  /* not feasible, and no plan can be: a proof, not a search */
    bool rebalanced;              /* the plan in force, adjusted (stability) */
    double violation;             /* total relative bound violation */
    char reason[512];             /* why infeasible, with a fix */
} gp_part_result;

/* ---- the heuristic (heuristic.c, local.c, rebalance.c) ---------------------- */

/* Decides the grid count range from bounds, fills reason and returns false
 * when no count can meet them (before any search). */
bool gp_part_count_range(const gp_part_problem *p, int *k_min, int *k_max,
                         char *reason, size_t reason_len);
/* Partitions one community by the heuristic within the budget w (it
 * always makes one whole plan; restarts and moves stop when w runs out).
 * Always returns a complete plan, contiguous when the graph is connected
 * (the graph stage bridges it); res->feasible says whether the bounds
 * hold. Errors: GP_ERR_NOMEM, GP_ERR_ARG. */
gp_status gp_partition(const gp_part_problem *p, gp_work *w, gp_part_result *res);
void gp_part_result_free(gp_part_result *res);

/* ---- the model (model.c, cuts.c, lns.c, lagrange.c) ------------------------- */

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
 * within the budget w. *bound is NAN when not proven (too large, or w ran
 * out) and +inf when the relaxation is infeasible. */
gp_status gp_model_bound(gp_ctx *ctx, const gp_part_problem *p, int k, gp_work *w, double *bound);
/* Branch and cut on the Hess model with lazy contiguity cuts, started from
 * the plan in grid (k grids, contiguous, within bounds), within the budget
 * w, stopping at a relative gap of gap_tol. When GLPK finds a better plan
 * that checks out (contiguous, within bounds), it replaces grid and
 * *improved is set. *objective is the plan's moment of inertia, *bound the
 * best lower bound proven (NAN: none); *stopped when w ran out first. */
gp_status gp_model_solve(gp_ctx *ctx, const gp_part_problem *p, int k, int *grid, gp_work *w, double gap_tol,
                         double *objective, double *bound, bool *improved, bool *stopped);
/* Communities of up to GP_MODEL_SOLVE_ATOMS atoms and GP_MODEL_SOLVE_GRIDS
 * grids get branch and cut on the whole model (n^2 columns), which proves
 * at least the LP bound, when their budget holds its LP (see
 * gp_model_lp_cost); the others neighbourhood search and the Lagrangian
 * bound. No model of more than GP_MODEL_BOUND_ATOMS atoms is built. */
#define GP_MODEL_SOLVE_ATOMS 120
#define GP_MODEL_SOLVE_GRIDS 12
#define GP_MODEL_BOUND_ATOMS 200
/* Large-neighbourhood search from the plan in grid (k grids, contiguous,
 * within bounds): frees a few adjacent grids at a time and solves the
 * model on their atoms, keeping every plan that is better, until every
 * neighbourhood is settled or the budget w runs out; *objective is the
 * plan's moment of inertia after. */
typedef struct gp_lns_stats {
    int solved;                  /* sub-models solved */
    int improved;                /* of which gave a better plan */
    int stopped;                 /* of which ran out of their budget before a proof */
    bool settled;                /* every neighbourhood settled: the search is done */
} gp_lns_stats;
gp_status gp_model_lns(gp_ctx *ctx, const gp_part_problem *p, int k, int *grid, gp_work *w, double *objective,
                       gp_lns_stats *stats);
/* Lower bound on the same objective for any community size: the
 * Lagrangian relaxation of the Hess model (no contiguity, one bounded
 * attribute), by subgradient steps from the multipliers the plan in grid
 * suggests (grid may be NULL), aimed at ub (the plan's objective), within
 * the budget w or until within gap_tol of ub. Never above the LP bound;
 * *bound is NAN when nothing was proven, +inf when no k grids can meet the
 * bound. */
gp_status gp_model_lagrange(const gp_part_problem *p, int k, const int *grid, double ub, gp_work *w, double gap_tol,
                            double *bound, int *iterations);
/* What the LP relaxation of the whole model usually costs on p (its
 * iterations grow with about the fourth power of the atoms). */
double gp_model_lp_cost(const gp_part_problem *p);
/* What gp_model_lagrange usually spends to settle on p with k grids. */
double gp_model_lagrange_cost(const gp_part_problem *p, int k);
/* The same model with contiguity as flow constraints (Shirabe) instead of
 * cuts: for measuring the two formulations against each other
 * (bench/bench_contiguity). */
gp_status gp_model_solve_flow(gp_ctx *ctx, const gp_part_problem *p, int k, int *grid, gp_work *w, double gap_tol,
                              double *objective, double *bound, bool *improved, bool *stopped);
/* True when the atoms with grid[i]==g form one connected piece. */
bool gp_part_connected(const gp_part_problem *p, const int *grid, int g);
/* True when every grid of grid (k grids) is contiguous and within the
 * bounds: the check every plan a solver hands back goes through. */
bool gp_part_check(const gp_part_problem *p, const int *grid, int k);
/* The problem's graph, for gp_csr_*. */
static inline gp_csr gp_part_graph(const gp_part_problem *p)
{
    return (gp_csr){p->n, p->xadj, p->adj};
}

/* ---- the GLPK kit (glpk.c), for every model ---------------------------------- */

/* Runs fn(ctx, user) with GLPK's hooks set for this thread: GLPK's
 * terminal output goes to ctx's log (debug), and a GLPK error, which would
 * end the process, comes back as GP_ERR_SOLVER with GLPK's message in
 * ctx. After an error GLPK's environment on this thread is freed, every
 * problem fn made with it: their pointers in user must not be used again.
 * Not nested. */
gp_status gp_glpk_run(gp_ctx *ctx, gp_status (*fn)(gp_ctx *ctx, void *user), void *user);

/* What a branch and bound search is handed and keeps (the info of
 * gp_search_callback): a solution to start from, lazy rows, the best
 * bound seen, and the budget its iterations and nodes are charged to. */
typedef struct gp_search {
    const double *warm;          /* a feasible solution (1-based columns), or NULL */
    bool warm_given;
    void (*rowgen)(glp_tree *T, void *user); /* rows added at GLP_IROWGEN, or NULL */
    void *user;
    double bound;                /* best bound seen; -inf: none yet */
    gp_work *work;               /* charged as the search goes; NULL: none */
    double it_cost;              /* units a simplex iteration */
    int it_start;                /* the problem's iteration count at the start */
    int nodes;                   /* nodes of the tree so far */
    double charged;              /* units charged to work so far */
    bool stopped;                /* terminated: work ran out */
} gp_search;
/* A search from warm (may be NULL) charged to work (may be NULL) at
 * it_cost a simplex iteration of lp. */
void gp_search_init(gp_search *s, const double *warm, gp_work *work, glp_prob *lp, double it_cost);
/* Charges what the search did since the last charge (call it once after
 * glp_intopt too). */
void gp_search_charge(gp_search *s, glp_prob *lp);
void gp_search_callback(glp_tree *T, void *info);

/* A mixed-integer program put together a column and a row at a time, its
 * matrix loaded at once by gp_mip_solve. */
typedef struct gp_mip {
    glp_prob *lp;
    int *ia, *ja;
    double *ar;
    int ne, cap;
    bool nomem;
    double *warm;                /* a feasible solution (1-based), or NULL */
    bool use_warm;               /* GLPK found nothing better: the answer is warm */
    gp_search search;
} gp_mip;
/* A column lo..hi of cost; binary: 0/1 (fixed when lo == hi). */
int gp_mip_col(gp_mip *m, double lo, double hi, double cost, bool binary);
/* An integer column lo..hi (hi may be infinite). */
int gp_mip_icol(gp_mip *m, double lo, double hi, double cost);
/* A row lo <= ... <= hi (either side infinite). */
int gp_mip_row(gp_mip *m, double lo, double hi);
void gp_mip_coef(gp_mip *m, int row, int col, double v);
/* Column j's value in the answer. */
double gp_mip_val(const gp_mip *m, int j);
/* Frees m and what it holds; NULL does nothing. */
void gp_mip_free(gp_mip *m);

typedef struct gp_mip_out {
    int status;                  /* GP_CS_OPTIMAL / GP_CS_FEASIBLE / GP_CS_TIME_CAPPED / GP_CS_INFEASIBLE */
    bool proven_infeasible;      /* INFEASIBLE because no solution exists (else: none found within the budget) */
    double objective, gap, seconds;
} gp_mip_out;
/* Solves m (minimisation) within the budget w, stopping at relative gap
 * gap_tol, with GLPK's cuts when cuts. With m->warm, the search starts
 * from that solution (and keeps it when it finds nothing better within
 * w). Inside gp_glpk_run. */
gp_status gp_mip_solve(gp_ctx *ctx, gp_mip *m, gp_work *w, double gap_tol, bool cuts, gp_mip_out *out);

#endif
