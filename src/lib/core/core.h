/*
 * core: the bottom layer of libgridplan. The context (GEOS handle, log,
 * error detail), strings and paths, locale-free numbers, growable arrays,
 * graph connectivity and a streaming JSON writer. Knows nothing above it.
 */
#ifndef GP_CORE_H
#define GP_CORE_H

#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gridplan/gridplan.h"

/* ---- context (ctx.c) ------------------------------------------------------ */

/* Messages a job records on a worker thread, to be logged in job order on
 * the caller's thread (see gp_ctx_set_log). */
typedef struct gp_logbuf {
    char *text;                  /* entries "<level digit><message>\0", back to back */
    size_t len, cap;
} gp_logbuf;

struct gp_ctx {
    GEOSContextHandle_t geos;
    gp_log_fn log_fn;
    void *log_user;
    gp_log_level log_max;
    gp_logbuf *logbuf;           /* non-NULL: messages go here instead of log_fn */
    char errmsg[2048];
    char geos_msg[512];
    atomic_int stop_flag;        /* a cancel request (the root context's) */
    atomic_int *stop;            /* the flag that counts: the root's, also in children */
    gp_cancel_fn cancel_fn;      /* polled on the caller's thread (root only) */
    void *cancel_user;
    int mpi_rank, mpi_size;      /* gp_ctx_use_mpi: this process among size (size 0: no MPI) */
    gp_progress_fn progress_fn;  /* the root context's only */
    void *progress_user;
    gp_progress progress;        /* the stage being reported */
    double progress_t0, progress_stage_t0, progress_last;
};

/* True once the call on ctx (or on the context it is a child of) has been
 * cancelled. On the caller's thread it also calls the host's cancel
 * function, so there call it a few times a second at most; on a worker
 * thread it only reads a flag. */
bool gp_stopped(gp_ctx *ctx);
/* For long loops on the caller's thread (loading, tessellating, atomizing):
 * the cancel flag on every call, the host's function (gp_stopped) on every
 * 64th; *tick is the loop's own counter, starting at 0. */
bool gp_stopped_tick(gp_ctx *ctx, unsigned *tick);
/* GP_ERR_CANCELLED with a message that names where the run stopped. */
gp_status gp_cancelled(gp_ctx *ctx, const char *where);

/* Progress (gp_ctx_set_progress), on the caller's thread only. A call
 * begins (t0 its start), then each stage begins, counts and ends. */
void gp_progress_call(gp_ctx *ctx, double t0);
void gp_progress_stage(gp_ctx *ctx, const char *stage, int step, int steps);
/* Adds n to what the stage counts (unit: "communities", ...). */
void gp_progress_total(gp_ctx *ctx, const char *unit, long n);
/* n more of the stage's total done; reported a few times a second at
 * most. Nothing when the stage counts nothing. */
void gp_progress_done(gp_ctx *ctx, long n);
void gp_progress_end(gp_ctx *ctx);

/* Records the detail of an error and returns status, so that callers can
 * write `return gp_fail(ctx, GP_ERR_INPUT, "...", ...)`. */
