/* The assignment of named workers to one community's grids: a first
 * assignment built by hand (continuity, spare capacity, water-filled
 * shares) that an integer program improves or keeps: capacity, workers
 * per grid, grids per worker, continuity with today, travel. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "staff/staff.h"

/* Everything one community's assignment reads. */
typedef struct assign_in {
    int *w, nw;                  /* worker indexes */
    int *g, ng;                  /* plan grid indexes */
    double *ov;                  /* nw x ng: share of grid g's households that worker w held */
    double *dist;                /* nw x ng: metres from base to grid centre, NAN: no base */
} assign_in;

/* A first assignment for GLPK to start from, and the answer when GLPK finds
 * nothing better in time (it always exists):
 * 1. locked workers on their grids;
 * 2. heaviest grid first, the workers a grid still needs: one who held
 *    most of its households, else the one with the most spare capacity
 *    against their fair share; a grid nobody can take goes to "nobody";
 * 3. while some worker is idle or well below the others, they join the
 *    grid whose workers are most loaded per FTE (within per_grid and
 *    grids_per_worker);
 * 4. every grid's workload is split between its workers by water-filling,
 *    so that their loads per FTE come out as level as the grids allow.
 * Columns as in assign_one; NULL when out of memory. */
typedef struct assign_cols {
    const int *x, *y, *o;
    int rmax, rmin, ncols;
} assign_cols;

typedef struct greedy {
    int nw, ng;
    const double *fte, *wg;
    char *sel;                   /* nw x ng */
    double *y;                   /* nw x ng: shares */
    double *load;                /* nw */
} greedy;

/* Splits grid b's workload between its workers so that (other load +
 * share) / FTE is level where possible (bisection on the level). */
static void water_fill(greedy *G, int b)
{
    int nw = G->nw, ng = G->ng;
    double hi = 0;
    for (int a = 0; a < nw; a++)
        if (G->sel[a * ng + b]) {
            G->load[a] -= G->y[a * ng + b];
            G->y[a * ng + b] = 0;
            hi = fmax(hi, (G->load[a] + G->wg[b]) / G->fte[a]);
        }
    double lo = 0;
    for (int it = 0; it < 60; it++) {
        double mid = (lo + hi) / 2, sum = 0;
        for (int a = 0; a < nw; a++)
            if (G->sel[a * ng + b])
                sum += fmax(0, mid * G->fte[a] - G->load[a]);
        if (sum < G->wg[b])
            lo = mid;
        else
            hi = mid;
    }
    double sum = 0;
    for (int a = 0; a < nw; a++)
        if (G->sel[a * ng + b])
            sum += fmax(0, hi * G->fte[a] - G->load[a]);
    for (int a = 0; a < nw; a++)
        if (G->sel[a * ng + b]) {
            double v = sum > 0 ? fmax(0, hi * G->fte[a] - G->load[a]) * G->wg[b] / sum : 0;
            G->y[a * ng + b] = v;
            G->load[a] += v;
        }
}

