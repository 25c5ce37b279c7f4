/*
 * staff: grid workers. The roster's loads in the plan in force and the
 * capacity per FTE; head-count allocation across communities (an integer
 * program that evens workload per FTE); and the assignment of named
 * workers to one community's grids (another, one per community).
 */
#ifndef GP_STAFF_H
#define GP_STAFF_H

#include "config/config.h"
#include "solve/solve.h"

/* Sums each community's workload and roster FTE, the workers' loads in the
 * plan in force and the capacity per FTE; with count = workers, each
 * community's grid count from its FTE (prepare.c). */
gp_status gp_staff_prepare(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds);

/* The work budget of one of the worker programs with cols columns, for
 * the scenario's effort (solve.h: units of work, never seconds). */
double gp_staff_budget(const gp_config *cfg, int cols);

/* Head-count allocation ([workers] allocate = yes): kmin/kmax give each
 * community's feasible grid counts; k (may be NULL) its grid count when
 * known, else with count = workers the allocation sets k_workers. Runs
 * GLPK: on a worker thread (exec/) (allocate.c). */
gp_status gp_staff_allocate(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, const int *kmin, const int *kmax,
                            const int *k);

/* What every community's assignment reads of the plan: each grid's centre
 * and households (assign.c). */
typedef struct gp_staff_grids {
    double *gx, *gy, *ghh;
} gp_staff_grids;
gp_status gp_staff_grids_make(gp_ctx *ctx, const gp_plan *plan, gp_staff_grids *sg);
void gp_staff_grids_free(gp_staff_grids *sg);
/* Assigns community c's workers to its grids, filling the workers' results
 * and the grids' workers field; touches nothing of another community, so
 * communities run side by side. Runs GLPK: on a worker thread. */
gp_status gp_staff_assign(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, gp_plan *plan,
                          const gp_staff_grids *sg, int c);
/* After every community's assignment: whose duty changed. */
void gp_staff_changed(gp_dataset *ds);

/* Workload per FTE over the workers who carry some, in the plan in force
 * (after = false) or the new one; idle workers are counted apart. */
typedef struct gp_workers_stats { int n, idle; double min, max, ratio, cv; } gp_workers_stats;
void gp_staff_spread(const gp_dataset *ds, bool after, gp_workers_stats *out);

#endif
