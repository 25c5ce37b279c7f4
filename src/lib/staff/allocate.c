/* Head-count allocation across communities: an integer program over
 * classes of equal workers that evens workload per FTE, moving as few
 * people as it can, and as near as it can. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "staff/staff.h"

/* Centre of community c (its area centroid), for travel costs. */
static void comm_centre(gp_ctx *ctx, const gp_community *cm, double *x, double *y)
{
    *x = *y = NAN;
    GEOSGeometry *ct = cm->geom ? GEOSGetCentroid_r(ctx->geos, cm->geom) : NULL;
    if (ct) {
        GEOSGeomGetX_r(ctx->geos, ct, x);
        GEOSGeomGetY_r(ctx->geos, ct, y);
        GEOSGeom_destroy_r(ctx->geos, ct);
    }
}


/* Movable workers fall into classes of equals (home, FTE, whether they
 * hold grids today): the program decides how many of each class go where,
 * which has none of the symmetry of one variable per person. */
typedef struct wclass { int home; double fte; bool has_cur; int size; } wclass;

/* The allocation's program, inside gp_glpk_run: what it reads and the
 * arrays it fills, all the caller's. */
typedef struct alloc_job {
    const gp_config *cfg;
    gp_dataset *ds;
    const int *kmin, *kmax, *k;
    int nc, nw, ncl;
    double flo, fhi;
    bool by_workers;
    double fte, work;
    double *cx, *cy, *fixf, *fixh;
    int *kcol, *cls;
    const wclass *cl;
    int *n, *placed;
    gp_mip *m;
} alloc_job;