static double *assign_start(const gp_dataset *ds, const assign_in *in, const double *wg, const int *lock_g,
                            double plo, double phi, int gpw, const assign_cols *col)
{
    int nw = in->nw, ng = in->ng;
    size_t nn = (size_t)nw * (size_t)ng + 1;
    double *warm = calloc((size_t)col->ncols + 1, sizeof *warm);
    greedy G = {nw, ng, NULL, wg, calloc(nn, 1), calloc(nn, sizeof(double)), calloc((size_t)nw + 1, sizeof(double))};
    double *fte = malloc(((size_t)nw + 1) * sizeof *fte);
    int *cnt = calloc((size_t)nw + 1, sizeof *cnt), *nwk = calloc((size_t)ng + 1, sizeof *nwk);
    int *ord = malloc(((size_t)ng + 1) * sizeof *ord);
    bool *nobody = calloc((size_t)ng + 1, sizeof *nobody);
    if (!warm || !G.sel || !G.y || !G.load || !fte || !cnt || !nwk || !ord || !nobody) {
        free(warm), free(G.sel), free(G.y), free(G.load), free(fte), free(cnt), free(nwk), free(ord), free(nobody);
        return NULL;
    }
    G.fte = fte;
    double ftot = 0, wtot = 0;
    for (int a = 0; a < nw; a++)
        ftot += fte[a] = ds->workers[in->w[a]].fte;
    for (int b = 0; b < ng; b++)
        wtot += wg[b];
    double rho = ftot > 0 ? wtot / ftot : 0; /* the fair load per FTE */
    for (int a = 0; a < nw; a++)
        if (lock_g[a] >= 0) {
            G.sel[a * ng + lock_g[a]] = 1;
            cnt[a]++;
            nwk[lock_g[a]]++;
            G.load[a] += wg[lock_g[a]] / plo;
        }
    for (int b = 0; b < ng; b++)
        ord[b] = b;
    for (int i = 1; i < ng; i++) /* heaviest first (insertion sort: stable) */
        for (int k = i; k > 0 && wg[ord[k]] > wg[ord[k - 1]]; k--) {
            int t = ord[k];
            ord[k] = ord[k - 1];
            ord[k - 1] = t;
        }
    for (int i = 0; i < ng; i++) {
        int b = ord[i];
        while (nwk[b] < plo) {
            int best = -1;
            double bk = -INFINITY;
            for (int a = 0; a < nw; a++) {
                if (cnt[a] >= gpw || G.sel[a * ng + b])
                    continue;
                double k = (in->ov[a * ng + b] >= 0.5 ? 1e6 : 0) + rho * fte[a] - G.load[a];
                if (k > bk)
                    bk = k, best = a;
            }
            if (best < 0)
                break;
            G.sel[best * ng + b] = 1;
            cnt[best]++;
            nwk[b]++;
            G.load[best] += wg[b] / plo;
        }
    }
    for (int b = 0; b < ng; b++)
        if (nwk[b] < plo) { /* cannot be staffed: nobody, and no one else */
            nobody[b] = true;
            for (int a = 0; a < nw; a++)
                if (G.sel[a * ng + b] && lock_g[a] != b) {
                    G.sel[a * ng + b] = 0;
                    cnt[a]--;
                    nwk[b]--;
                }
        }
    for (int a = 0; a < nw; a++)
        G.load[a] = 0;
    for (int b = 0; b < ng; b++)
        if (!nobody[b])
            water_fill(&G, b);
    /* idle or light workers join the most loaded grids */
    for (int round = 0; round < 2 * nw; round++) {
        int a = -1;
        double la = INFINITY;
        for (int k = 0; k < nw; k++)
            if (cnt[k] < gpw && G.load[k] / fte[k] < 0.9 * rho && G.load[k] / fte[k] < la)
                la = G.load[k] / fte[k], a = k;
        if (a < 0)
            break;
        int best = -1;
        double bl = 0;
        for (int b = 0; b < ng; b++) {
            if (nobody[b] || G.sel[a * ng + b] || nwk[b] + 1 > phi)
                continue;
            double l = 0;
            for (int k = 0; k < nw; k++)
                if (G.sel[k * ng + b])
                    l = fmax(l, G.load[k] / fte[k]);
            if (l > bl)
                bl = l, best = b;
        }
        if (best < 0 || bl <= la * 1.05)
            break;
        G.sel[a * ng + best] = 1;
        cnt[a]++;
        nwk[best]++;
        water_fill(&G, best);
    }
    for (int pass = 0; pass < 3; pass++)
        for (int b = 0; b < ng; b++)
            if (!nobody[b])
                water_fill(&G, b);
    double rmax = 0, rmin = INFINITY;
    for (int b = 0; b < ng; b++) {
        if (nobody[b]) {
            warm[col->x[nw * ng + b]] = 1;
            warm[col->y[nw * ng + b]] = wg[b];
        }
        for (int a = 0; a < nw; a++)
            if (G.sel[a * ng + b]) {
                warm[col->x[a * ng + b]] = 1;
                warm[col->y[a * ng + b]] = G.y[a * ng + b];
            }
    }
    for (int a = 0; a < nw; a++) {
        warm[col->o[a]] = fmax(0, G.load[a] - fte[a]);
        rmax = fmax(rmax, G.load[a] / fte[a]);
        rmin = fmin(rmin, G.load[a] / fte[a]);
    }
    warm[col->rmax] = rmax;
    warm[col->rmin] = isfinite(rmin) ? rmin : 0;
    free(G.sel), free(G.y), free(G.load), free(fte), free(cnt), free(nwk), free(ord), free(nobody);
    return warm;
}

