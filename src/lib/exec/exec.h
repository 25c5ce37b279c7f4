/*
 * exec: where the jobs of a run execute. One pool of worker threads runs
 * the communities' partition jobs, the head-count allocation and the
 * communities' assignment jobs; results are gathered in community order,
 * so they never depend on the number of threads or which finishes first.
 * (Another back end, such as Open MPI, plugs in here.)
 */
#ifndef GP_EXEC_H
#define GP_EXEC_H

#include "plan/plan.h"
#include "staff/staff.h"

/* Runs job(tctx, i, user) for i = 0..n-1 on up to threads worker threads
 * (0: one per core), taken in the order given (NULL: 0, 1, ...; the
 * largest first keeps the threads busy to the end). Each thread has a
 * context of its own (tctx) whose messages are logged on ctx after all
 * jobs are done, job by job in index order; each thread frees its GLPK
 * environment, so GLPK never runs on the caller's thread. A job writes
 * only its own results, so they are the same whatever the threads.
 * Errors: GP_ERR_NOMEM, GP_ERR_INTERNAL when no thread can start
 * (pool.c). */
gp_status gp_exec_jobs(gp_ctx *ctx, int threads, int n, const int *order,
                       void (*job)(gp_ctx *tctx, int i, void *user), void *user);

/* ---- processes (mpi.c) ------------------------------------------------------- */
/* With gp_ctx_use_mpi, a run's processes (MPI ranks); else one. */
int gp_mpi_size(const gp_ctx *ctx);
int gp_mpi_rank(const gp_ctx *ctx);
/* Sums v[0..n) over the processes, in place, after agreeing on status:
 * every process gets the first failure in process order (with its
 * message), or st when all are GP_OK. One process: returns st. */
gp_status gp_mpi_sum(gp_ctx *ctx, gp_status st, double *v, int n);
/* Process 0 takes every other process's len bytes (mine), in process
 * order, with take; the others send theirs. Statuses agreed as above. */
gp_status gp_mpi_gather(gp_ctx *ctx, gp_status st, const void *mine, size_t len,
                        gp_status (*take)(gp_ctx *ctx, const void *buf, size_t len, void *user), void *user);

/* Partitions every community and appends its grids to plan, in two passes
 * over the run's work budget: each community its share by size, then what
 * is left to those whose gap is widest (run.c). */
gp_status gp_exec_partition(gp_ctx *ctx, const gp_config *cfg, const gp_part_problem *tmpl, gp_dataset *ds,
                            gp_plan *plan);
/* Head-count allocation (gp_staff_allocate) on a worker thread. */
gp_status gp_exec_allocate(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, const int *kmin, const int *kmax,
                           const int *k);
/* Assigns the workers of every community to its grids (gp_staff_assign). */
gp_status gp_exec_assign(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, gp_plan *plan);

#endif
