/* The run as a table of stages, each a function of the config and what
 * the stages before it made:
 *
 *   load       inputs read, projected to the working CRS, repaired  (io/)
 *   atomize    atoms, the plan in force on them, cases attached     (geo/)
 *   graph      adjacency inside each community, islands bridged     (geo/)
 *   output     the output formats and CRS                           (io/)
 *   staff      roster loads; allocation first under count = workers (staff/)
 *   partition  every community's job on the pool                    (plan/, exec/)
 *   grids      grid codes, polygons, households moved               (plan/, geo/)
 *   assign     allocation, then workers assigned to grids           (staff/, exec/)
 *   write      layers and assignments.csv into a temporary folder   (io/)
 *   report     report.json and report.html                          (report/)
 *   postgis    with [output] postgis, the folder's tables copied
 *              into the database in one transaction                 (io/)
 *   commit     the folder swapped in                                (io/)
 *
 * gp_validate runs the first four and checks each community's bounds;
 * gp_tessellate runs the first three and writes the atoms. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "exec/exec.h"
#include "report/report.h"

/* What a run holds between stages. */
typedef struct run {
    gp_ctx *ctx;
    const gp_config *cfg;
    double t0, t;                /* start of the run, of the stage */
    gp_dataset ds;
    gp_part_problem tmpl;
    gp_plan plan;
    gp_output out;
    gp_written written;
    gp_outdir dir;
    bool db_written;             /* the database holds this run's plan */
} run;

typedef struct stage {
    const char *name;
    gp_status (*fn)(run *r);
} stage;

/* ---- the stages ------------------------------------------------------------ */

/* Keys the scenario accepts that change nothing with the others given: say
 * so rather than ignore them silently. */
static void warn_inert_keys(gp_ctx *ctx, const gp_config *cfg)
{
    const char *why = "it applies to mode = cells only";
    if (cfg->atoms.mode != GP_ATOMS_CELLS) {
        if (cfg->atoms.shape_given)
            gp_log(ctx, GP_LOG_WARN, "[atoms] shape has no effect in this version of gridplan: %s", why);
        if (cfg->atoms.size_given)
            gp_log(ctx, GP_LOG_WARN, "[atoms] size has no effect in this version of gridplan: %s", why);
        if (cfg->input.weights.path)
            gp_log(ctx, GP_LOG_WARN, "[input] weights has no effect in this version of gridplan: %s", why);
    }
    if (cfg->input.previous && cfg->input.existing_plan_given)
        gp_log(ctx, GP_LOG_INFO, "update: the grids of %s are the plan in force, in place of [input] existing_plan",
               cfg->input.previous);
    if (cfg->objective.stability > 0 && !cfg->input.existing_plan.path)
        gp_log(ctx, GP_LOG_WARN, "[objective] stability has no effect without [input] existing_plan");
}

static gp_status stage_load(run *r)
{
    warn_inert_keys(r->ctx, r->cfg);
    gp_status st = gp_load(r->ctx, r->cfg, &r->ds);
    if (!st)
        gp_log(r->ctx, GP_LOG_INFO, "loaded %d units, %d communities, %d cases; working CRS %s (%.2f s)",
               r->ds.n_units, r->ds.n_comms, r->ds.n_cases, r->ds.crs, gp_now() - r->t);
    return st;
}

static gp_status stage_atomize(run *r)
{
    gp_dataset *ds = &r->ds;
    gp_status st;
    if ((st = gp_atomize(r->ctx, r->cfg, ds)) || (st = gp_existing_map(r->ctx, ds)) ||
        (st = gp_cases_attach(r->ctx, r->cfg, ds)) || (st = gp_atoms_digest(r->ctx, ds)))
        return st;
    gp_log(r->ctx, GP_LOG_INFO, "%d atoms, %d cases attached (%.2f s)", ds->n_atoms,
           ds->n_cases - ds->n_cases_unmatched, gp_now() - r->t);
    bool structured; /* codes that cannot be made fail here, before any search */
    return gp_codes_structured(r->ctx, r->cfg, ds, &structured);
}

