/* One community's problem: the scenario's bounds, count and weights as a
 * template, the community's atoms less its dedicated units with their
 * graph, plan in force and lock groups, and what the bounds allow before
 * any search. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

void gp_plan_template(const gp_config *cfg, gp_part_problem *p)
{
    memset(p, 0, sizeof *p);
    for (int a = 0; a < GP_NATTR; a++) {
        p->lo[a] = -INFINITY;
        p->hi[a] = INFINITY;
    }
    const struct { const gp_cfg_bound *b; int attr; } B[] = {{&cfg->grid.households, GP_A_HH},
        {&cfg->grid.population, GP_A_POP}, {&cfg->grid.cases, GP_A_CASES}, {&cfg->grid.workload, GP_A_WORK}};
    for (int b = 0; b < 4; b++)
        if (B[b].b->set)
            p->lo[B[b].attr] = B[b].b->lo, p->hi[B[b].attr] = B[b].b->hi;
    p->k_min = 1;
    p->k_max = 0;
    if (cfg->grid.count == GP_COUNT_FIXED || cfg->grid.count == GP_COUNT_RANGE)
        p->k_min = cfg->grid.count_min, p->k_max = cfg->grid.count_max;
    /* the attribute that sets the grid count and leads region growing */
    if (isfinite(p->lo[GP_A_HH]) || isfinite(p->hi[GP_A_HH]))
        p->primary = GP_A_HH;
    else if (isfinite(p->lo[GP_A_POP]) || isfinite(p->hi[GP_A_POP]))
        p->primary = GP_A_POP;
    else if (isfinite(p->lo[GP_A_WORK]) || isfinite(p->hi[GP_A_WORK]))
        p->primary = GP_A_WORK;
    else if (isfinite(p->lo[GP_A_CASES]) || isfinite(p->hi[GP_A_CASES]))
        p->primary = GP_A_CASES;
    else
        p->primary = cfg->input.units_households.given ? GP_A_HH : GP_A_POP;
    p->w_balance = cfg->objective.balance;
    p->w_compact = cfg->objective.compactness;
    p->w_stability = cfg->objective.stability;
    p->seed = cfg->solver.seed;
    p->gap = cfg->solver.gap;
}

/* The run's work budget for effort 1, in units (solve.h): a base for the
 * run, a base per community and a share per atom; design.md, "Work
 * budgets". */
#define BUDGET_RUN 5e6
#define BUDGET_BASE 2e5
#define BUDGET_ATOM 4e3

double gp_plan_budgets(const gp_config *cfg, const gp_dataset *ds, double *whole)
{
    double sum = 0;
    for (int c = 0; c < ds->n_comms; c++)
        sum += whole[c] = BUDGET_BASE + BUDGET_ATOM * ds->comms[c].n_atoms;
    /* the run's base goes to the communities in proportion to their own */
    double scale = sum > 0 ? cfg->solver.effort * (sum + BUDGET_RUN) / sum : 0;
    for (int c = 0; c < ds->n_comms; c++)
        whole[c] *= scale;
    return sum * scale;
}

void gp_job_init(gp_job *j, gp_dataset *ds, const gp_part_problem *tmpl, int c)
{
    memset(j, 0, sizeof *j);
    j->ds = ds;
    j->tmpl = tmpl;
    j->c = c;
}

void gp_job_free(gp_job *j)
{
    gp_part_result_free(&j->res);
    free(j->v), free(j->x), free(j->y), free(j->xadj), free(j->adj), free(j->existing), free(j->lock);
    free(j->lock_names), free(j->names), free(j->full);
}


