/* An update (gridplan update): which communities keep their previous grids
 * exactly, and why the others are solved again. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

static const char *const attr_unit[GP_NATTR] = {"households", "people", "cases", "of case load", "of workload"};

/* Whether a and b differ beyond rounding (NaN: not written, no change). */
static bool differs(double a, double b)
{
    return !isnan(a) && !isnan(b) && fabs(a - b) > 1e-9 * fmax(1, fmax(fabs(a), fabs(b)));
}

/* What changed among the atoms of community c (pc in the previous output)
 * since then: a sentence for the report. */
static void atoms_changed(const gp_dataset *ds, int c, const gp_prev_comm *pc, char *buf, size_t len)
{
    const gp_community *cm = &ds->comms[c];
    int fresh = 0, counts = 0, same = 0;
    char first[256] = "";
    for (int i = cm->first_atom; i < cm->first_atom + cm->n_atoms; i++) {
        const gp_atom *a = &ds->atoms[i];
        const gp_prev_atom *pa = gp_previous_atom(&ds->prev, a->id);
        if (!pa || strcmp(pa->community, cm->id) != 0) {
            fresh++;
            continue;
        }
        bool ch = false;
        for (int k = 0; k < GP_NATTR && !ch; k++)
            if (differs(a->v[k], pa->v[k])) {
                ch = true;
                if (!first[0])
                    snprintf(first, sizeof first, " (atom '%.80s': %s %.6g -> %.6g)", a->id, gp_attr_names[k],
                             pa->v[k], a->v[k]);
            }
        counts += ch;
        same += !ch;
    }
    int gone = pc->n_atoms - counts - same; /* its atoms then, as its report counted them */
    if (fresh || counts || gone)
        snprintf(buf, len, "its atoms changed since the previous output: %d with new counts%s, %d new, %d gone", counts,
                 first, fresh, gone > 0 ? gone : 0);
    else
        snprintf(buf, len, "its atoms changed since the previous output: same ids and counts, new polygons or "
                 "adjacency");
}

/* Whether the previous grids of community c (the atoms' existing grids)
 * still meet the bounds of tmpl and the count range kmin..kmax; else the
 * first bound broken into why. */
static bool still_meets(const gp_dataset *ds, const gp_part_problem *tmpl, int c, int kmin, int kmax, char *why,
                        size_t len)
{
    const gp_community *cm = &ds->comms[c];
    int n = cm->n_atoms, k = 0;
    int *lab = malloc((size_t)(n ? n : 1) * sizeof *lab), *grid_of = malloc((size_t)(n ? n : 1) * sizeof *grid_of);
    double(*sum)[GP_NATTR] = calloc((size_t)(n ? n : 1), sizeof *sum);
    bool *dedicated = calloc((size_t)(n ? n : 1), sizeof *dedicated), ok = true;
    if (!lab || !grid_of || !sum || !dedicated) {
        snprintf(why, len, "out of memory");
        ok = false;
        goto done;
    }
    for (int q = 0; q < n && ok; q++) {
        const gp_atom *a = &ds->atoms[cm->first_atom + q];
        if (a->existing < 0) {
            snprintf(why, len, "atom '%.80s' is in no previous grid", a->id);
            ok = false;
            break;
        }
        int g = 0;
        while (g < k && grid_of[g] != a->existing)
            g++;
        if (g == k)
            grid_of[k++] = a->existing;
        lab[q] = g;
        for (int t = 0; t < GP_NATTR; t++)
            sum[g][t] += a->v[t];
        dedicated[g] |= a->unit >= 0 && ds->units[a->unit].dedicated;
    }
    for (int g = 0; g < k && ok; g++) {
        if (dedicated[g])
            continue; /* a dedicated unit's own grid has no bounds */
        for (int t = 0; t < GP_NATTR && ok; t++) {
            bool above = sum[g][t] > tmpl->hi[t] * (1 + 1e-12), below = sum[g][t] < tmpl->lo[t] * (1 - 1e-12);
            if (above || below) {
                snprintf(why, len, "its grid '%.80s' has %.6g %s, %s the %s of %.6g", ds->existing[grid_of[g]].id,
                         sum[g][t], attr_unit[t], above ? "above" : "below", above ? "maximum" : "minimum",
                         above ? tmpl->hi[t] : tmpl->lo[t]);
                ok = false;
            }
        }
    }
    int nd = 0;
    for (int g = 0; g < k; g++)
        nd += dedicated[g];
    if (ok && (k - nd < kmin || k - nd > kmax)) {
        snprintf(why, len, "it has %d grids, and the bounds now allow %d..%d", k - nd, kmin, kmax);
        ok = false;
    }
done:
    free(lab), free(grid_of), free(sum), free(dedicated);
    return ok;
}