static gp_status stage_graph(run *r)
{
    gp_status st = gp_graph_build(r->ctx, r->cfg, &r->ds);
    if (!st)
        gp_log(r->ctx, GP_LOG_INFO, "adjacency: %d edges, %d islands bridged (%.2f s)", r->ds.xadj[r->ds.n_atoms] / 2,
               r->ds.n_bridges, gp_now() - r->t);
    return st;
}

/* The roster's loads; under count = workers the allocation comes first, so
 * that it sets each community's grid count. */
static gp_status stage_staff(run *r)
{
    gp_dataset *ds = &r->ds;
    gp_plan_template(r->cfg, &r->tmpl);
    if (!ds->has_workers)
        return GP_OK;
    gp_status st = gp_staff_prepare(r->ctx, r->cfg, ds);
    if (st || r->cfg->grid.count != GP_COUNT_WORKERS)
        return st;
    int *kmin = malloc((size_t)(ds->n_comms ? ds->n_comms : 1) * sizeof *kmin);
    int *kmax = malloc((size_t)(ds->n_comms ? ds->n_comms : 1) * sizeof *kmax);
    st = kmin && kmax ? gp_plan_count_ranges(ds, &r->tmpl, kmin, kmax) : GP_ERR_NOMEM;
    if (!st)
        st = gp_exec_allocate(r->ctx, r->cfg, ds, kmin, kmax, NULL);
    free(kmin), free(kmax);
    return st;
}

/* With processes, every one of them takes each step before the partition's
 * end: they agree on the status after each, so that one's failure stops
 * all instead of leaving them waiting for it. */
static gp_status all_agree(run *r, gp_status st)
{
    return gp_mpi_size(r->ctx) > 1 ? gp_mpi_sum(r->ctx, st, NULL, 0) : st;
}

static gp_status stage_partition(run *r)
{
    gp_status st = all_agree(r, gp_update_decide(r->ctx, r->cfg, &r->ds, &r->tmpl));
    return st ? st : gp_exec_partition(r->ctx, r->cfg, &r->tmpl, &r->ds, &r->plan);
}

static gp_status stage_grids(run *r)
{
    gp_status st;
    if ((st = gp_codes_assign(r->ctx, r->cfg, &r->ds, &r->plan)) ||
        (st = gp_plan_build_grids(r->ctx, &r->ds, &r->plan)))
        return st;
    r->plan.hh_moved = gp_plan_households_moved(&r->ds, &r->plan);
    return isnan(r->plan.hh_moved) ? gp_fail(r->ctx, GP_ERR_NOMEM, "households moved: out of memory") : GP_OK;
}

/* Otherwise the allocation comes after the partition, so that it knows
 * every community's grids; then the assignment. */
static gp_status stage_assign(run *r)
{
    gp_dataset *ds = &r->ds;
    if (!ds->has_workers)
        return GP_OK;
    gp_status st = GP_OK;
    if (r->cfg->grid.count != GP_COUNT_WORKERS) {
        int *k = malloc((size_t)(ds->n_comms ? ds->n_comms : 1) * sizeof *k);
        if (!k)
            return GP_ERR_NOMEM;
        for (int c = 0; c < ds->n_comms; c++)
            k[c] = ds->comms[c].n_grids;
        st = gp_exec_allocate(r->ctx, r->cfg, ds, NULL, NULL, k);
        free(k);
    }
    return st ? st : gp_exec_assign(r->ctx, r->cfg, ds, &r->plan);
}

static gp_status stage_output(run *r)
{
    gp_status st = gp_output_from_config(r->ctx, r->cfg, &r->ds, &r->out);
    /* the database is written at the end: say now, not after the search,
     * when it cannot be (as for the folder); by the process that writes */
    if (!st && r->cfg->output.postgis && gp_mpi_rank(r->ctx) == 0)
        st = gp_postgis_check(r->ctx, r->cfg);
    return st;
}

