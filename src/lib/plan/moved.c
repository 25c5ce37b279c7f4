/* What changed against the plan in force: grids matched one to one by the
 * households they share, and the households whose grid is not their old
 * grid's match. */
#include <math.h>
#include <stdlib.h>

#include "plan/plan.h"

typedef struct lpair { int a, b; double w; } lpair;

static int cmp_lpair_ba(const void *x, const void *y)
{
    const lpair *p = x, *q = y;
    if (p->b != q->b)
        return (p->b > q->b) - (p->b < q->b);
    return (p->a > q->a) - (p->a < q->a);
}

static int cmp_lpair_w(const void *x, const void *y)
{
    const lpair *p = x, *q = y;
    if (p->w != q->w)
        return (p->w < q->w) - (p->w > q->w);
    return cmp_lpair_ba(x, y);
}

bool gp_match_labels(int n, const int *la, const int *lb, const double *w, int na, int nb, int *match_b)
{
    lpair *p = malloc(((size_t)n + 1) * sizeof *p);
    char *used = calloc((size_t)na + 1, 1);
    if (!p || !used) {
        free(p), free(used);
        return false;
    }
    int m = 0;
    for (int i = 0; i < n; i++)
        if (la[i] >= 0 && lb[i] >= 0)
            p[m++] = (lpair){la[i], lb[i], w[i]};
    qsort(p, (size_t)m, sizeof *p, cmp_lpair_ba);
    int np = 0; /* shared weight per (a, b) */
    for (int k = 0; k < m; k++) {
        if (np > 0 && p[np - 1].a == p[k].a && p[np - 1].b == p[k].b)
            p[np - 1].w += p[k].w;
        else
            p[np++] = p[k];
    }
    qsort(p, (size_t)np, sizeof *p, cmp_lpair_w);
    for (int b = 0; b < nb; b++)
        match_b[b] = -1;
    for (int k = 0; k < np; k++)
        if (p[k].w > 0 && match_b[p[k].b] < 0 && !used[p[k].a]) {
            match_b[p[k].b] = p[k].a;
            used[p[k].a] = 1;
        }
    free(p), free(used);
    return true;
}

/* Households moved from the existing plan: each new grid is matched to the
 * existing grid it shares most households with (gp_match_labels);
 * households of atoms whose existing grid is not their new grid's match,
 * or that lay in no existing grid, have moved. Memory is linear in atoms. */
double gp_plan_households_moved(gp_dataset *ds, const gp_plan *plan)
{
    int ng = plan->n_grids, ne = ds->n_existing, n = ds->n_atoms;
    for (int c = 0; c < ds->n_comms; c++)
        ds->comms[c].hh_moved = NAN;
    if (!ds->has_existing || ne == 0 || ng == 0)
        return -1;
    int *le = malloc(((size_t)n + 1) * sizeof *le), *lg = malloc(((size_t)n + 1) * sizeof *lg);
    double *hh = malloc(((size_t)n + 1) * sizeof *hh);
    int *gm = malloc((size_t)ng * sizeof *gm);
    double moved = NAN; /* out of memory */
    if (!le || !lg || !hh || !gm)
        goto done;
    for (int i = 0; i < n; i++) {
        le[i] = ds->atoms[i].existing;
        lg[i] = ds->atoms[i].grid;
        hh[i] = ds->atoms[i].v[GP_A_HH];
    }
    if (!gp_match_labels(n, le, lg, hh, ne, ng, gm))
        goto done;
    moved = 0;
    for (int c = 0; c < ds->n_comms; c++)
        ds->comms[c].hh_moved = 0;
    for (int i = 0; i < n; i++) {
        const gp_atom *a = &ds->atoms[i];
        if (a->existing < 0 || a->existing != gm[a->grid]) {
            moved += a->v[GP_A_HH];
            ds->comms[a->community].hh_moved += a->v[GP_A_HH];
        }
    }
done:
    free(le), free(lg), free(hh), free(gm);
    return moved;
}

