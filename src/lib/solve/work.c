/* Work budgets: what a search may spend, in units of work rather than
 * seconds (see solve.h). The rates below make a unit cost about the same
 * everywhere (measured with bench/run-budget): a plan never depends on
 * them being exact, only the run time does. */
#include <limits.h>
#include <math.h>

#include "solve/solve.h"

gp_work gp_work_new(gp_ctx *ctx, double limit, double deadline)
{
    return (gp_work){limit, 0, deadline > 0 ? deadline : INFINITY, false, 0, ctx ? ctx->stop : NULL};
}

double gp_work_left(const gp_work *w)
{
    if (w->capped || (w->stop && atomic_load_explicit(w->stop, memory_order_relaxed)))
        return 0;
    return w->used < w->limit ? w->limit - w->used : 0;
}

bool gp_work_spend(gp_work *w, double units)
{
    w->used += units;
    if (!w->capped && isfinite(w->deadline) && gp_now() > w->deadline)
        w->capped = true; /* the safety cap: reported, never a plan's reason */
    return gp_work_left(w) > 0;
}

gp_work gp_work_part(const gp_work *w, double units)
{
    double left = gp_work_left(w);
    return (gp_work){units < left ? units : left, 0, w->deadline, w->capped, 0, w->stop};
}

void gp_work_join(gp_work *w, const gp_work *part)
{
    w->used += part->used;
    w->capped |= part->capped;
}

double gp_work_iteration(int rows, int cols)
{
    /* a dual simplex iteration prices the rows and updates a column: about
     * a unit per 40 of them */
    return 1.0 + (rows + (double)cols) / 40.0;
}

int gp_work_it_lim(const gp_work *w, double cost)
{
    double n = ceil(gp_work_left(w) / cost);
    return n < 1 ? 1 : n > INT_MAX / 2 ? INT_MAX / 2 : (int)n;
}

int gp_work_tm_lim(const gp_work *w)
{
    if (!isfinite(w->deadline))
        return INT_MAX;
    double ms = (w->deadline - gp_now()) * 1000;
    return ms < 1 ? 1 : ms > INT_MAX / 2 ? INT_MAX / 2 : (int)ms;
}
