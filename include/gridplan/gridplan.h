/*
 * gridplan — design and rebalance community management grids.
 *
 * Public API, part 1: version, status codes and the context object.
 * Every fallible function returns a gp_status (GP_OK = 0) and writes its
 * outputs through its last parameters; the detail of a failure (which file,
 * which line, which feature) is kept in the context and read with
 * gp_ctx_errmsg(). The library never exits and never prints: messages go
 * through the log callback set with gp_ctx_set_log().
 */
#ifndef GRIDPLAN_GRIDPLAN_H
#define GRIDPLAN_GRIDPLAN_H

#ifdef __cplusplus
extern "C" {
#endif

#define GP_VERSION_MAJOR 0
#define GP_VERSION_MINOR 1
#define GP_VERSION_PATCH 0
#define GP_VERSION_STRING "0.1.0"

/* Status codes. Values are part of the API: numbered explicitly, never
 * reused. Documented in docs/exit-codes.md together with the CLI exit codes
 * they map to. */
typedef enum gp_status {
    GP_OK = 0,
    GP_ERR_NOMEM = 1,      /* out of memory */
    GP_ERR_ARG = 2,        /* invalid argument to a library call */
    GP_ERR_IO = 3,         /* a file cannot be opened or read */
    GP_ERR_SCENARIO = 4,   /* the scenario file is invalid */
    GP_ERR_INPUT = 5,      /* input data is unusable: layer, field, value */
    GP_ERR_CRS = 6,        /* coordinate reference system missing or bad */
    GP_ERR_GEOMETRY = 7,   /* a geometry cannot be read or repaired */
    GP_ERR_GEOS = 8,       /* GEOS failed on an operation */
    GP_ERR_PROJ = 9,       /* PROJ failed to transform */
    GP_ERR_SOLVER = 10,    /* the solver failed (not: infeasible) */
    GP_ERR_INFEASIBLE = 11,/* bounds cannot be met in some community */
    GP_ERR_OUTPUT = 12,    /* the output cannot be written */
    GP_ERR_INTERNAL = 13,  /* a bug in gridplan: please report it */
    GP_ERR_CANCELLED = 14  /* the caller cancelled the call: nothing was written */
} gp_status;

/* Short English description of a status; never NULL, static storage. */
const char *gp_strerror(gp_status status);

/* Library version, e.g. "0.1.0"; static storage. */
const char *gp_version(void);

/* Versions of the libraries gridplan was built with and runs against
 * (GDAL, PROJ, GEOS, GLPK), one line each; static storage. */
const char *gp_version_libraries(void);

typedef enum gp_log_level {
    GP_LOG_ERROR = 0,
    GP_LOG_WARN = 1,
    GP_LOG_INFO = 2,
    GP_LOG_DEBUG = 3
} gp_log_level;

/* Log callback: msg is one line without a trailing newline, valid only
 * during the call.
 *
 * Threads: the callback is only ever called on the thread that called the
 * gridplan function, one call at a time, never from gridplan's own worker
 * threads: their messages are kept and delivered on the calling thread
 * when the jobs are done, job by job in community order, so a host such as
 * a GUI may touch its own objects in it. While a gridplan function runs,
 * the calling thread's numbers are in the "C" locale (gridplan reads and
 * writes '.' decimal points whatever LC_NUMERIC the host set), and so they
 * are in the callback. */
typedef void (*gp_log_fn)(void *user, gp_log_level level, const char *msg);

/* A context: one per thread that calls gridplan. It owns a GEOS handle,
 * the log callback and the detail of the last error. */
typedef struct gp_ctx gp_ctx;

/* Creates a context. The caller owns *out and frees it with
 * gp_ctx_destroy(). Errors: GP_ERR_ARG, GP_ERR_NOMEM, GP_ERR_GEOS. */
gp_status gp_ctx_create(gp_ctx **out);

/* Frees a context; NULL does nothing. */
void gp_ctx_destroy(gp_ctx *ctx);

/* Routes messages up to max_level to fn (NULL: no messages). */
void gp_ctx_set_log(gp_ctx *ctx, gp_log_fn fn, void *user, gp_log_level max_level);

/* Detail of the last error reported on ctx ("" if none); valid until the
 * next call on ctx. */
const char *gp_ctx_errmsg(const gp_ctx *ctx);

/* Cancelling a call.
 *
 * gp_ctx_cancel() asks the call running on ctx (gp_run, gp_validate, ...)
 * to stop: every stage checks between steps, the searches stop at their
 * next step (GLPK's branch-and-cut through its callback) and the worker
 * threads take no new job, so the call returns GP_ERR_CANCELLED within
 * about a second, having removed whatever it had begun to write; a
 * previous output in the same place is left as it was. It only stores a
 * flag, so it may be called from any thread and from a signal handler
 * (it is async-signal-safe). The request stays until gp_ctx_set_cancel()
 * is called: a call made on a cancelled context returns GP_ERR_CANCELLED
 * at once.
 *
 * gp_ctx_set_cancel() installs a function polled during a call: between
 * stages, every 64 units, rows of cells or communities in the loops that
 * load and atomize, and about ten times a second while the communities are
 * solved, always on the thread that made the call (like the log
 * callback), so that a host can tie it to its own cancel button; a
 * nonzero return cancels as gp_ctx_cancel() does. Keep it cheap: it may
 * be called some hundreds of times a second. fn may be NULL. It also
 * clears an earlier request. */
typedef int (*gp_cancel_fn)(void *user);
void gp_ctx_cancel(gp_ctx *ctx);
void gp_ctx_set_cancel(gp_ctx *ctx, gp_cancel_fn fn, void *user);

/* Progress of a long call (gp_run, gp_validate, gp_tessellate), reported
 * on the caller's thread: when a stage starts, as its communities or
 * workers finish (a few times a second at most), and when it ends. What
 * is reported never changes what is computed. */
typedef struct gp_progress {
    const char *stage;     /* "load", "atomize", ..., "commit"; static storage */
    const char *unit;      /* what done and total count ("communities"), or "" */
    int step, steps;       /* the stage's place among the call's stages, from 1 */
    long done, total;      /* total 0: the stage is not counted */
    int finished;          /* 1 on the stage's last report */
    double elapsed_s;      /* since the call began */
    double stage_elapsed_s;/* since the stage began */
} gp_progress;
typedef void (*gp_progress_fn)(void *user, const gp_progress *p);
/* Reports the progress of the calls on ctx to fn (NULL: none). With
 * processes (gp_ctx_use_mpi) only process 0 reports. */
void gp_ctx_set_progress(gp_ctx *ctx, gp_progress_fn fn, void *user);

#ifdef __cplusplus
}
#endif

#include "gridplan/scenario.h"
#include "gridplan/run.h"

#endif