/* One community's assignment program, inside gp_glpk_run: what it reads
 * and the arrays it fills, all the caller's. */
typedef struct assign_job {
    const gp_config *cfg;
    gp_dataset *ds;
    gp_plan *plan;
    int c;
    const assign_in *in;
    gp_mip *m;
    int *x, *y, *o, *lock_g;
    double *wg;
} assign_job;

static gp_status assign_model(gp_ctx *ctx, void *user)
{
    const assign_job *J = user;
    const gp_config *cfg = J->cfg;
    gp_dataset *ds = J->ds;
    gp_plan *plan = J->plan;
    const assign_in *in = J->in;
    gp_community *cm = &ds->comms[J->c];
    gp_mip *m = J->m;
    int nw = in->nw, ng = in->ng, *x = J->x, *y = J->y, *o = J->o, *lock_g = J->lock_g;
    double *wg = J->wg;
    double plo = cfg->workers.per_grid_lo, phi = cfg->workers.per_grid_hi;
    int gpw = cfg->workers.grids_per_worker;
    double wb = cfg->workers.balance, wc = cfg->workers.continuity, wt = cfg->workers.travel;
    double cap = ds->capacity, fte = 0;
    for (int a = 0; a < nw; a++)
        fte += ds->workers[in->w[a]].fte;
    double rho = fte > 0 ? cm->work / fte / cap : 1; /* community's mean load per FTE, in capacity units */
    if (!(rho > 0))
        rho = 1;
    m->lp = glp_create_prob();
    glp_set_obj_dir(m->lp, GLP_MIN);
    /* row nw of x / y is "nobody": a grid left unstaffed, at a cost above
     * any overload, so that every grid that can have a worker gets one */
    for (int a = 0; a <= nw; a++)
        for (int b = 0; b < ng; b++) {
            double cost;
            if (a == nw) {
                cost = 1e7; /* an unstaffed grid is the worst outcome */
            } else {
                double d = in->dist[a * ng + b];
                cost = wc * (1 - in->ov[a * ng + b]) + (isfinite(d) ? wt * d / 1000 : 0) + 0.01;
            }
            x[a * ng + b] = gp_mip_col(m, 0, 1, cost, true);
            y[a * ng + b] = gp_mip_col(m, 0, INFINITY, 0, false);
        }
    int rmax = gp_mip_col(m, 0, INFINITY, wb / rho, false), rmin = gp_mip_col(m, 0, INFINITY, -wb / rho, false);
    for (int b = 0; b < ng; b++)
        wg[b] = plan->grids[in->g[b]].v[GP_A_WORK] / cap;
    for (int b = 0; b < ng; b++) {
        int rs = gp_mip_row(m, plo, nw >= 1 ? phi : INFINITY);
        int rw = gp_mip_row(m, wg[b], wg[b]);
        for (int a = 0; a <= nw; a++) {
            gp_mip_coef(m, rs, x[a * ng + b], a == nw ? plo : 1);
            gp_mip_coef(m, rw, y[a * ng + b], 1);
            int r = gp_mip_row(m, -INFINITY, 0); /* no share without the grid */
            gp_mip_coef(m, r, y[a * ng + b], 1);
            gp_mip_coef(m, r, x[a * ng + b], -wg[b]);
            if (a < nw) { /* an unstaffed grid has nobody at all */
                int rx = gp_mip_row(m, -INFINITY, 1);
                gp_mip_coef(m, rx, x[a * ng + b], 1);
                gp_mip_coef(m, rx, x[nw * ng + b], 1);
            }
        }
    }
    for (int a = 0; a < nw; a++) {
        const gp_worker *w = &ds->workers[in->w[a]];
        o[a] = gp_mip_col(m, 0, INFINITY, 1e4, false); /* over capacity: a last resort */
        int rg = gp_mip_row(m, -INFINITY, gpw), rc = gp_mip_row(m, -INFINITY, w->fte);
        int r1 = gp_mip_row(m, 0, INFINITY), r2 = gp_mip_row(m, 0, INFINITY);
        for (int b = 0; b < ng; b++) {
            gp_mip_coef(m, rg, x[a * ng + b], 1);
            gp_mip_coef(m, rc, y[a * ng + b], 1);
            gp_mip_coef(m, r1, y[a * ng + b], -1);
            gp_mip_coef(m, r2, y[a * ng + b], 1);
        }
        gp_mip_coef(m, rc, o[a], -1);
        gp_mip_coef(m, r1, rmax, w->fte);
        gp_mip_coef(m, r2, rmin, -w->fte);
        lock_g[a] = -1;
        if (w->locked) {
            /* a locked worker keeps the grid that holds most of theirs */
            int best = -1;
            for (int b = 0; b < ng; b++)
                if (in->ov[a * ng + b] > 0 && (best < 0 || in->ov[a * ng + b] > in->ov[a * ng + best]))
                    best = b;
            if (best >= 0)
                glp_set_col_bnds(m->lp, x[a * ng + best], GLP_FX, 1, 1);
            lock_g[a] = best;
        }
    }
    assign_cols cols = {x, y, o, rmax, rmin, glp_get_num_cols(m->lp)};
    m->warm = assign_start(ds, in, wg, lock_g, plo, phi, gpw, &cols);
    if (!m->warm) {
        return GP_ERR_NOMEM;
    }
    gp_mip_out mo;
    gp_work budget = gp_work_new(ctx, gp_staff_budget(cfg, glp_get_num_cols(m->lp)),
                            cfg->workers.time_limit > 0 ? gp_now() + cfg->workers.time_limit : 0);
    gp_status st = gp_mip_solve(ctx, m, &budget, cfg->solver.gap, false, &mo);
    cm->wseconds = mo.seconds;
    cm->wobjective = mo.objective;
    cm->wgap = mo.gap;
    cm->wstatus = mo.status;
    if (st || mo.status == GP_CS_INFEASIBLE) {
        if (!st)
            snprintf(cm->wreason, sizeof cm->wreason, "%s", mo.proven_infeasible
                     ? "no assignment meets [workers] per_grid and grids_per_worker with the locked workers: unlock "
                       "a worker or widen per_grid"
                     : budget.capped ? "GLPK found no assignment before [workers] time_limit: raise it or [solver] effort"
                                : "GLPK found no assignment within its work budget: raise [solver] effort");
        return st;
    }
    int unstaffed = 0, over = 0;
    char grids_txt[160] = "", over_txt[200] = "";
    double over_sum = 0;
    for (int b = 0; b < ng; b++) {
        gp_grid *gr = &plan->grids[in->g[b]];
        if (gp_mip_val(m, x[nw * ng + b]) > 0.5) {
            if (unstaffed++ < 3)
                snprintf(grids_txt + strlen(grids_txt), sizeof grids_txt - strlen(grids_txt), "%s%s",
                         unstaffed > 1 ? ", " : "", gr->id);
            continue;
        }
        size_t len = 0;
        for (int a = 0; a < nw; a++)
            if (gp_mip_val(m, x[a * ng + b]) > 0.5)
                len += strlen(ds->workers[in->w[a]].id) + 1;
        free(gr->workers);
        gr->workers = calloc(len + 1, 1);
        if (!gr->workers) {
            return GP_ERR_NOMEM;
        }
        for (int a = 0; a < nw; a++)
            if (gp_mip_val(m, x[a * ng + b]) > 0.5) {
                if (gr->workers[0])
                    strcat(gr->workers, ";");
                strcat(gr->workers, ds->workers[in->w[a]].id);
            }
    }
    for (int a = 0; a < nw; a++) {
        gp_worker *w = &ds->workers[in->w[a]];
        w->load = 0;
        w->travel = w->has_base ? 0 : NAN;
        for (int b = 0; b < ng; b++)
            if (gp_mip_val(m, x[a * ng + b]) > 0.5) {
                if (!gp_ivec_push(&w->grids, in->g[b])) {
                    return GP_ERR_NOMEM;
                }
                w->load += gp_mip_val(m, y[a * ng + b]) * cap;
                if (w->has_base)
                    w->travel += in->dist[a * ng + b];
            }
        if (w->load > w->fte * cap * (1 + 1e-6)) {
            over_sum += w->load - w->fte * cap;
            if (over++ < 3)
                snprintf(over_txt + strlen(over_txt), sizeof over_txt - strlen(over_txt), "%s%s %.0f of %.0f",
                         over > 1 ? ", " : "", w->id, w->load, w->fte * cap);
        }
    }
    if (unstaffed) {
        cm->wstatus = GP_CS_INFEASIBLE;
        int need = ng * (int)plo, have = nw * gpw;
        snprintf(cm->wreason, sizeof cm->wreason, "%d of %d grids have no worker (%s%s): the community has %d "
                 "workers (%.1f FTE) serving at most %d grid%s each, and each grid needs %g: add %d worker%s, allow "
                 "[workers] grids_per_worker = %d, set [grid] count = workers, or move workers here with [workers] "
                 "allocate = yes", unstaffed, ng, grids_txt, unstaffed > 3 ? ", ..." : "", nw, fte, gpw,
                 gpw == 1 ? "" : "s", plo, (need - have + gpw - 1) / gpw > 0 ? (need - have + gpw - 1) / gpw : 1,
                 (need - have + gpw - 1) / gpw > 1 ? "s" : "", gpw + 1);
    } else if (over) {
        cm->wstatus = GP_CS_INFEASIBLE;
        double short_fte = (cm->work - fte * cap) / cap;
        snprintf(cm->wreason, sizeof cm->wreason, "%d worker%s over capacity (%s%s; capacity %.0f per FTE): %s",
                 over, over > 1 ? "s are" : " is", over_txt, over > 3 ? ", ..." : "", cap,
                 short_fte > 0 ? "the community's workload exceeds its workers' capacity; move workers here "
                 "([workers] allocate = yes), add workers or raise [workers] capacity"
                 : "no split of the grids fits their capacities; allow [workers] grids_per_worker or per_grid "
                   "sharing, or raise [workers] capacity");
        if (short_fte > 0)
            snprintf(cm->wreason + strlen(cm->wreason), sizeof cm->wreason - strlen(cm->wreason),
                     " (short by %.1f FTE)", short_fte);
    }
    (void)over_sum;
    return st;
}