gp_status gp_fail(gp_ctx *ctx, gp_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void gp_log(gp_ctx *ctx, gp_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The last message GEOS gave on this context ("" if none). */
const char *gp_geos_lastmsg(gp_ctx *ctx);
/* A context for a worker thread with the log settings of parent, its
 * messages recorded in buf (see gp_logbuf_flush). */
gp_status gp_ctx_create_child(const gp_ctx *parent, gp_ctx **out);
/* Logs the messages of buf on ctx, in the order they were recorded, and
 * empties it. */
void gp_logbuf_flush(gp_ctx *ctx, gp_logbuf *buf);
void gp_logbuf_free(gp_logbuf *buf);

/* ---- strings, paths, files (str.c) ---------------------------------------- */

char *gp_strdup(const char *s);
char *gp_strndup(const char *s, size_t n);
char *gp_path_join(const char *dir, const char *path);   /* malloc'd */
char *gp_path_dirname(const char *path);                 /* malloc'd */
bool gp_path_is_abs(const char *path);
int gp_rmtree(const char *path);                         /* 0 on success */
/* Creates the folders leading to path (not path itself). */
gp_status gp_mkdirs(gp_ctx *ctx, const char *path);
/* Creates dir/name for writing (its path into path); NULL with the error
 * in ctx when it cannot. */
FILE *gp_out_open(gp_ctx *ctx, const char *dir, const char *name, char *path, size_t len);
/* Closes a file of gp_out_open; an error naming it when something was not
 * written (a full disk). */
gp_status gp_out_close(gp_ctx *ctx, FILE *f, const char *path);
double gp_now(void);                                     /* monotonic seconds */
/* FNV-1a 64-bit checksum of a file's bytes, as 16 hex digits; false on error. */
bool gp_file_checksum(const char *path, char out[17]);

/* ---- SHA-256 (sha256.c) ---------------------------------------------------- */

typedef struct gp_sha256 {
    uint32_t h[8];
    uint64_t len;                /* bytes so far */
    unsigned char buf[64];
    size_t fill;
} gp_sha256;
void gp_sha256_init(gp_sha256 *s);
void gp_sha256_update(gp_sha256 *s, const void *data, size_t n);
/* Finishes s and writes its 64 hex digits (and a NUL) to out. */
void gp_sha256_hex(gp_sha256 *s, char out[65]);

/* ---- numbers, whatever the host's locale (num.c) ------------------------- */

/* Strict number parse: the whole string (after trimming) must be a finite
 * number with a '.' decimal point. */
bool gp_parse_double(const char *s, double *out);
bool gp_parse_int(const char *s, long *out);
/* Parses "MIN..MAX" where either side may be empty; missing sides are
 * -inf / +inf. */
bool gp_parse_range(const char *s, double *lo, double *hi);
/* Switches the calling thread to the "C" locale for numbers until
 * gp_locale_leave with the value returned (a host such as QGIS may have
 * set a comma decimal point): every entry point of the library does this,
 * so that the printf family reads and writes '.' whatever the host set.
 * gp_locale_leave also gives the process back the LC_NUMERIC it had, should
 * a library have changed it meanwhile. */
void *gp_locale_enter(void);
void gp_locale_leave(void *saved);

/* ---- arrays (vec.c) ------------------------------------------------------- */

/* Makes room for at least need elements of size bytes in *arr (capacity
 * *cap, grown by doubling from 16); false when out of memory, *arr intact. */
bool gp_grow(void *arr, int *cap, int need, size_t size);

/* A zeroed element n of *arr (grown to hold it, as gp_grow); NULL when
 * out of memory. */
void *gp_grow_slot(void *arr, int *cap, int n, size_t size);

/* Growable arrays of int. */
typedef struct gp_ivec { int *v; int n, cap; } gp_ivec;
bool gp_ivec_push(gp_ivec *a, int x);
void gp_ivec_free(gp_ivec *a);
/* Sorts ascending (query results come in tree order: sort for determinism). */
void gp_ivec_sort(gp_ivec *a);

/* ---- graph connectivity (graph.c) ----------------------------------------- */

/* A graph in compressed rows: the neighbours of v are adj[xadj[v]] ..
 * adj[xadj[v + 1] - 1]. */
typedef struct gp_csr { int n; const int *xadj, *adj; } gp_csr;
/* Scratch for gp_csr_reach: queue and mark of n entries each (mark zeroed
 * once; stamp counts the searches). */
typedef struct gp_bfs { int *queue, *mark; int stamp; } gp_bfs;
bool gp_bfs_init(gp_bfs *b, int n);
void gp_bfs_free(gp_bfs *b);
/* How many vertices with label[v] == lab (every vertex when label is NULL)
 * a search from start reaches through such vertices, never entering skip
 * (-1: none). The vertices reached are b->queue[0 .. count). */
int gp_csr_reach(const gp_csr *g, const int *label, int lab, int start, int skip, gp_bfs *b);
/* True when the vertices with label[v] == lab form one connected piece
 * (label NULL: the whole graph); false for none or out of memory. */
bool gp_csr_connected(const gp_csr *g, const int *label, int lab);
/* Labels each connected piece 0, 1, ... in order of its lowest vertex;
 * returns how many (-1 when out of memory). */
int gp_csr_components(const gp_csr *g, int *comp);

/* ---- JSON writer (json.c) ------------------------------------------------- */

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
/* A key and its value in one call; kobj and karr open the value. */
void gp_json_kobj(gp_json *j, const char *key);
void gp_json_karr(gp_json *j, const char *key);
void gp_json_kstr(gp_json *j, const char *key, const char *s);
void gp_json_knstr(gp_json *j, const char *key, const char *s); /* s NULL: null */
void gp_json_knum(gp_json *j, const char *key, double v);
void gp_json_kint(gp_json *j, const char *key, long long v);
void gp_json_kbool(gp_json *j, const char *key, bool v);

#endif