static gp_status stage_write(run *r)
{
    gp_status st;
    if ((st = gp_written_make(r->ctx, &r->ds, &r->plan, &r->out, &r->written)))
        return st;
    snprintf(r->plan.digest, sizeof r->plan.digest, "%s", r->written.digest);
    if (r->written.n_repaired)
        gp_log(r->ctx, GP_LOG_INFO, "%d polygons needed repair to be valid in %s", r->written.n_repaired,
               r->out.crs_name);
    if (gp_stopped(r->ctx))
        return GP_ERR_CANCELLED;
    if ((st = gp_outdir_create(r->ctx, &r->dir)) ||
        (st = gp_write_layers(r->ctx, &r->ds, &r->plan, &r->out, &r->written, r->dir.tmp)))
        return st;
    if (gp_stopped(r->ctx))
        return GP_ERR_CANCELLED;
    return gp_write_assignments(r->ctx, &r->ds, &r->plan, r->dir.tmp);
}

static gp_status stage_report(run *r)
{
    return gp_report_write(r->ctx, r->cfg, &r->ds, &r->plan, &r->out, r->dir.tmp, gp_now() - r->t0);
}

/* With [output] postgis, the folder (complete, not yet in place) copied
 * into the database in one transaction: a database that cannot be written
 * fails the run before the folder is swapped in, and is left as it was. */
static gp_status stage_postgis(run *r)
{
    gp_status st = gp_postgis_write(r->ctx, r->cfg, &r->ds, &r->plan, &r->out, &r->written, r->dir.tmp);
    r->db_written = st == GP_OK && r->cfg->output.postgis;
    return st;
}

static gp_status stage_commit(run *r) { return gp_outdir_commit(r->ctx, &r->dir); }

static const stage PREPARE[] = {
    {"load", stage_load}, {"atomize", stage_atomize}, {"graph", stage_graph}, {NULL, NULL}};
static const stage RUN[] = {
    {"load", stage_load}, {"atomize", stage_atomize}, {"graph", stage_graph}, {"output", stage_output},
    {"staff", stage_staff}, {"partition", stage_partition}, {"grids", stage_grids}, {"assign", stage_assign}, {"write", stage_write},
    {"report", stage_report}, {"postgis", stage_postgis}, {"commit", stage_commit}, {NULL, NULL}};
static const stage VALIDATE[] = {
    {"load", stage_load}, {"atomize", stage_atomize}, {"graph", stage_graph}, {"staff", stage_staff}, {NULL, NULL}};

/* Whether fn comes before s in stages. */
static bool passed(const stage *stages, const stage *s, gp_status (*fn)(run *))
{
    for (const stage *t = stages; t < s; t++)
        if (t->fn == fn)
            return true;
    return false;
}

static gp_status run_stages(run *r, const stage *stages)
{
    gp_status st = GP_OK;
    int steps = 0;
    while (stages[steps].fn)
        steps++;
    gp_progress_call(r->ctx, r->t0);
    for (const stage *s = stages; s->fn && !st; s++) {
        r->t = gp_now();
        gp_progress_stage(r->ctx, s->name, (int)(s - stages) + 1, steps);
        /* a cancel request is honoured between stages, and within the long
         * ones; the commit itself is never cut in half */
        /* with processes (gp_ctx_use_mpi), the stages after the partition
         * are process 0's: the others have sent it their plans */
        if (gp_mpi_rank(r->ctx) != 0 && s > stages && s[-1].fn == stage_partition)
            break;
        /* once the database holds the new plan, the folder follows it
         * whatever is asked meanwhile: the two never disagree */
        bool must = s->fn == stage_commit && r->db_written;
        if ((!must && gp_stopped(r->ctx)) || (st = s->fn(r)) == GP_ERR_CANCELLED) {
            char where[64];
            snprintf(where, sizeof where, "in stage %s", s->name);
            st = gp_cancelled(r->ctx, where);
        }
        if (stages == RUN && s->fn != stage_partition && !passed(stages, s, stage_partition))
            st = all_agree(r, st);
        /* the process's peak memory so far, for the growth benchmarks */
        struct rusage ru;
        long peak = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss / 1024 : -1;
        gp_log(r->ctx, GP_LOG_DEBUG, "stage %s: %s (%.2f s, peak memory %ld MB)", s->name,
               st ? gp_strerror(st) : "done", gp_now() - r->t, peak);
        if (!st)
            gp_progress_end(r->ctx);
    }
    return st;
}