static gp_status assign_one(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, gp_plan *plan, int c,
                            const assign_in *in)
{
    gp_community *cm = &ds->comms[c];
    int nw = in->nw, ng = in->ng;
    gp_mip *m = calloc(1, sizeof *m);
    int *x = malloc((size_t)(nw + 1) * (size_t)ng * sizeof *x), *y = malloc((size_t)(nw + 1) * (size_t)ng * sizeof *y);
    int *o = malloc((size_t)(nw ? nw : 1) * sizeof *o), *lock_g = malloc((size_t)(nw ? nw : 1) * sizeof *lock_g);
    double *wg = malloc((size_t)ng * sizeof *wg);
    gp_status st = GP_ERR_NOMEM;
    if (m && x && y && o && lock_g && wg) {
        assign_job J = {cfg, ds, plan, c, in, m, x, y, o, lock_g, wg};
        if ((st = gp_glpk_run(ctx, assign_model, &J)) == GP_ERR_SOLVER) {
            m->lp = NULL; /* freed with GLPK's environment */
            st = gp_fail(ctx, GP_ERR_SOLVER, "community '%s': worker assignment: GLPK failed: %s", cm->id,
                         ctx->errmsg);
        }
    }
    gp_mip_free(m);
    free(x), free(y), free(o), free(lock_g), free(wg);
    return st;
}

