/* Report stage: report.json, every figure a planner or a batch job needs to
 * trust a run (fields documented in docs/report.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/report.h"

static void input_obj(gp_json *j, const char *key, const gp_input_info *in)
{
    gp_json_key(j, key);
    gp_json_obj_begin(j);
    gp_json_key(j, "path");
    gp_json_str(j, in->path);
    gp_json_key(j, "layer");
    gp_json_str(j, in->layer);
    gp_json_key(j, "crs");
    gp_json_str(j, in->crs);
    gp_json_key(j, "features");
    gp_json_int(j, in->features);
    gp_json_key(j, "checksum_fnv1a64");
    gp_json_str(j, in->checksum);
}

static void minmax(gp_json *j, const char *key, double mn, double mx, double total)
{
    gp_json_key(j, key);
    gp_json_obj_begin(j);
    gp_json_key(j, "min");
    gp_json_num(j, mn);
    gp_json_key(j, "max");
    gp_json_num(j, mx);
    gp_json_key(j, "total");
    gp_json_num(j, total);
    gp_json_obj_end(j);
}

static void mass(gp_json *j, const char *key, double in, double atoms, double grids)
{
    gp_json_key(j, key);
    gp_json_obj_begin(j);
    gp_json_key(j, "input");
    gp_json_num(j, in);
    gp_json_key(j, "atoms");
    gp_json_num(j, atoms);
    gp_json_key(j, "grids");
    gp_json_num(j, grids);
    gp_json_key(j, "relative_error");
    double d = fmax(fabs(in - atoms), fabs(in - grids));
    gp_json_num(j, in != 0 ? d / fabs(in) : d);
    gp_json_obj_end(j);
}

gp_status gp_write_report(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, const gp_plan *plan,
                          const gp_output *out, const char *dir, double elapsed)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/report.json", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create", path);
    gp_json j;
    gp_json_init(&j, f);
    gp_json_obj_begin(&j);
    gp_json_key(&j, "version");
    gp_json_str(&j, GP_VERSION_STRING);
    gp_json_key(&j, "scenario");
    gp_json_str(&j, cfg->path);
    char when[64];
    time_t t = time(NULL);
    struct tm tmv;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tmv));
    gp_json_key(&j, "created");
    gp_json_str(&j, when);
    gp_json_key(&j, "crs");
    gp_json_str(&j, ds->crs);
    gp_json_key(&j, "output_crs");
    gp_json_str(&j, out->crs_name);
    gp_json_key(&j, "formats");
    gp_json_arr_begin(&j);
    for (int k = 0; out->formats[k]; k++)
        gp_json_str(&j, gp_format_name(out->formats[k]));
    gp_json_arr_end(&j);

    gp_json_key(&j, "inputs");
    gp_json_obj_begin(&j);
    input_obj(&j, "units", &ds->in_units);
    gp_json_key(&j, "sums");
    gp_json_obj_begin(&j);
    if (cfg->input.units_households.given) {
        gp_json_key(&j, "households");
        gp_json_num(&j, ds->in_units.sum_hh);
    }
    if (cfg->input.units_population.given) {
        gp_json_key(&j, "population");
        gp_json_num(&j, ds->in_units.sum_pop);
    }
    gp_json_obj_end(&j);
    gp_json_obj_end(&j);
    if (ds->in_comms.path) {
        input_obj(&j, "communities", &ds->in_comms);
        gp_json_obj_end(&j);
    }
    if (ds->has_cases) {
        input_obj(&j, "cases", &ds->in_cases);
        gp_json_key(&j, "sums");
        gp_json_obj_begin(&j);
        gp_json_key(&j, "cases");
        gp_json_int(&j, ds->n_cases);
        gp_json_obj_end(&j);
        gp_json_key(&j, "types");
        gp_json_obj_begin(&j);
        for (int ty = 0; ty < ds->n_case_types; ty++) {
            int cnt = 0;
            for (int k = 0; k < ds->n_cases; k++)
                cnt += ds->cases[k].type == ty;
            gp_json_key(&j, ds->case_types[ty]);
            gp_json_obj_begin(&j);
            gp_json_key(&j, "count");
            gp_json_int(&j, cnt);
            gp_json_key(&j, "weight");
            gp_json_num(&j, ds->case_weights[ty]);
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

    gp_json_key(&j, "bounds");
    gp_json_obj_begin(&j);
    static const char *bkeys[] = {"households", "population", "cases", "workload"};
    const gp_cfg_bound *bounds[] = {&cfg->grid.households, &cfg->grid.population, &cfg->grid.cases,
                                    &cfg->grid.workload};
    for (int b = 0; b < 4; b++) {
        double lo = bounds[b]->lo, hi = bounds[b]->hi;
        if (!bounds[b]->set)
            continue;
        gp_json_key(&j, bkeys[b]);
        gp_json_obj_begin(&j);
        gp_json_key(&j, "min");
        gp_json_num(&j, isfinite(lo) ? lo : NAN);
        gp_json_key(&j, "max");
        gp_json_num(&j, isfinite(hi) ? hi : NAN);
        gp_json_obj_end(&j);
    }
    gp_json_key(&j, "count");
    gp_json_str(&j, cfg->grid.count_text);
    gp_json_obj_end(&j);

    double at[GP_NATTR] = {0}, gt[GP_NATTR] = {0};
    for (int i = 0; i < ds->n_atoms; i++)
        for (int a = 0; a < GP_NATTR; a++)
            at[a] += ds->atoms[i].v[a];
    for (int g = 0; g < plan->n_grids; g++)
        for (int a = 0; a < GP_NATTR; a++)
            gt[a] += plan->grids[g].v[a];
    int infeasible = 0;
    for (int c = 0; c < ds->n_comms; c++)
        infeasible += ds->comms[c].status == GP_CS_INFEASIBLE;

    gp_json_key(&j, "totals");
    gp_json_obj_begin(&j);
    gp_json_key(&j, "units");
    gp_json_int(&j, ds->n_units);
    gp_json_key(&j, "atoms");
    gp_json_int(&j, ds->n_atoms);
    gp_json_key(&j, "communities");
    gp_json_int(&j, ds->n_comms);
    gp_json_key(&j, "communities_infeasible");
    gp_json_int(&j, infeasible);
    gp_json_key(&j, "grids");
    gp_json_int(&j, plan->n_grids);
    for (int a = 0; a < GP_NATTR; a++) {
        gp_json_key(&j, gp_attr_names[a]);
        gp_json_num(&j, at[a]);
    }
    gp_json_key(&j, "cases_unmatched");
    gp_json_int(&j, ds->n_cases_unmatched);
    gp_json_obj_end(&j);

    gp_json_key(&j, "mass_balance");
    gp_json_obj_begin(&j);
    mass(&j, "households", ds->in_units.sum_hh, at[GP_A_HH], gt[GP_A_HH]);
    mass(&j, "population", ds->in_units.sum_pop, at[GP_A_POP], gt[GP_A_POP]);
    /* every case read is in an atom, or counted as outside */
    gp_json_key(&j, "cases");
    gp_json_obj_begin(&j);
    gp_json_key(&j, "input");
    gp_json_int(&j, ds->n_cases);
    gp_json_key(&j, "atoms");
    gp_json_num(&j, at[GP_A_CASES]);
    gp_json_key(&j, "grids");
    gp_json_num(&j, gt[GP_A_CASES]);
    gp_json_key(&j, "outside");
    gp_json_int(&j, ds->n_cases_unmatched);
    gp_json_key(&j, "relative_error");
    double lost = fmax(fabs(ds->n_cases - ds->n_cases_unmatched - at[GP_A_CASES]),
                       fabs(ds->n_cases - ds->n_cases_unmatched - gt[GP_A_CASES]));
    gp_json_num(&j, ds->n_cases ? lost / ds->n_cases : lost);
    gp_json_obj_end(&j);
    gp_json_obj_end(&j);

    gp_json_key(&j, "data_quality");
    gp_json_obj_begin(&j);
    gp_json_key(&j, "geometries_repaired");
    gp_json_int(&j, ds->n_repaired);
    gp_json_key(&j, "units_outside_communities");
    gp_json_int(&j, ds->n_units_moved);
    gp_json_key(&j, "households_moved_to_nearest_community");
    gp_json_num(&j, ds->hh_moved_in_atomize);
    gp_json_key(&j, "population_moved_to_nearest_community");
    gp_json_num(&j, ds->pop_moved);
    gp_json_key(&j, "islands_bridged");
    gp_json_int(&j, ds->n_bridges);
    gp_json_key(&j, "cases_unmatched");
    gp_json_int(&j, ds->n_cases_unmatched);
    gp_json_key(&j, "cases_via_unit");
    gp_json_int(&j, ds->n_cases_via_unit);
    gp_json_key(&j, "repaired");
    gp_json_arr_begin(&j);
    for (int i = 0; i < ds->n_repaired_ids; i++)
        gp_json_str(&j, ds->repaired[i]);
    gp_json_arr_end(&j);
    gp_json_key(&j, "empty_units");
    gp_json_arr_begin(&j);
    for (int i = 0; i < ds->n_empty; i++)
        gp_json_str(&j, ds->empty[i]);
    gp_json_arr_end(&j);
    gp_json_key(&j, "units_outside");
    gp_json_arr_begin(&j);
    for (int k = 0; k < ds->moved_units.n; k++) {
        const gp_unit *u = &ds->units[ds->moved_units.v[k]];
        const gp_atom *a = &ds->atoms[ds->moved_to.v[k]];
        gp_json_obj_begin(&j);
        gp_json_key(&j, "unit");
        gp_json_str(&j, u->id);
        gp_json_key(&j, "to_atom");
        gp_json_str(&j, a->id);
        gp_json_key(&j, "community");
        gp_json_str(&j, ds->comms[a->community].id);
        gp_json_key(&j, "households");
        gp_json_num(&j, u->hh);
        gp_json_key(&j, "population");
        gp_json_num(&j, u->pop);
        gp_json_obj_end(&j);
    }
    gp_json_arr_end(&j);
    gp_json_key(&j, "bridges");
    gp_json_arr_begin(&j);
    for (int k = 0; k + 1 < ds->bridges.n; k += 2) {
        const gp_atom *a = &ds->atoms[ds->bridges.v[k]], *b = &ds->atoms[ds->bridges.v[k + 1]];
        double d = 0;
        GEOSDistance_r(ctx->geos, a->geom, b->geom, &d);
        gp_json_obj_begin(&j);
        gp_json_key(&j, "community");
        gp_json_str(&j, ds->comms[a->community].id);
        gp_json_key(&j, "from");
        gp_json_str(&j, a->id);
        gp_json_key(&j, "to");
        gp_json_str(&j, b->id);
        gp_json_key(&j, "distance_m");
        gp_json_num(&j, round(d * 10) / 10);
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
        gp_json_key(&j, "existing_plan");
        gp_json_obj_begin(&j);
        gp_json_key(&j, "grids");
        gp_json_int(&j, ds->n_existing);
        minmax(&j, "households", mn, mx, tot);
        gp_json_key(&j, "households_moved");
        gp_json_num(&j, plan->hh_moved >= 0 ? plan->hh_moved : NAN);
        gp_json_obj_end(&j);
    }

    gp_json_key(&j, "communities");
    gp_json_arr_begin(&j);
    for (int c = 0; c < ds->n_comms; c++) {
        const gp_community *cm = &ds->comms[c];
        gp_json_obj_begin(&j);
        gp_json_key(&j, "id");
        gp_json_str(&j, cm->id);
        gp_json_key(&j, "name");
        gp_json_str(&j, cm->name);
        gp_json_key(&j, "atoms");
        gp_json_int(&j, cm->n_atoms);
        gp_json_key(&j, "grids");
        gp_json_int(&j, cm->n_grids);
        gp_json_key(&j, "status");
        gp_json_str(&j, gp_comm_status_name(cm->status));
        if (cm->reason[0]) {
            gp_json_key(&j, "reason");
            gp_json_str(&j, cm->reason);
        }
        gp_json_key(&j, "seconds");
        gp_json_num(&j, cm->seconds);
        gp_json_key(&j, "objective");
        gp_json_num(&j, cm->objective);
        gp_json_key(&j, "bound");
        gp_json_num(&j, cm->bound);
        gp_json_key(&j, "gap");
        gp_json_num(&j, cm->gap);
        gp_json_key(&j, "search");
        if (cm->search)
            gp_json_str(&j, cm->search);
        else
            gp_json_null(&j);
        gp_json_key(&j, "bound_method");
        if (cm->bound_by)
            gp_json_str(&j, cm->bound_by);
        else
            gp_json_null(&j);
        if (cm->search && strcmp(cm->search, "neighbourhood") == 0) {
            gp_json_key(&j, "neighbourhoods");
            gp_json_obj_begin(&j);
            gp_json_key(&j, "solved");
            gp_json_int(&j, cm->lns_solved);
            gp_json_key(&j, "improved");
            gp_json_int(&j, cm->lns_improved);
            gp_json_key(&j, "timed_out");
            gp_json_int(&j, cm->lns_timed_out);
            gp_json_obj_end(&j);
        }
        gp_json_key(&j, "households_moved");
        gp_json_num(&j, cm->hh_moved);
        int nded = 0;
        for (int g = 0; g < plan->n_grids; g++)
            nded += plan->grids[g].community == c && plan->grids[g].dedicated;
        gp_json_key(&j, "dedicated_grids");
        gp_json_int(&j, nded);
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
    gp_json_key(&j, "elapsed_s");
    gp_json_num(&j, elapsed);
    gp_json_obj_end(&j);
    bool bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return gp_fail(ctx, GP_ERR_OUTPUT, "%s: write error", path);
    return GP_OK;
}