/* ---- what a run tells its caller ------------------------------------------ */

static void fill_summary(const gp_dataset *ds, const gp_plan *plan, gp_run_summary *sm)
{
    snprintf(sm->crs, sizeof sm->crs, "%s", ds->crs);
    sm->units = ds->n_units;
    sm->atoms = ds->n_atoms;
    sm->communities = ds->n_comms;
    sm->cases = ds->n_cases;
    sm->cases_unmatched = ds->n_cases_unmatched;
    sm->grids = plan ? plan->n_grids : 0;
    sm->households = sm->population = 0;
    for (int i = 0; i < ds->n_atoms; i++) {
        sm->households += ds->atoms[i].v[GP_A_HH];
        sm->population += ds->atoms[i].v[GP_A_POP];
    }
    sm->grid_households_min = sm->grid_households_max = -1;
    sm->grid_population_min = sm->grid_population_max = -1;
    sm->communities_infeasible = 0;
    sm->update_kept = sm->update_rebalanced = sm->update_redrawn = ds->is_update ? 0 : -1;
    for (int c = 0; c < ds->n_comms && ds->is_update; c++) {
        sm->update_kept += ds->comms[c].update == GP_UPD_KEPT;
        sm->update_rebalanced += ds->comms[c].update == GP_UPD_REBALANCED;
        sm->update_redrawn += ds->comms[c].update == GP_UPD_REDRAWN;
    }
    for (int c = 0; c < ds->n_comms; c++) {
        sm->communities_infeasible += gp_comm_unmet(ds->comms[c].status);
        sm->communities_not_found += ds->comms[c].status == GP_CS_NOT_FOUND;
    }
    for (int g = 0; plan && g < plan->n_grids; g++) {
        if (gp_comm_unmet(ds->comms[plan->grids[g].community].status) || plan->grids[g].dedicated)
            continue;
        double h = plan->grids[g].v[GP_A_HH], p = plan->grids[g].v[GP_A_POP];
        if (sm->grid_households_min < 0 || h < sm->grid_households_min)
            sm->grid_households_min = h;
        if (h > sm->grid_households_max)
            sm->grid_households_max = h;
        if (sm->grid_population_min < 0 || p < sm->grid_population_min)
            sm->grid_population_min = p;
        if (p > sm->grid_population_max)
            sm->grid_population_max = p;
    }
    sm->existing_households_min = sm->existing_households_max = -1;
    for (int e = 0; e < ds->n_existing; e++) {
        double h = ds->existing[e].hh;
        if (sm->existing_households_min < 0 || h < sm->existing_households_min)
            sm->existing_households_min = h;
        if (h > sm->existing_households_max)
            sm->existing_households_max = h;
    }
    sm->households_moved = plan ? plan->hh_moved : -1;
    sm->workers = ds->n_workers;
    sm->workload_per_fte_ratio_before = sm->workload_per_fte_ratio_after = -1;
    if (ds->has_workers) {
        gp_workers_stats b, a;
        gp_staff_spread(ds, false, &b);
        sm->workload_per_fte_ratio_before = ds->has_existing && isfinite(b.ratio) ? b.ratio : -1;
        if (plan) {
            gp_staff_spread(ds, true, &a);
            sm->workload_per_fte_ratio_after = isfinite(a.ratio) ? a.ratio : -1;
        }
        for (int i = 0; i < ds->n_workers; i++) {
            const gp_worker *w = &ds->workers[i];
            sm->workers_changed += w->changed == 1;
            sm->workers_transfers += w->home >= 0 && w->comm != w->home;
            sm->workers_over_capacity += plan && w->load > w->fte * ds->capacity * (1 + 1e-6);
        }
        for (int g = 0; plan && g < plan->n_grids; g++)
            sm->grids_unstaffed += !plan->grids[g].workers;
    }
}