/* Whether a worker's duty changed: a new community, or less than half of
 * the households of their old and new grids together in both. */
static int worker_changed(const gp_dataset *ds, const gp_worker *w)
{
    if (w->home != w->comm)
        return 1;
    if (!ds->has_existing)
        return -1;
    if (w->n_cur == 0)
        return w->grids.n > 0;
    double both = 0, any = 0;
    for (int i = 0; i < ds->n_atoms; i++) {
        const gp_atom *at = &ds->atoms[i];
        bool in_new = false, in_old = false;
        for (int k = 0; k < w->grids.n && !in_new; k++)
            in_new = w->grids.v[k] == at->grid;
        for (int k = 0; k < w->n_cur && !in_old; k++)
            in_old = w->cur[k] == at->existing;
        both += in_new && in_old ? at->v[GP_A_HH] : 0;
        any += in_new || in_old ? at->v[GP_A_HH] : 0;
    }
    return any > 0 ? both < 0.5 * any : 0;
}

gp_status gp_staff_assign(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, gp_plan *plan,
                          const gp_staff_grids *sg, int c)
{
    gp_community *cm = &ds->comms[c];
    int ng_all = plan->n_grids;
    assign_in in = {0};
    in.w = malloc((size_t)(ds->n_workers ? ds->n_workers : 1) * sizeof *in.w);
    in.g = malloc((size_t)(ng_all ? ng_all : 1) * sizeof *in.g);
    int *gpos = malloc((size_t)(ng_all ? ng_all : 1) * sizeof *gpos);
    gp_status st = GP_OK;
    if (!in.w || !in.g || !gpos) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    for (int i = 0; i < ds->n_workers; i++)
        if (ds->workers[i].comm == c && ds->workers[i].fte > 0)
            in.w[in.nw++] = i;
    for (int g = 0; g < ng_all; g++) {
        gpos[g] = -1;
        if (plan->grids[g].community == c) {
            gpos[g] = in.ng;
            in.g[in.ng++] = g;
        }
    }
    cm->wstatus = GP_CS_PENDING;
    cm->wreason[0] = '\0';
    if (in.ng == 0)
        goto out;
    if (in.nw == 0) {
        cm->wstatus = GP_CS_INFEASIBLE;
        snprintf(cm->wreason, sizeof cm->wreason, "%d grid%s and no worker with capacity: add workers to the "
                 "roster or move some here with [workers] allocate = yes", in.ng, in.ng > 1 ? "s" : "");
        goto out;
    }
    in.ov = calloc((size_t)in.nw * (size_t)in.ng, sizeof *in.ov);
    in.dist = malloc((size_t)in.nw * (size_t)in.ng * sizeof *in.dist);
    if (!in.ov || !in.dist) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    for (int a = 0; a < in.nw; a++) {
        const gp_worker *w = &ds->workers[in.w[a]];
        for (int b = 0; b < in.ng; b++)
            in.dist[a * in.ng + b] = w->has_base ? hypot(w->bx - sg->gx[in.g[b]], w->by - sg->gy[in.g[b]]) : NAN;
    }
    /* continuity: households of each new grid that the worker held */
    for (int i = cm->first_atom; i < cm->first_atom + cm->n_atoms; i++) {
        const gp_atom *at = &ds->atoms[i];
        int b = gpos[at->grid];
        if (at->existing < 0 || b < 0 || sg->ghh[at->grid] <= 0)
            continue;
        for (int a = 0; a < in.nw; a++) {
            const gp_worker *w = &ds->workers[in.w[a]];
            for (int k = 0; k < w->n_cur; k++)
                if (w->cur[k] == at->existing) {
                    in.ov[a * in.ng + b] += at->v[GP_A_HH] / sg->ghh[at->grid];
                    break;
                }
        }
    }
    st = assign_one(ctx, cfg, ds, plan, c, &in);
out:
    free(in.w), free(in.g), free(in.ov), free(in.dist), free(gpos);
    return st;
}


