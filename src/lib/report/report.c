/* report.json: every figure a planner or a batch job needs to trust a run
 * (fields documented in docs/report.md); and the report's table of files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/report.h"

static void input_obj(gp_json *j, const char *key, const gp_input_info *in)
{
    gp_json_kobj(j, key);
    gp_json_kstr(j, "path", in->path);
    gp_json_kstr(j, "layer", in->layer);
    gp_json_kstr(j, "crs", in->crs);
    gp_json_kint(j, "features", in->features);
    gp_json_kstr(j, "checksum_fnv1a64", in->checksum);
}

static void minmax(gp_json *j, const char *key, double mn, double mx, double total)
{
    gp_json_kobj(j, key);
    gp_json_knum(j, "min", mn);
    gp_json_knum(j, "max", mx);
    gp_json_knum(j, "total", total);
    gp_json_obj_end(j);
}

static void mass(gp_json *j, const char *key, double in, double atoms, double grids)
{
    gp_json_kobj(j, key);
    gp_json_knum(j, "input", in);
    gp_json_knum(j, "atoms", atoms);
    gp_json_knum(j, "grids", grids);
    gp_json_key(j, "relative_error");
    double d = fmax(fabs(in - atoms), fabs(in - grids));
    gp_json_num(j, in != 0 ? d / fabs(in) : d);
    gp_json_obj_end(j);
}

gp_status gp_report_json(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, const gp_plan *plan,
                         const gp_output *out, double elapsed, FILE *f)
{
    gp_json j;
    gp_json_init(&j, f);
    gp_json_obj_begin(&j);
    gp_json_kstr(&j, "version", GP_VERSION_STRING);
    gp_json_kstr(&j, "scenario", cfg->path);
    char when[64];
    time_t t = time(NULL);
    struct tm tmv;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tmv));
    gp_json_kstr(&j, "created", when);
    gp_json_kstr(&j, "crs", ds->crs);
    gp_json_kstr(&j, "output_crs", out->crs_name);
    /* one line a batch job compares: the same input, scenario and seed give
     * the same digest on any machine, unless the safety cap cut a search */
    int capped = plan->time_capped + (ds->has_workers && ds->alloc_status == GP_CS_TIME_CAPPED);
    for (int c = 0; ds->has_workers && c < ds->n_comms; c++)
        capped += ds->comms[c].wstatus == GP_CS_TIME_CAPPED;
    gp_json_kstr(&j, "plan_digest", plan->digest);
    gp_json_kbool(&j, "reproducible", capped == 0);
    gp_json_kobj(&j, "solver");
    gp_json_knum(&j, "effort", cfg->solver.effort);
    gp_json_knum(&j, "work_budget", round(plan->budget));
    gp_json_knum(&j, "work_units", round(plan->units));
    gp_json_knum(&j, "time_limit", cfg->solver.time_limit > 0 ? cfg->solver.time_limit : NAN);
    gp_json_kint(&j, "time_capped", capped);
    gp_json_kint(&j, "seed", cfg->solver.seed);
    gp_json_obj_end(&j);
    gp_json_karr(&j, "formats");
    for (int k = 0; out->formats[k]; k++)
        gp_json_str(&j, gp_format_name(out->formats[k]));
    gp_json_arr_end(&j);

    gp_json_kobj(&j, "inputs");
    input_obj(&j, "units", &ds->in_units);
    gp_json_kobj(&j, "sums");
    if (cfg->input.units_households.given) {
        gp_json_knum(&j, "households", ds->in_units.sum_hh);
    }
    if (cfg->input.units_population.given) {
        gp_json_knum(&j, "population", ds->in_units.sum_pop);
    }
    gp_json_obj_end(&j);
    gp_json_obj_end(&j);
    if (ds->in_comms.path) {
        input_obj(&j, "communities", &ds->in_comms);
        gp_json_obj_end(&j);
    }
    if (ds->has_cases) {
        input_obj(&j, "cases", &ds->in_cases);
        gp_json_kobj(&j, "sums");
        gp_json_kint(&j, "cases", ds->n_cases);
        gp_json_obj_end(&j);
        gp_json_kobj(&j, "types");
        for (int ty = 0; ty < ds->n_case_types; ty++) {
            int cnt = 0;
            for (int k = 0; k < ds->n_cases; k++)
                cnt += ds->cases[k].type == ty;
            gp_json_kobj(&j, ds->case_types[ty]);
            gp_json_kint(&j, "count", cnt);
            gp_json_knum(&j, "weight", ds->case_weights[ty]);
            gp_json_obj_end(&j);
        }
        gp_json_obj_end(&j);
        gp_json_obj_end(&j);
    }
    if (ds->has_existing) {
        input_obj(&j, "existing_plan", &ds->in_existing);
        gp_json_obj_end(&j);
    }
    if (ds->has_workers) {
        input_obj(&j, "workers", &ds->in_workers);
        gp_json_obj_end(&j);
    }
    gp_json_obj_end(&j);

    gp_json_kobj(&j, "bounds");
    static const char *bkeys[] = {"households", "population", "cases", "workload"};
    const gp_cfg_bound *bounds[] = {&cfg->grid.households, &cfg->grid.population, &cfg->grid.cases,
                                    &cfg->grid.workload};
    for (int b = 0; b < 4; b++) {
        double lo = bounds[b]->lo, hi = bounds[b]->hi;
        if (!bounds[b]->set)
            continue;
        gp_json_kobj(&j, bkeys[b]);
        gp_json_knum(&j, "min", isfinite(lo) ? lo : NAN);
        gp_json_knum(&j, "max", isfinite(hi) ? hi : NAN);
        gp_json_obj_end(&j);
    }
    gp_json_kstr(&j, "count", cfg->grid.count_text);
    gp_json_obj_end(&j);

    double at[GP_NATTR] = {0}, gt[GP_NATTR] = {0};
    for (int i = 0; i < ds->n_atoms; i++)
        for (int a = 0; a < GP_NATTR; a++)
            at[a] += ds->atoms[i].v[a];
    for (int g = 0; g < plan->n_grids; g++)
        for (int a = 0; a < GP_NATTR; a++)
            gt[a] += plan->grids[g].v[a];
    int infeasible = 0, not_found = 0;
    for (int c = 0; c < ds->n_comms; c++) {
        infeasible += gp_comm_unmet(ds->comms[c].status);
        not_found += ds->comms[c].status == GP_CS_NOT_FOUND;
    }
    gp_json_kobj(&j, "totals");
    gp_json_kint(&j, "units", ds->n_units);
    gp_json_kint(&j, "atoms", ds->n_atoms);
    gp_json_kint(&j, "communities", ds->n_comms);
    gp_json_kint(&j, "communities_infeasible", infeasible);
    gp_json_kint(&j, "communities_not_found", not_found);
    gp_json_kint(&j, "grids", plan->n_grids);
    for (int a = 0; a < GP_NATTR; a++) {
        gp_json_knum(&j, gp_attr_names[a], at[a]);
    }
    gp_json_kint(&j, "cases_unmatched", ds->n_cases_unmatched);
    gp_json_obj_end(&j);

    gp_json_kobj(&j, "mass_balance");
    mass(&j, "households", ds->in_units.sum_hh, at[GP_A_HH], gt[GP_A_HH]);
    mass(&j, "population", ds->in_units.sum_pop, at[GP_A_POP], gt[GP_A_POP]);
    /* every case read is in an atom, or counted as outside */
    gp_json_kobj(&j, "cases");
    gp_json_kint(&j, "input", ds->n_cases);
    gp_json_knum(&j, "atoms", at[GP_A_CASES]);
    gp_json_knum(&j, "grids", gt[GP_A_CASES]);
    gp_json_kint(&j, "outside", ds->n_cases_unmatched);
    gp_json_key(&j, "relative_error");
    double lost = fmax(fabs(ds->n_cases - ds->n_cases_unmatched - at[GP_A_CASES]),
                       fabs(ds->n_cases - ds->n_cases_unmatched - gt[GP_A_CASES]));
    gp_json_num(&j, ds->n_cases ? lost / ds->n_cases : lost);
    gp_json_obj_end(&j);
    gp_json_obj_end(&j);

    gp_json_kobj(&j, "data_quality");
    gp_json_kint(&j, "geometries_repaired", ds->n_repaired);
    gp_json_kint(&j, "units_outside_communities", ds->n_units_moved);
    gp_json_knum(&j, "households_moved_to_nearest_community", ds->hh_moved_in_atomize);
    gp_json_knum(&j, "population_moved_to_nearest_community", ds->pop_moved);
    gp_json_kint(&j, "islands_bridged", ds->n_bridges);
    gp_json_kint(&j, "cases_unmatched", ds->n_cases_unmatched);
    gp_json_kint(&j, "cases_via_unit", ds->n_cases_via_unit);
    gp_json_karr(&j, "repaired");
    for (int i = 0; i < ds->n_repaired_ids; i++)
        gp_json_str(&j, ds->repaired[i]);
    gp_json_arr_end(&j);
    gp_json_karr(&j, "empty_units");
    for (int i = 0; i < ds->n_empty; i++)
        gp_json_str(&j, ds->empty[i]);
    gp_json_arr_end(&j);
    gp_json_karr(&j, "units_outside");
    for (int k = 0; k < ds->moved_units.n; k++) {
        const gp_unit *u = &ds->units[ds->moved_units.v[k]];
        const gp_atom *a = &ds->atoms[ds->moved_to.v[k]];
        gp_json_obj_begin(&j);
        gp_json_kstr(&j, "unit", u->id);
        gp_json_kstr(&j, "to_atom", a->id);
        gp_json_kstr(&j, "community", ds->comms[a->community].id);
        gp_json_knum(&j, "households", u->hh);
        gp_json_knum(&j, "population", u->pop);
        gp_json_obj_end(&j);
    }
    gp_json_arr_end(&j);
    gp_json_karr(&j, "bridges");
    for (int k = 0; k + 1 < ds->bridges.n; k += 2) {
        const gp_atom *a = &ds->atoms[ds->bridges.v[k]], *b = &ds->atoms[ds->bridges.v[k + 1]];
        double d = 0;
        GEOSDistance_r(ctx->geos, a->geom, b->geom, &d);
        gp_json_obj_begin(&j);
        gp_json_kstr(&j, "community", ds->comms[a->community].id);
        gp_json_kstr(&j, "from", a->id);
        gp_json_kstr(&j, "to", b->id);
        gp_json_knum(&j, "distance_m", round(d * 10) / 10);
        gp_json_obj_end(&j);
    }
    gp_json_arr_end(&j);
    gp_json_obj_end(&j);

    if (ds->has_existing) {
        double mn = INFINITY, mx = -INFINITY, tot = 0;
        for (int e = 0; e < ds->n_existing; e++) {
            mn = fmin(mn, ds->existing[e].hh);
            mx = fmax(mx, ds->existing[e].hh);
            tot += ds->existing[e].hh;
        }
        gp_json_kobj(&j, "existing_plan");
        gp_json_kint(&j, "grids", ds->n_existing);
        minmax(&j, "households", mn, mx, tot);
        gp_json_knum(&j, "households_moved", plan->hh_moved >= 0 ? plan->hh_moved : NAN);
        gp_json_obj_end(&j);
    }

    if (ds->is_update) {
        int n[4] = {0};
        for (int c = 0; c < ds->n_comms; c++)
            n[ds->comms[c].update & 3]++;
        gp_json_kobj(&j, "update");
        gp_json_kstr(&j, "previous", ds->prev.dir);
        gp_json_kstr(&j, "previous_plan_digest", ds->prev.digest);
        gp_json_kint(&j, "kept", n[GP_UPD_KEPT]);
        gp_json_kint(&j, "rebalanced", n[GP_UPD_REBALANCED]);
        gp_json_kint(&j, "redrawn", n[GP_UPD_REDRAWN]);
        gp_json_obj_end(&j);
    }

    gp_json_karr(&j, "communities");
    for (int c = 0; c < ds->n_comms; c++) {
        const gp_community *cm = &ds->comms[c];
        gp_json_obj_begin(&j);
        gp_json_kstr(&j, "id", cm->id);
        gp_json_kstr(&j, "name", cm->name);
        gp_json_kint(&j, "atoms", cm->n_atoms);
        gp_json_kstr(&j, "atoms_digest", cm->atoms_digest);
        if (ds->is_update) {
            gp_json_kobj(&j, "update");
            gp_json_kstr(&j, "action", gp_update_action_name(cm->update));
            gp_json_kstr(&j, "why", cm->update_reason);
            gp_json_obj_end(&j);
        }
        gp_json_kint(&j, "grids", cm->n_grids);
        gp_json_kstr(&j, "status", gp_comm_status_name(cm->status));
        if (cm->reason[0]) {
            gp_json_kstr(&j, "reason", cm->reason);
        }
        gp_json_knum(&j, "seconds", cm->seconds);
        gp_json_knum(&j, "objective", cm->objective);
        gp_json_knum(&j, "bound", cm->bound);
        gp_json_knum(&j, "gap", cm->gap);
        gp_json_knstr(&j, "search", cm->search);
        gp_json_knstr(&j, "bound_method", cm->bound_by);
        gp_json_knum(&j, "work_units", round(cm->units));
        if (cm->search && strcmp(cm->search, "neighbourhood") == 0) {
            gp_json_kobj(&j, "neighbourhoods");
            gp_json_kint(&j, "solved", cm->lns_solved);
            gp_json_kint(&j, "improved", cm->lns_improved);
            gp_json_kint(&j, "stopped", cm->lns_stopped);
            gp_json_obj_end(&j);
        }
        gp_json_knum(&j, "households_moved", cm->hh_moved);
        int nded = 0;
        for (int g = 0; g < plan->n_grids; g++)
            nded += plan->grids[g].community == c && plan->grids[g].dedicated;
        gp_json_kint(&j, "dedicated_grids", nded);
        /* min and max over the grids the bounds apply to (not dedicated),
         * total over all */
        for (int a = 0; a < GP_NATTR; a++) {
            double mn = INFINITY, mx = -INFINITY, tot = 0;
            for (int g = 0; g < plan->n_grids; g++) {
                if (plan->grids[g].community != c)
                    continue;
                tot += plan->grids[g].v[a];
                if (!plan->grids[g].dedicated) {
                    mn = fmin(mn, plan->grids[g].v[a]);
                    mx = fmax(mx, plan->grids[g].v[a]);
                }
            }
            minmax(&j, gp_attr_names[a], mn, mx, tot);
        }
        gp_json_obj_end(&j);
    }
    gp_json_arr_end(&j);

    gp_report_workers(&j, ds, plan);
    gp_json_knum(&j, "elapsed_s", elapsed);
    gp_json_obj_end(&j);
    return GP_OK;
}

/* The files of the report and what writes each. */
static const struct { const char *name; gp_report_fn write; } FILES[] = {
    {"report.json", gp_report_json},
    {"report.html", gp_report_html},
};

gp_status gp_report_write(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, const gp_plan *plan,
                          const gp_output *out, const char *dir, double elapsed)
{
    for (size_t k = 0; k < sizeof FILES / sizeof FILES[0]; k++) {
        char path[4200];
        FILE *f = gp_out_open(ctx, dir, FILES[k].name, path, sizeof path);
        if (!f)
            return GP_ERR_OUTPUT;
        gp_status st = FILES[k].write(ctx, cfg, ds, plan, out, elapsed, f);
        gp_status sc = gp_out_close(ctx, f, path);
        if (st || sc)
            return st ? st : sc;
    }
    return GP_OK;
}
