/* Context, status strings, logging, and the hooks that keep GEOS and GLPK
 * from printing or ending the process on their own. */
#include <gdal.h>
#include <glpk.h>
#include <proj.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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
    ctx->log_fn(ctx->log_user, level, buf);
}

/* ---- GLPK hooks ----------------------------------------------------------
 * GLPK is built with thread-local state here (glp_config("TLS")), so hooks
 * and environments are per thread; so are these variables. */

_Thread_local jmp_buf *gp_glpk_jmp;
static _Thread_local gp_ctx *glpk_ctx;
static _Thread_local char glpk_line[1024];
static _Thread_local char glpk_prev[2][512]; /* the last two whole lines */

static int glpk_term(void *info, const char *s)
{
    (void)info;
    /* GLPK writes pieces of lines; collect them and log whole lines. */
    size_t len = strlen(glpk_line);
    for (; *s; s++) {
        if (*s == '\n' || len + 1 >= sizeof glpk_line) {
            glpk_line[len] = '\0';
            if (len) {
                gp_log(glpk_ctx, GP_LOG_DEBUG, "glpk: %s", glpk_line);
                memcpy(glpk_prev[0], glpk_prev[1], sizeof glpk_prev[0]);
                snprintf(glpk_prev[1], sizeof glpk_prev[1], "%.500s", glpk_line);
            }
            len = 0;
            if (*s == '\n')
                continue;
        }
        glpk_line[len++] = *s;
    }
    glpk_line[len] = '\0';
    return 1; /* non-zero: GLPK prints nothing itself */
}

static void glpk_error(void *info)
{
    (void)info;
    jmp_buf *jb = gp_glpk_jmp;
    /* GLPK prints the message, then where it was detected, then calls us */
    if (glpk_ctx)
        gp_fail(glpk_ctx, GP_ERR_SOLVER, "GLPK error: %s (%s)", glpk_prev[0], glpk_prev[1]);
    glpk_line[0] = glpk_prev[0][0] = glpk_prev[1][0] = '\0';
    /* The GLPK environment is unusable after an error: free all its memory
     * (problems included) before leaving. */
    glp_free_env();
    if (jb)
        longjmp(*jb, 1);
    abort(); /* unreachable: gp_glpk_hooks_install always sets the jump target */
}

void gp_glpk_hooks_install(gp_ctx *ctx, jmp_buf *jb)
{
    glpk_ctx = ctx;
    gp_glpk_jmp = jb;
    glpk_line[0] = glpk_prev[0][0] = glpk_prev[1][0] = '\0';
    glp_term_hook(glpk_term, NULL);
    glp_error_hook(glpk_error, NULL);
}

void gp_glpk_hooks_remove(void)
{
    glp_error_hook(NULL, NULL);
    glp_term_hook(NULL, NULL);
    gp_glpk_jmp = NULL;
    glpk_ctx = NULL;
}
