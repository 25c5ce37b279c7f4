/* Progress of a long call (gp_ctx_set_progress): reported on the caller's
 * thread only, and never read back by a decision. */
#include "core/core.h"

void gp_ctx_set_progress(gp_ctx *ctx, gp_progress_fn fn, void *user)
{
    if (!ctx)
        return;
    ctx->progress_fn = fn;
    ctx->progress_user = user;
}

/* only the caller's own context reports, and with processes only process 0 */
static bool reports(const gp_ctx *ctx) { return ctx->progress_fn && !ctx->logbuf && ctx->mpi_rank == 0; }

static void progress_emit(gp_ctx *ctx, double now)
{
    ctx->progress.elapsed_s = now - ctx->progress_t0;
    ctx->progress.stage_elapsed_s = now - ctx->progress_stage_t0;
    ctx->progress_last = now;
    ctx->progress_fn(ctx->progress_user, &ctx->progress);
}

void gp_progress_call(gp_ctx *ctx, double t0) { ctx->progress_t0 = t0; }

void gp_progress_stage(gp_ctx *ctx, const char *stage, int step, int steps)
{
    ctx->progress = (gp_progress){.stage = stage, .unit = "", .step = step, .steps = steps};
    ctx->progress_stage_t0 = gp_now();
    if (reports(ctx))
        progress_emit(ctx, ctx->progress_stage_t0);
}

void gp_progress_total(gp_ctx *ctx, const char *unit, long n)
{
    ctx->progress.unit = unit;
    ctx->progress.total += n;
    if (reports(ctx))
        progress_emit(ctx, gp_now());
}

void gp_progress_done(gp_ctx *ctx, long n)
{
    if (n <= 0 || ctx->progress.total == 0)
        return;
    ctx->progress.done += n;
    double now = gp_now();
    if (reports(ctx) && (now - ctx->progress_last >= 0.25 || ctx->progress.done >= ctx->progress.total))
        progress_emit(ctx, now);
}

void gp_progress_end(gp_ctx *ctx)
{
    if (!ctx->progress.stage)
        return;
    ctx->progress.finished = 1;
    if (ctx->progress.done < ctx->progress.total)
        ctx->progress.done = ctx->progress.total;
    if (reports(ctx))
        progress_emit(ctx, gp_now());
}