void gp_staff_changed(gp_dataset *ds)
{
    for (int i = 0; i < ds->n_workers; i++)
        ds->workers[i].changed = worker_changed(ds, &ds->workers[i]);
}

gp_status gp_staff_grids_make(gp_ctx *ctx, const gp_plan *plan, gp_staff_grids *sg)
{
    int ng = plan->n_grids;
    sg->gx = malloc((size_t)(ng ? ng : 1) * sizeof *sg->gx);
    sg->gy = malloc((size_t)(ng ? ng : 1) * sizeof *sg->gy);
    sg->ghh = calloc((size_t)(ng ? ng : 1), sizeof *sg->ghh);
    if (!sg->gx || !sg->gy || !sg->ghh) {
        gp_staff_grids_free(sg);
        return GP_ERR_NOMEM;
    }
    for (int g = 0; g < ng; g++) {
        sg->gx[g] = sg->gy[g] = NAN;
        GEOSGeometry *ct = plan->grids[g].geom ? GEOSGetCentroid_r(ctx->geos, plan->grids[g].geom) : NULL;
        if (ct) {
            GEOSGeomGetX_r(ctx->geos, ct, &sg->gx[g]);
            GEOSGeomGetY_r(ctx->geos, ct, &sg->gy[g]);
            GEOSGeom_destroy_r(ctx->geos, ct);
        }
        sg->ghh[g] = plan->grids[g].v[GP_A_HH];
    }
    return GP_OK;
}

void gp_staff_grids_free(gp_staff_grids *sg)
{
    free(sg->gx), free(sg->gy), free(sg->ghh);
    sg->gx = sg->gy = sg->ghh = NULL;
}
