/* The one pool of worker threads: jobs taken in index order by whichever
 * thread is free, each thread with its own context and GLPK environment,
 * messages logged in job order on the caller's thread at the end. */
#include <glpk.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exec/exec.h"

typedef struct pool {
    gp_ctx *ctx;
    int n, next;
    const int *order;            /* NULL: 0, 1, ... */
    void (*job)(gp_ctx *tctx, int i, void *user);
    void *user;
    gp_logbuf *logs;             /* per job */
    int running;                 /* threads not yet done */
    int finished;                /* jobs done, for progress */
    pthread_mutex_t mu;
    pthread_cond_t done;
} pool;

typedef struct worker {
    pool *pl;
    gp_ctx *tctx;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    pool *pl = w->pl;
    void *loc = gp_locale_enter();
    for (;;) {
        pthread_mutex_lock(&pl->mu);
        int i = pl->next++;
        pthread_mutex_unlock(&pl->mu);
        if (i >= pl->n || gp_stopped(w->tctx))
            break; /* a cancelled call takes no new job */
        if (pl->order)
            i = pl->order[i];
        w->tctx->logbuf = &pl->logs[i];
        w->tctx->errmsg[0] = '\0';
        pl->job(w->tctx, i, pl->user);
        w->tctx->logbuf = NULL;
        pthread_mutex_lock(&pl->mu);
        pl->finished++;
        pthread_cond_signal(&pl->done);
        pthread_mutex_unlock(&pl->mu);
    }
    glp_free_env(); /* this thread's GLPK environment, on this thread */
    gp_locale_leave(loc);
    pthread_mutex_lock(&pl->mu);
    pl->running--;
    pthread_cond_signal(&pl->done);
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

gp_status gp_exec_jobs(gp_ctx *ctx, int threads, int n, const int *order,
                       void (*job)(gp_ctx *tctx, int i, void *user), void *user)
{
    if (n <= 0)
        return GP_OK;
    long nt = threads > 0 ? threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (nt < 1)
        nt = 1;
    if (nt > n)
        nt = n;
    pool pl = {.ctx = ctx, .n = n, .order = order, .job = job, .user = user,
               .logs = calloc((size_t)n, sizeof *pl.logs)};
    worker *w = calloc((size_t)nt, sizeof *w);
    pthread_t *th = calloc((size_t)nt, sizeof *th);
    gp_status st = pl.logs && w && th ? GP_OK : GP_ERR_NOMEM;
    for (long t = 0; !st && t < nt; t++) {
        w[t].pl = &pl;
        st = gp_ctx_create_child(ctx, &w[t].tctx);
    }
    int started = 0;
    if (!st) {
        pthread_mutex_init(&pl.mu, NULL);
        pthread_cond_init(&pl.done, NULL);
        pl.running = (int)nt;
        for (long t = 0; t < nt; t++)
            if (pthread_create(&th[started], NULL, work, &w[started]) == 0)
                started++;
        /* the caller's thread waits, polling the host's cancel function
         * (gp_stopped), which may only be called here */
        pthread_mutex_lock(&pl.mu);
        pl.running -= (int)nt - started;
        int reported = 0;
        while (pl.running > 0) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 100000000L;
            if (until.tv_nsec >= 1000000000L)
                until.tv_sec++, until.tv_nsec -= 1000000000L;
            pthread_cond_timedwait(&pl.done, &pl.mu, &until);
            int finished = pl.finished;
            pthread_mutex_unlock(&pl.mu);
            gp_stopped(ctx);
            gp_progress_done(ctx, finished - reported); /* the caller's thread only */
            reported = finished;
            pthread_mutex_lock(&pl.mu);
        }
        pthread_mutex_unlock(&pl.mu);
        for (int t = 0; t < started; t++)
            pthread_join(th[t], NULL);
        pthread_cond_destroy(&pl.done);
        pthread_mutex_destroy(&pl.mu);
        if (started == 0)
            st = gp_fail(ctx, GP_ERR_INTERNAL, "cannot start a worker thread: the system is out of threads");
        else if (gp_stopped(ctx))
            st = gp_cancelled(ctx, "while the jobs ran");
    }
    for (int i = 0; pl.logs && i < n; i++) {
        gp_logbuf_flush(ctx, &pl.logs[i]);
        gp_logbuf_free(&pl.logs[i]);
    }
    for (long t = 0; w && t < nt; t++)
        gp_ctx_destroy(w[t].tctx);
    free(pl.logs), free(w), free(th);
    return st;
}