/* Communities whose workers miss a rule, plus one for a roster short of
 * the whole workload or an allocation that failed. */
static int staffing_problems(const gp_dataset *ds)
{
    if (!ds->has_workers)
        return 0;
    int n = ds->roster_reason[0] != '\0' || (ds->allocated && ds->alloc_status == GP_CS_INFEASIBLE);
    for (int c = 0; c < ds->n_comms; c++)
        n += ds->comms[c].wstatus == GP_CS_INFEASIBLE;
    return n;
}

static void run_init(run *r, gp_ctx *ctx, const gp_scenario *sc)
{
    memset(r, 0, sizeof *r);
    r->ctx = ctx;
    r->cfg = gp_scenario_config(sc);
    r->t0 = gp_now();
    ctx->errmsg[0] = '\0';
}

static void run_free(run *r)
{
    gp_outdir_end(&r->dir);
    gp_written_free(r->ctx, &r->written);
    gp_plan_free(r->ctx, &r->plan);
    gp_dataset_free(r->ctx, &r->ds);
}

/* ---- the entry points -------------------------------------------------------- */

static gp_status validate(gp_ctx *ctx, const gp_scenario *sc, gp_run_summary *summary)
{
    run r;
    run_init(&r, ctx, sc);
    gp_dataset *ds = &r.ds;
    gp_status st = run_stages(&r, VALIDATE);
    /* bounds that no plan can meet are found before any search */
    for (int c = 0; !st && c < ds->n_comms; c++) {
        bool ok;
        if ((st = gp_job_check(ds, &r.tmpl, c, &ok)))
            break;
        ds->comms[c].status = ok ? GP_CS_FEASIBLE : GP_CS_INFEASIBLE;
        if (!ok)
            gp_log(ctx, GP_LOG_WARN, "community '%s': %s", ds->comms[c].id, ds->comms[c].reason);
    }
    if (summary) {
        memset(summary, 0, sizeof *summary);
        fill_summary(ds, NULL, summary);
        summary->households_moved = -1;
        summary->elapsed_s = gp_now() - r.t0;
    }
    if (st == GP_OK && summary && summary->communities_infeasible > 0)
        st = gp_fail(ctx, GP_ERR_INFEASIBLE, "%d of %d communities cannot meet the bounds (see the warnings)",
                     summary->communities_infeasible, summary->communities);
    else if (st == GP_OK && ds->has_workers && ds->roster_reason[0])
        st = gp_fail(ctx, GP_ERR_INFEASIBLE, "%s: %s", ds->in_workers.path, ds->roster_reason);
    else if (st == GP_OK && ds->allocated && ds->alloc_status == GP_CS_INFEASIBLE)
        st = gp_fail(ctx, GP_ERR_INFEASIBLE, "head-count allocation: %s", ds->alloc_reason);
    run_free(&r);
    return st;
}

