/* Processes: the collective steps of a run spread over Open MPI's
 * processes (gp_ctx_use_mpi). Every call is made by every process in the
 * same order, on the thread that called gp_run (MPI_THREAD_FUNNELED), and
 * carries each process's status, so that one process's failure reaches
 * all of them instead of leaving the others waiting. Built without MPI,
 * a context has one process and these do nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"

#ifdef GP_HAVE_MPI
#include <mpi.h>
#endif

int gp_mpi_available(void)
{
#ifdef GP_HAVE_MPI
    return 1;
#else
    return 0;
#endif
}

gp_status gp_ctx_use_mpi(gp_ctx *ctx, int on)
{
    if (!ctx)
        return GP_ERR_ARG;
    ctx->mpi_rank = 0;
    ctx->mpi_size = 0;
    if (!on)
        return GP_OK;
#ifdef GP_HAVE_MPI
    int init = 0, level = 0;
    MPI_Initialized(&init);
    if (!init)
        return gp_fail(ctx, GP_ERR_ARG, "MPI is not initialised: call MPI_Init_thread before gp_ctx_use_mpi");
    MPI_Query_thread(&level);
    if (level < MPI_THREAD_FUNNELED)
        return gp_fail(ctx, GP_ERR_ARG, "MPI was initialised without thread support: initialise it with "
                       "MPI_Init_thread and at least MPI_THREAD_FUNNELED");
    MPI_Comm_rank(MPI_COMM_WORLD, &ctx->mpi_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ctx->mpi_size);
    return GP_OK;
#else
    return gp_fail(ctx, GP_ERR_ARG, "this gridplan was built without Open MPI: install libopenmpi-dev and "
                   "build again");
#endif
}

int gp_mpi_size(const gp_ctx *ctx) { return ctx->mpi_size > 1 ? ctx->mpi_size : 1; }
int gp_mpi_rank(const gp_ctx *ctx) { return ctx->mpi_size > 1 ? ctx->mpi_rank : 0; }

#ifdef GP_HAVE_MPI
/* Every process's status to every process: the first failure in process
 * order, with its message sent to all, is everyone's status. */
static gp_status agree(gp_ctx *ctx, gp_status st)
{
    int size = ctx->mpi_size, mine = (int)st, *all = malloc((size_t)size * sizeof *all);
    if (!all)
        return GP_ERR_NOMEM; /* cannot take part: MPI would hang; say so */
    MPI_Allgather(&mine, 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD);
    int who = -1;
    for (int r = 0; r < size && who < 0; r++)
        if (all[r] != GP_OK)
            who = r;
    gp_status res = who < 0 ? GP_OK : (gp_status)all[who];
    free(all);
    if (who < 0)
        return GP_OK;
    char msg[sizeof ctx->errmsg];
    snprintf(msg, sizeof msg, "%s", who == ctx->mpi_rank ? ctx->errmsg : "");
    MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, who, MPI_COMM_WORLD);
    if (who != ctx->mpi_rank)
        gp_fail(ctx, res, "process %d of %d: %s", who, ctx->mpi_size, msg[0] ? msg : gp_strerror(res));
    return res;
}
#endif

gp_status gp_mpi_sum(gp_ctx *ctx, gp_status st, double *v, int n)
{
#ifdef GP_HAVE_MPI
    if (ctx->mpi_size > 1) {
        if ((st = agree(ctx, st)))
            return st;
        MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    }
#else
    (void)ctx, (void)v, (void)n;
#endif
    return st;
}

gp_status gp_mpi_gather(gp_ctx *ctx, gp_status st, const void *mine, size_t len,
                        gp_status (*take)(gp_ctx *ctx, const void *buf, size_t len, void *user), void *user)
{
#ifdef GP_HAVE_MPI
    if (ctx->mpi_size > 1) {
        if ((st = agree(ctx, st)))
            return st;
        /* the sizes first, so that process 0 allocates once (or says it
         * cannot, and nobody sends) */
        int size = ctx->mpi_size, root = ctx->mpi_rank == 0;
        long long n = (long long)len, *sizes = root ? calloc((size_t)size, sizeof *sizes) : NULL;
        unsigned char *buf = NULL;
        st = root && !sizes ? GP_ERR_NOMEM : GP_OK;
        long long dummy[1];
        MPI_Gather(&n, 1, MPI_LONG_LONG, sizes ? sizes : dummy, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
        size_t total = 0;
        for (int r = 1; root && sizes && r < size; r++)
            total += (size_t)sizes[r];
        if (root && !st && !(buf = malloc(total ? total : 1)))
            st = GP_ERR_NOMEM;
        if ((st = agree(ctx, st))) {
            free(sizes), free(buf);
            return st;
        }
        if (!root) {
            MPI_Send(mine, (int)len, MPI_BYTE, 0, 2, MPI_COMM_WORLD);
            return agree(ctx, GP_OK);
        }
        size_t off = 0;
        for (int r = 1; r < size; r++) {
            MPI_Recv(buf + off, (int)sizes[r], MPI_BYTE, r, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            off += (size_t)sizes[r];
        }
        off = 0;
        for (int r = 1; r < size && !st; r++) {
            st = take(ctx, buf + off, (size_t)sizes[r], user);
            off += (size_t)sizes[r];
        }
        free(sizes), free(buf);
        return agree(ctx, st);
    }
#else
    (void)mine, (void)len, (void)take, (void)user;
#endif
    (void)ctx;
    return st;
}