gp_status gp_update_decide(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, const gp_part_problem *tmpl)
{
    if (!ds->is_update)
        return GP_OK;
    /* this run's bounds, as the previous report has its own */
    char bounds[512] = "";
    const char *const bkeys[] = {"households", "population", "cases", "workload"};
    const gp_cfg_bound *cb[] = {&cfg->grid.households, &cfg->grid.population, &cfg->grid.cases, &cfg->grid.workload};
    for (int k = 0; k < 4; k++)
        if (cb[k]->set)
            gp_bounds_text(bounds, sizeof bounds, bkeys[k], cb[k]->lo, cb[k]->hi);
    snprintf(bounds + strlen(bounds), sizeof bounds - strlen(bounds), "count=%s",
             cfg->grid.count_text ? cfg->grid.count_text : "");
    int nc = ds->n_comms;
    int *kmin = malloc((size_t)(nc ? nc : 1) * sizeof *kmin), *kmax = malloc((size_t)(nc ? nc : 1) * sizeof *kmax);
    gp_status st = kmin && kmax ? gp_plan_count_ranges(ds, tmpl, kmin, kmax) : GP_ERR_NOMEM;
    int kept = 0;
    for (int c = 0; c < nc && !st; c++) {
        gp_community *cm = &ds->comms[c];
        const gp_prev_comm *pc = gp_previous_comm(&ds->prev, cm->id);
        cm->prev = pc ? (int)(pc - ds->prev.comms) : -1;
        cm->update = GP_UPD_REBALANCED; /* until the job says otherwise */
        char why[400] = "";
        bool ok = true;
        if (!pc)
            snprintf(cm->update_reason, sizeof cm->update_reason, "a new community: not in the previous output");
        else if (!pc->digest[0])
            snprintf(cm->update_reason, sizeof cm->update_reason, "the previous output has no atoms digest (written "
                     "by an older gridplan): solved again, from its grids");
        else if (strcmp(pc->digest, cm->atoms_digest) != 0)
            atoms_changed(ds, c, pc, cm->update_reason, sizeof cm->update_reason);
        else if (pc->status == GP_CS_INFEASIBLE && !(st = gp_job_check(ds, tmpl, c, &ok)) && !ok) {
            /* proven before and provable now by counting alone: another
             * search would write the same best plan */
            cm->update = GP_UPD_KEPT;
            snprintf(cm->update_reason, sizeof cm->update_reason, "its atoms are as before and it still cannot "
                     "meet the bounds: %.400s", cm->reason);
            kept++;
        } else if (pc->status == GP_CS_NOT_FOUND && ds->prev.effort == cfg->solver.effort &&
                   strcmp(ds->prev.bounds, bounds) == 0) {
            /* the same search with the same budget would find nothing
             * again: only a larger effort is worth another search */
            cm->update = GP_UPD_KEPT;
            snprintf(cm->update_reason, sizeof cm->update_reason, "its atoms are as before and the previous search, "
                     "with the same bounds and [solver] effort, found no plan within them: raise the effort (or "
                     "change the bounds) to search again");
            kept++;
        } else if (gp_comm_unmet(pc->status) || pc->status == GP_CS_PENDING)
            snprintf(cm->update_reason, sizeof cm->update_reason, "its previous grids did not meet the bounds "
                     "(status %s)", gp_comm_status_name(pc->status));
        else if (!still_meets(ds, tmpl, c, kmin[c], kmax[c], why, sizeof why))
            snprintf(cm->update_reason, sizeof cm->update_reason, "%s", why);
        else {
            cm->update = GP_UPD_KEPT;
            snprintf(cm->update_reason, sizeof cm->update_reason, "its atoms are as before and its grids meet "
                     "every bound");
            kept++;
        }
    }
    if (!st)
        gp_log(ctx, GP_LOG_INFO, "update of %s: %d of %d communities keep their grids", ds->prev.dir, kept, nc);
    free(kmin), free(kmax);
    return st;
}
