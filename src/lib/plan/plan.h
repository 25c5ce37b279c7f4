/*
 * plan: one community's job and what makes a plan of the jobs. A job
 * builds its community's problem (bounds, graph, plan in force, locks,
 * dedicated units apart), solves it by the ladder (heuristic, then
 * neighbourhood search or branch and cut, then a bound), and numbers its
 * grids; then grid codes and households moved over the whole plan.
 */
#ifndef GP_PLAN_H
#define GP_PLAN_H

#include "config/config.h"
#include "solve/solve.h"

/* The problem every community starts from: bounds, grid count, objective
 * weights and solver limits of the scenario (problem.c). */
void gp_plan_template(const gp_config *cfg, gp_part_problem *tmpl);

/* One community's partition. gp_job_solve reads the dataset and writes
 * only the job, so jobs run side by side on worker threads. */
typedef struct gp_job {
    gp_dataset *ds;
    const gp_part_problem *tmpl;
    int c;                       /* the community */
    gp_part_problem p;
    double (*v)[GP_NATTR];
    double *x, *y;
    int *xadj, *adj, *existing, *lock;
    const char **lock_names;
    const char **names;          /* each atom's id (not owned) */
    int *full, n_full, n_dedicated; /* problem index -> atom; dedicated atoms left out */
    gp_part_result res;
    gp_status st;
    gp_work work;                /* the community's budget, and what it spent */
    double seconds, objective, bound;
    const char *search;          /* as gp_community's */
    const char *bound_by;
    gp_lns_stats lns;            /* the neighbourhood search, over both passes */
    bool exact_done;             /* branch and cut ran to its end: nothing more to prove */
    bool improved;               /* had a second pass (gp_job_improve) */
    bool kept;                   /* an update kept the previous grids (gp_job_keep) */
    char err[512];
} gp_job;

/* A job's results as bytes, for another process of the same build (exec/
 * with MPI): gp_job_pack appends them to *buf (len bytes used, cap
 * allocated; false when out of memory); gp_job_unpack reads one job's from
 * p (at most end), builds the job's problem (as the process that solved it
 * did) and installs them, returning the bytes read (0 on a malformed
 * buffer or out of memory, j->st then set). */
bool gp_job_pack(const gp_job *j, unsigned char **buf, size_t *len, size_t *cap);
size_t gp_job_unpack(gp_job *j, const unsigned char *p, const unsigned char *end);

/* A job for community c of ds with template tmpl. */
void gp_job_init(gp_job *j, gp_dataset *ds, const gp_part_problem *tmpl, int c);
/* The community's problem: its atoms less the dedicated ones, renumbered,
 * with their graph, existing grids and lock groups. False on error (j->st
 * set). */
bool gp_job_build(gp_job *j);
/* Builds and solves the job within budget work units, and never longer
 * than time_limit seconds (0: no safety cap); tctx is the calling
 * thread's context. */
void gp_job_solve(gp_job *j, gp_ctx *tctx, double budget, double time_limit);
/* An update's kept community: the previous grids (the atoms' existing
 * grids) as the job's plan, with no search; gp_job_finish then gives it
 * the previous status and figures. */
void gp_job_keep(gp_job *j, gp_ctx *tctx);
/* An update: for every community, whether its previous grids are kept
 * (atoms digest as before, and every bound and the grid count met, or
 * infeasible as before, or no plan found before with the same effort) and,
 * if not, why; in each community's update, update_reason and prev
 * (plan/update.c). Nothing when ds is no update. */
gp_status gp_update_decide(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, const gp_part_problem *tmpl);
/* Whether more work could narrow the job's gap: within bounds, not
 * proven, not settled. */
bool gp_job_open(const gp_job *j, double gap_tol);
/* A second pass over the job's plan with budget more units (the search
 * from its plan, then the bound), time_limit counting both passes. */
void gp_job_improve(gp_job *j, gp_ctx *tctx, double budget, double time_limit);
/* The work budgets of ds's communities for the scenario's effort, into
 * whole[0..n_comms): the run's base spread over them in proportion to a
 * base and a share per atom of each (problem.c). Returns their sum. */
double gp_plan_budgets(const gp_config *cfg, const gp_dataset *ds, double *whole);
/* Numbers the job's grids (rows of about one grid's height, north first,
 * west to east in a row), appends them to the plan and sets the
 * community's results. In community order, on one thread. */
gp_status gp_job_finish(gp_ctx *ctx, gp_job *j, gp_plan *plan, double gap_tol);
void gp_job_free(gp_job *j);
/* Whether community c can meet its bounds at all, before any search (for
 * validate): false with the reason in the community. */
gp_status gp_job_check(gp_dataset *ds, const gp_part_problem *tmpl, int c, bool *ok);
/* The grid counts each community's bounds allow (0..0 when none). */
gp_status gp_plan_count_ranges(gp_dataset *ds, const gp_part_problem *tmpl, int *kmin, int *kmax);

/* ---- codes and change (codes.c, moved.c) ----------------------------------- */

/* Whether grid codes are structured (12-digit community code + sequence);
 * with grid_codes = structured, an error naming the first community
 * without a 12-digit code. */
gp_status gp_codes_structured(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, bool *structured);
/* Grid codes: a grid made of exactly the atoms of one grid of the plan in
 * force keeps its id; the others take the lowest free sequence numbers in
 * numbering order. */
gp_status gp_codes_assign(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, gp_plan *plan);
/* Matches the groups of two labellings of the same n items one to one,
 * greedily by shared weight: most shared first, ties by the b label, then
 * the a label; pairs sharing no weight are never matched, items with a
 * label < 0 are left out. match_b[b] (nb entries) is the a label matched to
 * b, or -1. This is how a plan is compared with the plan in force and with
 * another run. False when out of memory. */
bool gp_match_labels(int n, const int *la, const int *lb, const double *w, int na, int nb, int *match_b);
/* Households moved from the plan in force (each community's in hh_moved);
 * -1 without one; NaN when out of memory. */
double gp_plan_households_moved(gp_dataset *ds, const gp_plan *plan);

#endif