static gp_status alloc_model(gp_ctx *ctx, void *user)
{
    const alloc_job *J = user;
    const gp_config *cfg = J->cfg;
    gp_dataset *ds = J->ds;
    const int *kmin = J->kmin, *kmax = J->kmax, *k = J->k;
    int nc = J->nc, nw = J->nw, ncl = J->ncl, *kcol = J->kcol, *cls = J->cls, *n = J->n, *placed = J->placed;
    double flo = J->flo, fhi = J->fhi, fte = J->fte, work = J->work;
    const double *cx = J->cx, *cy = J->cy, *fixf = J->fixf, *fixh = J->fixh;
    const wclass *cl = J->cl;
    bool by_workers = J->by_workers;
    long max_tr = cfg->workers.max_transfers;
    int gpw = cfg->workers.grids_per_worker;
    double plo = cfg->workers.per_grid_lo;
    gp_mip *m = J->m;
    m->lp = glp_create_prob();
    glp_set_obj_dir(m->lp, GLP_MIN);
    /* n[q,c]: how many workers of class q serve community c; a move costs
     * a little, so that among equally even allocations fewer people move,
     * spare workers first, and to nearer communities */
    for (int q = 0; q < ncl; q++)
        for (int c = 0; c < nc; c++) {
            double cost = 0;
            if (c != cl[q].home && cl[q].home >= 0) {
                double d = isfinite(cx[c]) && isfinite(cx[cl[q].home])
                         ? hypot(cx[c] - cx[cl[q].home], cy[c] - cy[cl[q].home]) / 1000 : 0;
                cost = 1e-3 * (1 + cl[q].has_cur + d / 10);
            }
            n[q * nc + c] = gp_mip_icol(m, 0, cl[q].size, cost);
        }
    /* evenness: sum over communities of (F - t)^2 / t, F the community's
     * FTE and t its even share, as a convex piecewise-linear cost in steps
     * of the roster's FTE grain (an LP relaxation close to integral) */
    double grain = 0.5;
    for (int q = 0; q < ncl; q++)
        if (fabs(cl[q].fte / 0.5 - round(cl[q].fte / 0.5)) > 1e-9)
            grain = 0.1;
    for (int q = 0; q < ncl; q++)
        if (fabs(cl[q].fte / grain - round(cl[q].fte / grain)) > 1e-9)
            grain = 0.01;
    double movable = 0;
    for (int q = 0; q < ncl; q++)
        movable += cl[q].fte * cl[q].size;
    for (int q = 0; q < ncl; q++) {
        int r = gp_mip_row(m, cl[q].size, cl[q].size);
        for (int c = 0; c < nc; c++)
            gp_mip_coef(m, r, n[q * nc + c], 1);
    }
    for (int c = 0; c < nc; c++) {
        const gp_community *cm = &ds->comms[c];
        double t = work > 0 ? cm->work / work * fte : fte / nc; /* the even share */
        /* steps up to where the cost is far above what staying as today
         * would cost: never optimal beyond, and today's FTE stay allowed */
        double top = fmin(movable, fhi - fixf[c]);
        top = fmin(top, fmax(2 * t + 5, cm->fte0 - fixf[c] + 1));
        double g = grain;
        while (top / g > 2000)
            g *= 2;
        int r = gp_mip_row(m, flo - fixf[c], fhi - fixf[c]);
        int rd = gp_mip_row(m, 0, 0); /* sum of steps = movable FTE here */
        for (int q = 0; q < ncl; q++) {
            gp_mip_coef(m, r, n[q * nc + c], cl[q].fte);
            gp_mip_coef(m, rd, n[q * nc + c], cl[q].fte);
        }
        double tt = fmax(t, 0.1); /* a community without workload: F^2 / 0.1 */
        /* the steps price F above fixf: the constant makes the objective
         * the sum itself */
        glp_set_obj_coef(m->lp, 0, glp_get_obj_coef(m->lp, 0) + (fixf[c] - t) * (fixf[c] - t) / tt);
        for (double a = 0; a < top - 1e-12; a += g) {
            double b = fmin(a + g, top), fa = fixf[c] + a - t, fb = fixf[c] + b - t;
            int col = gp_mip_col(m, 0, b - a, (fb * fb - fa * fa) / tt / (b - a), false);
            gp_mip_coef(m, rd, col, -1);
        }
        if (by_workers) {
            /* k = floor(FTE) grids, within the counts the bounds allow */
            bool known = kmin && kmax && kmin[c] >= 1 && kmax[c] >= kmin[c];
            int lo = known ? kmin[c] : 1, hi = known ? kmax[c] : INT32_MAX / 2;
            kcol[c] = gp_mip_icol(m, lo, hi, 0);
            int rk = gp_mip_row(m, -fixf[c], 1 - 1e-3 - fixf[c]);
            for (int q = 0; q < ncl; q++)
                gp_mip_coef(m, rk, n[q * nc + c], cl[q].fte);
            gp_mip_coef(m, rk, kcol[c], -1);
        } else if (k && k[c] > 0) {
            /* enough heads for every grid: soft, so that a short roster
             * still gets the most even allocation (the assignment then
             * says what is missing) */
            int sl = gp_mip_col(m, 0, INFINITY, 10, false);
            int rs = gp_mip_row(m, k[c] * plo - gpw * fixh[c], INFINITY);
            for (int q = 0; q < ncl; q++)
                gp_mip_coef(m, rs, n[q * nc + c], gpw);
            gp_mip_coef(m, rs, sl, 1);
        }
    }
    if (max_tr >= 0) {
        int r = gp_mip_row(m, -INFINITY, (double)max_tr);
        for (int q = 0; q < ncl; q++)
            for (int c = 0; c < nc; c++)
                if (cl[q].home >= 0 && c != cl[q].home)
                    gp_mip_coef(m, r, n[q * nc + c], 1);
    }
    gp_mip_out mo;
    gp_work budget = gp_work_new(ctx, gp_staff_budget(cfg, glp_get_num_cols(m->lp)),
                            cfg->workers.time_limit > 0 ? gp_now() + cfg->workers.time_limit : 0);
    gp_status st = gp_mip_solve(ctx, m, &budget, cfg->solver.gap, true, &mo);
    ds->alloc_seconds = mo.seconds;
    if (!st && mo.status != GP_CS_INFEASIBLE) {
        ds->alloc_status = mo.status;
        ds->alloc_objective = mo.objective;
        ds->alloc_gap = mo.gap;
        /* who moves: for each class and destination, the members whose
         * base is nearest to it (roster order on ties); the rest stay */
        for (int q = 0; q < ncl; q++)
            for (int c = 0; c < nc; c++) {
                if (c == cl[q].home)
                    continue;
                long cnt = lround(gp_mip_val(m, n[q * nc + c]));
                for (long t = 0; t < cnt; t++) {
                    int best = -1;
                    double bd = INFINITY;
                    for (int i = 0; i < nw; i++) {
                        const gp_worker *w = &ds->workers[i];
                        if (cls[i] != q || placed[i])
                            continue;
                        double d = w->has_base && isfinite(cx[c]) ? hypot(w->bx - cx[c], w->by - cy[c]) : DBL_MAX;
                        if (best < 0 || d < bd)
                            best = i, bd = d;
                    }
                    if (best >= 0) {
                        placed[best] = 1;
                        ds->workers[best].comm = c;
                    }
                }
            }
        for (int c = 0; c < nc; c++) {
            ds->comms[c].fte1 = 0;
            ds->comms[c].n_workers = 0;
        }
        for (int i = 0; i < nw; i++) {
            gp_worker *w = &ds->workers[i];
            if (!placed[i])
                w->comm = w->home;
            if (w->comm >= 0) {
                ds->comms[w->comm].fte1 += w->fte;
                ds->comms[w->comm].n_workers++;
            }
            ds->n_transfers += w->home >= 0 && w->comm != w->home;
        }
        for (int c = 0; by_workers && c < nc; c++)
            ds->comms[c].k_workers = (int)lround(gp_mip_val(m, kcol[c]));
        double dev = 0;
        for (int c = 0; c < nc; c++) {
            double t = work > 0 ? ds->comms[c].work / work * fte : fte / nc;
            if (t > 0)
                dev = fmax(dev, fabs(ds->comms[c].fte1 - t) / t);
        }
        gp_log(ctx, GP_LOG_INFO, "allocation: %d transfers, largest deviation from the even share %.1f%% (%s, "
               "gap %.2g, %.2f s)", ds->n_transfers, 100 * dev, gp_comm_status_name(mo.status), mo.gap, mo.seconds);
    } else if (!st && !mo.proven_infeasible) {
        snprintf(ds->alloc_reason, sizeof ds->alloc_reason, "%s", budget.capped
                 ? "GLPK found no allocation before [workers] time_limit: raise it or [solver] effort"
                 : "GLPK found no allocation within its work budget: raise [solver] effort");
        gp_log(ctx, GP_LOG_WARN, "allocation: %s; the roster's communities are kept", ds->alloc_reason);
    } else if (!st) {
        snprintf(ds->alloc_reason, sizeof ds->alloc_reason, "no allocation of the %d workers meets [workers] "
                 "community_fte = %g..%g%s%s: widen the range, allow more transfers or unlock workers", nw, flo,
                 fhi, max_tr >= 0 ? " within [workers] max_transfers" : "",
                 by_workers ? " and gives each community a whole number of FTE within the grid counts its bounds "
                 "allow" : "");
        gp_log(ctx, GP_LOG_WARN, "allocation: %s; the roster's communities are kept", ds->alloc_reason);
    }
    return st;
}