bool gp_job_build(gp_job *j)
{
    const gp_dataset *ds = j->ds;
    const gp_community *cm = &ds->comms[j->c];
    int n = cm->n_atoms, first = cm->first_atom;
    j->p = *j->tmpl;
    if (cm->k_workers > 0) /* count = workers */
        j->p.k_min = j->p.k_max = cm->k_workers;
    j->objective = j->bound = NAN;
    j->p.n = 0;
    if (n == 0)
        return true;
    /* dedicated units are grids of their own, outside the search: the
     * problem holds the other atoms, renumbered (full[q] = atom index) */
    j->full = malloc((size_t)n * sizeof *j->full);
    int *pos = malloc((size_t)n * sizeof *pos);
    if (!j->full || !pos) {
        free(pos);
        j->st = GP_ERR_NOMEM;
        return false;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
        const gp_atom *a = &ds->atoms[first + i];
        bool ded = a->unit >= 0 && ds->units[a->unit].dedicated;
        pos[i] = ded ? -1 : m;
        if (!ded)
            j->full[m++] = i;
    }
    j->n_full = n;
    j->n_dedicated = n - m;
    j->p.n = m;
    int ne = 0;
    for (int q = 0; q < m; q++) {
        int i = first + j->full[q];
        for (int e = ds->xadj[i]; e < ds->xadj[i + 1]; e++)
            ne += pos[ds->adj[e] - first] >= 0;
    }
    j->v = malloc((size_t)(m ? m : 1) * sizeof *j->v);
    j->x = malloc((size_t)(m ? m : 1) * sizeof *j->x);
    j->y = malloc((size_t)(m ? m : 1) * sizeof *j->y);
    j->xadj = malloc((size_t)(m + 1) * sizeof *j->xadj);
    j->adj = malloc((size_t)(ne ? ne : 1) * sizeof *j->adj);
    j->existing = ds->has_existing ? malloc((size_t)(m ? m : 1) * sizeof *j->existing) : NULL;
    j->names = malloc((size_t)(m ? m : 1) * sizeof *j->names);
    if (!j->v || !j->x || !j->y || !j->xadj || !j->adj || !j->names || (ds->has_existing && !j->existing)) {
        free(pos);
        j->st = GP_ERR_NOMEM;
        return false;
    }
    ne = 0;
    for (int q = 0; q < m; q++) {
        const gp_atom *a = &ds->atoms[first + j->full[q]];
        memcpy(j->v[q], a->v, sizeof j->v[q]);
        j->x[q] = a->cx;
        j->y[q] = a->cy;
        j->names[q] = a->id;
        if (j->existing)
            j->existing[q] = a->existing;
        j->xadj[q] = ne;
        int i = first + j->full[q];
        for (int e = ds->xadj[i]; e < ds->xadj[i + 1]; e++)
            if (pos[ds->adj[e] - first] >= 0)
                j->adj[ne++] = pos[ds->adj[e] - first];
    }
    j->xadj[m] = ne;
    free(pos);
    j->p.existing = j->existing;
    /* locked units: one group per lock label, in order of first atom */
    for (int q = 0; q < m; q++) {
        const gp_atom *a = &ds->atoms[first + j->full[q]];
        const char *lk = a->unit >= 0 ? ds->units[a->unit].lock : NULL;
        if (!lk)
            continue;
        if (!j->lock) {
            j->lock = malloc((size_t)m * sizeof *j->lock);
            j->lock_names = calloc((size_t)m, sizeof *j->lock_names);
            if (!j->lock || !j->lock_names) {
                j->st = GP_ERR_NOMEM;
                return false;
            }
            for (int r = 0; r < m; r++)
                j->lock[r] = -1;
        }
        int g = 0;
        while (g < j->p.n_locks && strcmp(j->lock_names[g], lk) != 0)
            g++;
        if (g == j->p.n_locks)
            j->lock_names[j->p.n_locks++] = lk;
        j->lock[q] = g;
    }
    j->p.lock = j->lock;
    j->p.lock_names = j->lock_names;
    j->p.names = j->names;
    j->p.v = (const double(*)[GP_NATTR])j->v;
    j->p.x = j->x;
    j->p.y = j->y;
    j->p.xadj = j->xadj;
    j->p.adj = j->adj;
    return true;
}

gp_status gp_job_check(gp_dataset *ds, const gp_part_problem *tmpl, int c, bool *ok)
{
    /* the same problem a run builds (dedicated units out, locks in) */
    gp_community *cm = &ds->comms[c];
    gp_job j;
    gp_job_init(&j, ds, tmpl, c);
    *ok = true;
    if (!gp_job_build(&j)) {
        gp_status st = j.st;
        gp_job_free(&j);
        return st;
    }
    gp_csr graph = gp_part_graph(&j.p);
    int kmin, kmax;
    if (cm->n_atoms == 0) {
        *ok = false;
        snprintf(cm->reason, sizeof cm->reason, "no unit lies in this community");
    } else if (j.p.n > 0 && j.n_dedicated > 0 && !gp_csr_connected(&graph, NULL, 0)) {
        *ok = false;
        snprintf(cm->reason, sizeof cm->reason, "the dedicated units cut the rest of the community apart");
    } else if (j.p.n > 0) {
        *ok = gp_part_count_range(&j.p, &kmin, &kmax, cm->reason, sizeof cm->reason);
        for (int g = 0; *ok && j.p.lock && g < j.p.n_locks; g++)
            if (!gp_part_connected(&j.p, j.p.lock, g)) {
                *ok = false;
                snprintf(cm->reason, sizeof cm->reason, "the units locked to '%s' are not contiguous",
                         j.p.lock_names[g]);
            }
    }
    gp_job_free(&j);
    return GP_OK;
}

gp_status gp_plan_count_ranges(gp_dataset *ds, const gp_part_problem *tmpl, int *kmin, int *kmax)
{
    for (int c = 0; c < ds->n_comms; c++) {
        gp_job j;
        gp_job_init(&j, ds, tmpl, c);
        kmin[c] = kmax[c] = 0;
        if (!gp_job_build(&j)) {
            gp_status st = j.st;
            gp_job_free(&j);
            return st;
        }
        char why[512];
        j.p.k_min = 1, j.p.k_max = 0;
        if (j.p.n > 0 && !gp_part_count_range(&j.p, &kmin[c], &kmax[c], why, sizeof why))
            kmin[c] = kmax[c] = 0;
        if (kmin[c] >= 1)
            kmin[c] += j.n_dedicated, kmax[c] += j.n_dedicated;
        gp_job_free(&j);
    }
    return GP_OK;
}