static gp_status run_all(gp_ctx *ctx, const gp_scenario *sc, gp_run_summary *summary)
{
    run r;
    run_init(&r, ctx, sc);
    gp_dataset *ds = &r.ds;
    bool root = gp_mpi_rank(ctx) == 0; /* the process that writes */
    gp_status st = root ? gp_outdir_begin(ctx, gp_scenario_output_dir(sc), &r.dir) : GP_OK;
    if (gp_mpi_size(ctx) > 1)
        st = gp_mpi_sum(ctx, st, NULL, 0); /* a folder process 0 cannot write stops them all */
    if (st) {
        run_free(&r);
        return st;
    }
    st = run_stages(&r, RUN);
    if (!root) { /* its share of the communities went to process 0 */
        if (summary) {
            memset(summary, 0, sizeof *summary);
            summary->update_kept = summary->update_rebalanced = summary->update_redrawn = -1;
            summary->elapsed_s = gp_now() - r.t0;
        }
        run_free(&r);
        return st;
    }
    if (summary) {
        memset(summary, 0, sizeof *summary);
        fill_summary(ds, st == GP_OK ? &r.plan : NULL, summary);
        snprintf(summary->output_dir, sizeof summary->output_dir, "%s", r.dir.dir);
        summary->elapsed_s = gp_now() - r.t0;
    }
    int infeasible = 0, not_found = 0;
    for (int c = 0; c < ds->n_comms; c++) {
        infeasible += ds->comms[c].status == GP_CS_INFEASIBLE;
        not_found += ds->comms[c].status == GP_CS_NOT_FOUND;
    }
    if (st == GP_OK && infeasible + not_found)
        st = gp_fail(ctx, GP_ERR_INFEASIBLE, "%d of %d communities could not meet the bounds (%d proven infeasible, "
                     "%d with no plan found within the work budget%s); their best plans are written and marked in "
                     "report.json with the reason", infeasible + not_found, ds->n_comms, infeasible, not_found,
                     not_found ? ": a larger [solver] effort may find one" : "");
    else if (st == GP_OK && staffing_problems(ds))
        st = gp_fail(ctx, GP_ERR_INFEASIBLE, "the workers cannot staff every grid within capacity (%s); the "
                     "assignment is written and the problems are listed under workers in report.json",
                     ds->roster_reason[0] ? ds->roster_reason
                     : ds->allocated && ds->alloc_status == GP_CS_INFEASIBLE ? ds->alloc_reason
                     : "see the warnings");
    run_free(&r);
    return st;
}

static gp_status tessellate(gp_ctx *ctx, const gp_scenario *sc, const char *out_path, gp_run_summary *summary)
{
    run r;
    run_init(&r, ctx, sc);
    char *tmp = NULL;
    gp_status st = run_stages(&r, PREPARE);
    if (!st && gp_stopped(ctx))
        st = gp_cancelled(ctx, "before the atoms were written");
    if (!st) {
        size_t len = strlen(out_path) + 32;
        if (!(tmp = malloc(len)))
            st = GP_ERR_NOMEM;
        else
            snprintf(tmp, len, "%s.tmp-%ld.gpkg", out_path, (long)getpid());
    }
    if (!st) {
        unlink(tmp);
        st = gp_write_atoms(ctx, &r.ds, tmp);
        if (!st && rename(tmp, out_path) != 0)
            st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot put the result in place: %s", out_path, strerror(errno));
        if (st)
            unlink(tmp);
    }
    if (summary) {
        memset(summary, 0, sizeof *summary);
        fill_summary(&r.ds, NULL, summary);
        snprintf(summary->output_dir, sizeof summary->output_dir, "%s", out_path);
        summary->elapsed_s = gp_now() - r.t0;
    }
    free(tmp);
    run_free(&r);
    return st;
}

/* Every entry point reads and writes numbers in the C locale, whatever the
 * host set (see gp_locale_enter). */
gp_status gp_run(gp_ctx *ctx, const gp_scenario *sc, gp_run_summary *summary)
{
    if (!ctx || !sc)
        return GP_ERR_ARG;
    void *loc = gp_locale_enter();
    gp_status st = run_all(ctx, sc, summary);
    gp_locale_leave(loc);
    return st;
}

gp_status gp_validate(gp_ctx *ctx, const gp_scenario *sc, gp_run_summary *summary)
{
    if (!ctx || !sc)
        return GP_ERR_ARG;
    void *loc = gp_locale_enter();
    gp_status st = validate(ctx, sc, summary);
    gp_locale_leave(loc);
    return st;
}

gp_status gp_tessellate(gp_ctx *ctx, const gp_scenario *sc, const char *out_path, gp_run_summary *summary)
{
    if (!ctx || !sc || !out_path)
        return GP_ERR_ARG;
    void *loc = gp_locale_enter();
    gp_status st = tessellate(ctx, sc, out_path, summary);
    gp_locale_leave(loc);
    return st;
}