gp_status gp_staff_allocate(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, const int *kmin, const int *kmax,
                            const int *k)
{
    if (!ds->has_workers || !cfg->workers.allocate)
        return GP_OK;
    int nc = ds->n_comms, nw = ds->n_workers;
    double flo = cfg->workers.community_fte.lo, fhi = cfg->workers.community_fte.hi;
    if (!isfinite(flo))
        flo = 0;
    bool by_workers = cfg->grid.count == GP_COUNT_WORKERS && !k;
    double fte = 0, work = 0;
    for (int i = 0; i < nw; i++)
        fte += ds->workers[i].fte;
    for (int c = 0; c < nc; c++)
        work += ds->comms[c].work;
    ds->allocated = true;
    ds->alloc_status = GP_CS_INFEASIBLE;
    ds->alloc_objective = ds->alloc_gap = NAN;
    ds->n_transfers = 0;
    if (flo * nc > fte + 1e-9) {
        snprintf(ds->alloc_reason, sizeof ds->alloc_reason, "[workers] community_fte asks at least %g FTE in each "
                 "of %d communities (%g in all) but the roster has %.1f: lower the minimum or add workers", flo, nc,
                 flo * nc, fte);
        gp_log(ctx, GP_LOG_WARN, "allocation: %s", ds->alloc_reason);
        return GP_OK;
    }
    size_t ncs = (size_t)(nc ? nc : 1), nws = (size_t)(nw ? nw : 1);
    double *cx = malloc(ncs * sizeof *cx), *cy = malloc(ncs * sizeof *cy);
    double *fixf = calloc(ncs, sizeof *fixf), *fixh = calloc(ncs, sizeof *fixh);
    int *kcol = calloc(ncs, sizeof *kcol), *cls = malloc(nws * sizeof *cls);
    wclass *cl = calloc(nws, sizeof *cl);
    int *n = NULL, *placed = NULL, ncl = 0;
    gp_mip *m = calloc(1, sizeof *m);
    gp_status st = GP_OK;
    if (!m || !cx || !cy || !fixf || !fixh || !kcol || !cls || !cl) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    for (int c = 0; c < nc; c++)
        comm_centre(ctx, &ds->comms[c], &cx[c], &cy[c]);
    for (int i = 0; i < nw; i++) {
        const gp_worker *w = &ds->workers[i];
        cls[i] = -1;
        if (w->fte <= 0 || w->locked) {
            if (w->home >= 0) {
                fixf[w->home] += w->fte;
                fixh[w->home] += w->fte > 0;
            }
            continue;
        }
        int q = 0;
        while (q < ncl && !(cl[q].home == w->home && cl[q].fte == w->fte && cl[q].has_cur == (w->n_cur > 0)))
            q++;
        if (q == ncl)
            cl[ncl++] = (wclass){w->home, w->fte, w->n_cur > 0, 0};
        cl[q].size++;
        cls[i] = q;
    }
    n = calloc((size_t)(ncl ? ncl : 1) * ncs, sizeof *n);
    placed = calloc(nws, sizeof *placed);
    if (!n || !placed) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    alloc_job J = {cfg, ds, kmin, kmax, k, nc, nw, ncl, flo, fhi, by_workers, fte, work, cx, cy, fixf, fixh, kcol,
                   cls, cl, n, placed, m};
    if ((st = gp_glpk_run(ctx, alloc_model, &J)) == GP_ERR_SOLVER) {
        m->lp = NULL; /* freed with GLPK's environment */
        st = gp_fail(ctx, GP_ERR_SOLVER, "allocation: GLPK failed: %s", ctx->errmsg);
    }
out:
    gp_mip_free(m);
    free(cx), free(cy), free(fixf), free(fixh), free(kcol), free(cls), free(cl), free(n), free(placed);
    return st;
}

