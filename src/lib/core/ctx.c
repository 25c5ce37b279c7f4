/* The context: status strings, versions, errors, logging (and the
 * messages of worker threads, kept for the caller's thread), and the GEOS
 * message handler. */
#include <gdal.h>
#include <glpk.h>
#include <proj.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

const char *gp_strerror(gp_status status)
{
    switch (status) {
    case GP_OK: return "success";
    case GP_ERR_NOMEM: return "out of memory";
    case GP_ERR_ARG: return "invalid argument";
    case GP_ERR_IO: return "file cannot be read";
    case GP_ERR_SCENARIO: return "invalid scenario file";
    case GP_ERR_INPUT: return "invalid input data";
    case GP_ERR_CRS: return "coordinate reference system missing or invalid";
    case GP_ERR_GEOMETRY: return "invalid geometry";
    case GP_ERR_GEOS: return "geometry operation failed";
    case GP_ERR_PROJ: return "coordinate transformation failed";
    case GP_ERR_SOLVER: return "solver failed";
    case GP_ERR_INFEASIBLE: return "bounds cannot be met";
    case GP_ERR_OUTPUT: return "output cannot be written";
    case GP_ERR_INTERNAL: return "internal error";
    case GP_ERR_CANCELLED: return "cancelled";
    }
    return "unknown status";
}

const char *gp_version(void) { return GP_VERSION_STRING; }

const char *gp_version_libraries(void)
{
    static _Thread_local char buf[512];
    PJ_INFO pi = proj_info();
    snprintf(buf, sizeof buf, "GDAL %s\nPROJ %s\nGEOS %s\nGLPK %s",
             GDALVersionInfo("RELEASE_NAME"), pi.version, GEOSversion(), glp_version());
    return buf;
}

static void geos_msg_handler(const char *msg, void *user)
{
    gp_ctx *ctx = user;
    snprintf(ctx->geos_msg, sizeof ctx->geos_msg, "%s", msg);
}

gp_status gp_ctx_create(gp_ctx **out)
{
    if (!out)
        return GP_ERR_ARG;
    *out = NULL;
    gp_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return GP_ERR_NOMEM;
    ctx->geos = GEOS_init_r();
    if (!ctx->geos) {
        free(ctx);
        return GP_ERR_GEOS;
    }
    GEOSContext_setErrorMessageHandler_r(ctx->geos, geos_msg_handler, ctx);
    GEOSContext_setNoticeMessageHandler_r(ctx->geos, NULL, NULL);
    ctx->log_max = GP_LOG_WARN;
    atomic_init(&ctx->stop_flag, 0);
    ctx->stop = &ctx->stop_flag;
    *out = ctx;
    return GP_OK;
}

void gp_ctx_destroy(gp_ctx *ctx)
{
    if (!ctx)
        return;
    GEOS_finish_r(ctx->geos);
    free(ctx);
}

void gp_ctx_set_log(gp_ctx *ctx, gp_log_fn fn, void *user, gp_log_level max_level)
{
    if (!ctx)
        return;
    ctx->log_fn = fn;
    ctx->log_user = user;
    ctx->log_max = max_level;
}

const char *gp_ctx_errmsg(const gp_ctx *ctx) { return ctx ? ctx->errmsg : ""; }

const char *gp_geos_lastmsg(gp_ctx *ctx) { return ctx->geos_msg; }

void gp_ctx_cancel(gp_ctx *ctx)
{
    if (ctx)
        atomic_store(ctx->stop, 1); /* lock-free: safe in a signal handler */
}

void gp_ctx_set_cancel(gp_ctx *ctx, gp_cancel_fn fn, void *user)
{
    if (!ctx)
        return;
    ctx->cancel_fn = fn;
    ctx->cancel_user = user;
    atomic_store(ctx->stop, 0);
}

bool gp_stopped(gp_ctx *ctx)
{
    if (atomic_load_explicit(ctx->stop, memory_order_relaxed))
        return true;
    /* the host's function only on its own thread; its callers (stage
     * boundaries, every 64th step of the long loops through
     * gp_stopped_tick, the pool's 100 ms wait) keep it to hundreds of
     * calls a second at most */
    if (ctx->cancel_fn && ctx->stop == &ctx->stop_flag && !ctx->logbuf && ctx->cancel_fn(ctx->cancel_user))
        atomic_store(ctx->stop, 1);
    return atomic_load(ctx->stop) != 0;
}

bool gp_stopped_tick(gp_ctx *ctx, unsigned *tick)
{
    if (atomic_load_explicit(ctx->stop, memory_order_relaxed))
        return true;
    return (*tick)++ % 64 == 0 && gp_stopped(ctx);
}

gp_status gp_cancelled(gp_ctx *ctx, const char *where)
{
    return gp_fail(ctx, GP_ERR_CANCELLED, "cancelled %s: nothing was written, and a previous output in the same "
                   "place is as it was", where);
}

gp_status gp_fail(gp_ctx *ctx, gp_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->errmsg, sizeof ctx->errmsg, fmt, ap);
    va_end(ap);
    return status;
}

void gp_log(gp_ctx *ctx, gp_log_level level, const char *fmt, ...)
{
    if (!ctx || !ctx->log_fn || level > ctx->log_max)
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    gp_logbuf *b = ctx->logbuf;
    if (!b) {
        ctx->log_fn(ctx->log_user, level, buf);
        return;
    }
    /* a worker thread: recorded, logged later on the caller's thread */
    size_t n = strlen(buf) + 2;
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2 > 4096 ? (b->len + n) * 2 : 4096;
        char *t = realloc(b->text, cap);
        if (!t)
            return; /* out of memory: the message is lost, nothing else */
        b->text = t;
        b->cap = cap;
    }
    b->text[b->len] = (char)('0' + level);
    memcpy(b->text + b->len + 1, buf, n - 1);
    b->len += n;
}

gp_status gp_ctx_create_child(const gp_ctx *parent, gp_ctx **out)
{
    gp_status st = gp_ctx_create(out);
    if (st == GP_OK) {
        gp_ctx_set_log(*out, parent->log_fn, parent->log_user, parent->log_max);
        (*out)->stop = parent->stop;
    }
    return st;
}

void gp_logbuf_flush(gp_ctx *ctx, gp_logbuf *b)
{
    for (size_t k = 0; b->text && k < b->len;) {
        const char *msg = b->text + k + 1;
        if (ctx->log_fn)
            ctx->log_fn(ctx->log_user, (gp_log_level)(b->text[k] - '0'), msg);
        k += strlen(msg) + 2;
    }
    b->len = 0;
}

void gp_logbuf_free(gp_logbuf *b)
{
    free(b->text);
    memset(b, 0, sizeof *b);
}
