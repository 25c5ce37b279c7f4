#define _POSIX_C_SOURCE 200809L
/* gridplan command-line tool: a thin layer over the public API. */
#include <gridplan/gridplan.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef GP_HAVE_MPI
#include <mpi.h>
#endif

/* Exit codes (docs/exit-codes.md). */
enum {
    EXIT_OK = 0,
    EXIT_FAILURE_OTHER = 1,
    EXIT_USAGE = 2,
    EXIT_SCENARIO = 3,
    EXIT_INPUT = 4,
    EXIT_INFEASIBLE = 5,
    EXIT_OUTPUT = 6
};

static const char USAGE[] =
    "usage: gridplan [--quiet|--verbose] COMMAND [ARGS]\n"
    "\n"
    "Design and rebalance community management grids.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO [--out DIR]   run the whole pipeline and write the output folder\n"
    "  update --plan PREVIOUS SCENARIO [--out DIR]\n"
    "                             rerun after new data: communities whose atoms are as\n"
    "                             in the output folder PREVIOUS and whose grids meet\n"
    "                             every bound keep them exactly; the others are solved\n"
    "                             again from their previous grids\n"
    "  validate SCENARIO          check the scenario and its input data; write nothing\n"
    "  tessellate SCENARIO [--out FILE.gpkg]\n"
    "                             build the atoms (cells or units, with counts and\n"
    "                             cases) and write them, without partitioning\n"
    "  interpolate SOURCE TARGET OUT.gpkg --fields F1,F2 [options]\n"
    "                             carry counts from source polygons to target polygons\n"
    "                             by area, preserving every total; options:\n"
    "                             --source-layer L --target-layer L --source-crs C\n"
    "                             --target-crs C --crs C (working CRS, default: UTM)\n"
    "                             --weights FILE --weights-field F [--weights-layer L]\n"
    "  compare DIR_A DIR_B [...] [--html FILE] [--csv FILE]\n"
    "                             compare 2 to 26 output folders side by side: balance,\n"
    "                             compactness, households moved, workers changed,\n"
    "                             gaps, run time; --html adds maps of the differences,\n"
    "                             --csv writes the table, one row per folder\n"
    "  version                    print the version and the library versions\n"
    "  help                       print this help\n"
    "\n"
    "options:\n"
    "  -q, --quiet     print errors only\n"
    "  -v, --verbose   print solver detail as well as progress\n"
    "  -o, --out DIR   write the results to DIR (overrides [output] dir)\n"
    "  --set SECTION.KEY=VALUE\n"
    "                  run, update, validate, tessellate: override a scenario key,\n"
    "                  e.g. --set grid.households=300..500 (repeatable, in any order;\n"
    "                  paths are against the current folder, as --out's)\n"
    "  --progress[=WHEN]\n"
    "                  auto (default): one updating line per stage on stderr when it\n"
    "                  is a terminal; line: always; json: one JSON object per line\n"
    "                  on stderr, e.g. {\"stage\":\"partition\",\"step\":6,\"steps\":11,\n"
    "                  \"done\":12,\"total\":41,...}; none: off. --progress alone: line\n"
    "  --mpi           run and update: spread the communities over the processes of\n"
    "                  mpirun -np N; process 0 writes the same output as one process\n"
    "  -h, --help      print this help\n"
    "  -V, --version   print the version\n"
    "\n"
    "exit codes: 0 success, 1 internal error, 2 bad command line, 3 bad scenario file,\n"
    "4 bad or unreadable input data, 5 bounds not met in some community (results\n"
    "written, marked infeasible), 6 output cannot be written, 129/130/143 stopped\n"
    "by SIGHUP/SIGINT/SIGTERM (nothing written; a second signal ends it at once).\n"
    "See docs/scenario.md for the scenario file and docs/report.md for the outputs.\n";

static int verbosity = 1; /* 0 quiet, 1 normal, 2 verbose */

/* --set SECTION.KEY=VALUE, applied after the scenario is loaded */
static const char *sets[64];
static int n_sets;

/* ---- progress (--progress) ---------------------------------------------------
 * A terminal gets one line that is rewritten in place (and erased before
 * any message, then drawn again); a program gets one JSON object per line. */
enum { PROGRESS_NONE, PROGRESS_LINE, PROGRESS_JSON };
static int progress_mode = -1; /* -1: auto */
static bool line_shown;
static char line_text[256];

static void line_erase(void)
{
    if (line_shown) {
        fputs("\r\033[K", stderr);
        line_shown = false;
    }
}

static void clock_text(char *buf, size_t len, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

static void on_progress(void *user, const gp_progress *p)
{
    (void)user;
    if (progress_mode == PROGRESS_JSON) {
        fprintf(stderr, "{\"stage\":\"%s\",\"step\":%d,\"steps\":%d,\"done\":%ld,\"total\":%ld,\"unit\":\"%s\","
                        "\"finished\":%s,\"elapsed_s\":%.3f,\"stage_elapsed_s\":%.3f}\n",
                p->stage, p->step, p->steps, p->done, p->total, p->unit, p->finished ? "true" : "false",
                p->elapsed_s, p->stage_elapsed_s);
        fflush(stderr);
        return;
    }
    char el[32], left[64] = "", count[96] = "";
    clock_text(el, sizeof el, p->elapsed_s);
    if (p->total > 0) {
        snprintf(count, sizeof count, "  %ld/%ld %s", p->done, p->total, p->unit);
        if (p->done > 0 && p->done < p->total) {
            char t[32];
            clock_text(t, sizeof t, p->stage_elapsed_s * (double)(p->total - p->done) / (double)p->done);
            snprintf(left, sizeof left, ", about %s left in the stage", t);
        }
    }
    snprintf(line_text, sizeof line_text, "gridplan: [%d/%d] %-10s%s  %s elapsed%s", p->step, p->steps, p->stage,
             count, el, left);
    fprintf(stderr, "\r\033[K%s", line_text);
    fflush(stderr);
    line_shown = true;
}

/* SIGINT, SIGTERM and SIGHUP cancel the run through the library, which
 * stops within about a second and removes what it had begun to write; a
 * second signal ends the process at once, as a user pressing Ctrl-C twice
 * expects. */
static gp_ctx *volatile signal_ctx;
static volatile sig_atomic_t signal_caught;

static void on_signal(int sig)
{
    if (signal_caught) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    signal_caught = sig;
    if (signal_ctx)
        gp_ctx_cancel(signal_ctx); /* async-signal-safe: stores a flag */
}

static void catch_signals(gp_ctx *ctx)
{
    signal_ctx = ctx;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static void on_log(void *user, gp_log_level level, const char *msg)
{
    (void)user;
    static const char *tag[] = {"error: ", "warning: ", "", ""};
    bool redraw = line_shown;
    line_erase();
    fprintf(stderr, "gridplan: %s%s\n", tag[level], msg);
    if (redraw) {
        fputs(line_text, stderr);
        line_shown = true;
    }
}

static int exit_code(gp_status st)
{
    switch (st) {
    case GP_OK: return EXIT_OK;
    case GP_ERR_SCENARIO: return EXIT_SCENARIO;
    case GP_ERR_IO:
    case GP_ERR_INPUT:
    case GP_ERR_CRS:
    case GP_ERR_GEOMETRY:
    case GP_ERR_PROJ: return EXIT_INPUT;
    case GP_ERR_INFEASIBLE: return EXIT_INFEASIBLE;
    case GP_ERR_OUTPUT: return EXIT_OUTPUT;
    default: return EXIT_FAILURE_OTHER;
    }
}

static int report_error(gp_ctx *ctx, gp_status st)
{
    line_erase();
    if (st == GP_ERR_CANCELLED && signal_caught) {
        int sig = signal_caught;
        fprintf(stderr, "gridplan: stopped by %s: %s\n",
                sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP", gp_ctx_errmsg(ctx));
        return 128 + sig;
    }
    const char *detail = gp_ctx_errmsg(ctx);
    fprintf(stderr, "gridplan: error: %s\n", detail[0] ? detail : gp_strerror(st));
    return exit_code(st);
}

static void print_summary(const gp_run_summary *s, bool wrote)
{
    printf("units          %d (%d atoms) in %d communities, working CRS %s\n", s->units, s->atoms, s->communities,
           s->crs);
    printf("households     %.0f   population %.0f\n", s->households, s->population);
    printf("cases          %d (%d outside every community)\n", s->cases, s->cases_unmatched);
    if (s->existing_households_min >= 0)
        printf("existing plan  households per grid %.0f..%.0f (max/min %.2f)\n", s->existing_households_min,
               s->existing_households_max,
               s->existing_households_min > 0 ? s->existing_households_max / s->existing_households_min : 0.0);
    if (wrote) {
        printf("grids          %d", s->grids);
        bool hh = s->households > 0;
        double mn = hh ? s->grid_households_min : s->grid_population_min;
        double mx = hh ? s->grid_households_max : s->grid_population_max;
        if (mn >= 0)
            printf(", %s per grid %.0f..%.0f (max/min %.2f)", hh ? "households" : "population", mn, mx,
                   mn > 0 ? mx / mn : 0.0);
        printf("\n");
        if (s->households_moved >= 0)
            printf("moved          %.0f households change grid vs the existing plan\n", s->households_moved);
        if (s->workers > 0) {
            printf("workers        %d: %d changed, %d moved community, %d over capacity, %d grids unstaffed\n",
                   s->workers, s->workers_changed, s->workers_transfers, s->workers_over_capacity,
                   s->grids_unstaffed);
            if (s->workload_per_fte_ratio_after >= 0) {
                printf("               workload per FTE max/min %.2f", s->workload_per_fte_ratio_after);
                if (s->workload_per_fte_ratio_before >= 0)
                    printf(" (existing plan %.2f)", s->workload_per_fte_ratio_before);
                printf("\n");
            }
        }
    }
    printf("communities    %d within bounds, %d infeasible", s->communities - s->communities_infeasible,
           s->communities_infeasible - s->communities_not_found);
    if (s->communities_not_found)
        printf(", %d with no plan found (raise [solver] effort)", s->communities_not_found);
    printf("\n");
    if (s->update_kept >= 0)
        printf("update         %d kept, %d rebalanced, %d redrawn (report.json says why, per community)\n",
               s->update_kept, s->update_rebalanced, s->update_redrawn);
    if (wrote)
        printf("output         %s/{grids.gpkg, atoms.gpkg, %sreport.json, report.html}\n", s->output_dir,
               s->workers > 0 ? "assignments.csv, " : "");
    printf("elapsed        %.2f s\n", s->elapsed_s);
}

/* Applies the --set overrides to sc, all at once (so their order does not
 * matter): GP_ERR_SCENARIO, said on stderr, when one is malformed or its
 * key unknown. A value is never echoed: it may hold a password. */
static gp_status apply_sets(gp_ctx *ctx, gp_scenario *sc)
{
    static char sec[64][128], key[64][256];
    const char *secs[64], *keys[64], *vals[64];
    for (int k = 0; k < n_sets; k++) {
        const char *dot = strchr(sets[k], '.'), *eq = strchr(sets[k], '=');
        if (!dot || !eq || dot > eq || dot == sets[k] || dot + 1 == eq || (size_t)(dot - sets[k]) >= sizeof sec[k] ||
            (size_t)(eq - dot - 1) >= sizeof key[k]) {
            fprintf(stderr, "gridplan: error: --set %.*s: write SECTION.KEY=VALUE, e.g. --set "
                            "grid.households=300..500\n", (int)(eq ? eq - sets[k] : (long)strlen(sets[k])), sets[k]);
            return GP_ERR_SCENARIO;
        }
        snprintf(sec[k], sizeof sec[k], "%.*s", (int)(dot - sets[k]), sets[k]);
        snprintf(key[k], sizeof key[k], "%.*s", (int)(eq - dot - 1), dot + 1);
        secs[k] = sec[k], keys[k] = key[k], vals[k] = eq + 1;
    }
    gp_status st = gp_scenario_set_many(ctx, sc, n_sets, secs, keys, vals);
    if (st && st != GP_ERR_NOMEM)
        fprintf(stderr, "gridplan: error: --set: %s\n", gp_ctx_errmsg(ctx)[0] ? gp_ctx_errmsg(ctx) : gp_strerror(st));
    return st;
}

static int cmd_tessellate(gp_ctx *ctx, const char *path, const char *out)
{
    gp_scenario *sc = NULL;
    gp_status st = gp_scenario_load(ctx, path, &sc);
    if (st == GP_OK && (st = apply_sets(ctx, sc)) != GP_OK) {
        gp_scenario_destroy(sc);
        return st == GP_ERR_NOMEM ? report_error(ctx, st) : EXIT_SCENARIO;
    }
    if (st != GP_OK) {
        report_error(ctx, st);
        return st == GP_ERR_NOMEM ? EXIT_FAILURE_OTHER : EXIT_SCENARIO;
    }
    char def[4200];
    if (!out) {
        snprintf(def, sizeof def, "%s.atoms.gpkg", gp_scenario_output_dir(sc));
        out = def;
    }
    gp_run_summary sum;
    st = gp_tessellate(ctx, sc, out, &sum);
    line_erase();
    gp_scenario_destroy(sc);
    if (st != GP_OK)
        return report_error(ctx, st);
    if (verbosity > 0)
        printf("atoms          %d from %d units in %d communities, working CRS %s\n"
               "households     %.0f   population %.0f\n"
               "cases          %d (%d outside every community)\n"
               "output         %s (layer atoms)\n"
               "elapsed        %.2f s\n",
               sum.atoms, sum.units, sum.communities, sum.crs, sum.households, sum.population, sum.cases,
               sum.cases_unmatched, sum.output_dir, sum.elapsed_s);
    return EXIT_OK;
}

/* Prints the folders side by side, one column each. */
/* text as a CSV field: quoted, its quotes doubled */
static void csv_quoted(FILE *f, const char *text)
{
    fputc('"', f);
    for (const char *c = text; *c; c++) {
        if (*c == '"')
            fputc('"', f);
        fputc(*c, f);
    }
    fputc('"', f);
}

/* The comparison as CSV, one row per folder; an unknown figure is empty. */
static bool write_compare_csv(const char *path, const gp_compare_row *rows, int n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fputs("column,folder,scenario,grids,communities,communities_infeasible,workload_min,workload_max,"
          "workload_ratio,workload_cv,polsby_popper_mean,households_moved_vs_first,households_moved_vs_existing,"
          "workers,workers_changed_vs_first,workload_per_fte_ratio,max_gap,elapsed_s\n", f);
    for (int i = 0; i < n; i++) {
        const gp_compare_row *r = &rows[i];
        fprintf(f, "%c,", 'A' + i);
        csv_quoted(f, r->dir);
        fputc(',', f);
        csv_quoted(f, r->scenario);
        fprintf(f, ",%d,%d,%d", r->grids, r->communities, r->communities_infeasible);
        double v[] = {r->workload_min, r->workload_max, r->workload_ratio, r->workload_cv, r->polsby_popper_mean,
                      r->households_moved_vs_first, r->households_moved_vs_existing, r->workers,
                      r->workers_changed_vs_first, r->workload_per_fte_ratio, r->max_gap, r->elapsed_s};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            if (v[k] < 0)
                fputs(",", f);
            else
                fprintf(f, ",%.10g", v[k]);
        fputs("\n", f);
    }
    return fclose(f) == 0;
}

static int cmd_compare(gp_ctx *ctx, const char *const *dirs, int n, const char *html, const char *csv)
{
    gp_compare_row *rows = calloc((size_t)n, sizeof *rows);
    if (!rows)
        return EXIT_FAILURE_OTHER;
    gp_status st = gp_compare(ctx, dirs, n, html, rows);
    if (st) {
        free(rows);
        return report_error(ctx, st);
    }
    printf("%-34s", "");
    for (int i = 0; i < n; i++) {
        /* the folder's last name ("out/a/" -> "a") */
        char d[4096];
        snprintf(d, sizeof d, "%s", rows[i].dir);
        for (size_t l = strlen(d); l > 1 && d[l - 1] == '/'; l--)
            d[l - 1] = '\0';
        const char *b = strrchr(d, '/');
        char col[64];
        snprintf(col, sizeof col, "%c: %.58s", 'A' + i, b && b[1] ? b + 1 : d);
        printf("  %14.14s", col);
    }
    printf("\n");
    static const char *const label[] = {"grids", "infeasible communities", "grid workload max/min",
                                        "grid workload CV", "mean Polsby-Popper", "households moved vs A",
                                        "households moved vs plan in force", "workers changed vs A",
                                        "workload per FTE max/min", "largest gap (%)", "run time (s)"};
    static const char *const fmt[] = {"%14.0f", "%14.0f", "%14.2f", "%14.3f", "%14.2f", "%14.0f", "%14.0f",
                                      "%14.0f", "%14.2f", "%14.2f", "%14.1f"};
    for (int k = 0; k < 11; k++) {
        printf("%-34s", label[k]);
        for (int i = 0; i < n; i++) {
            const gp_compare_row *r = &rows[i];
            double v[] = {r->grids, r->communities_infeasible, r->workload_ratio, r->workload_cv,
                          r->polsby_popper_mean, r->households_moved_vs_first, r->households_moved_vs_existing,
                          r->workers_changed_vs_first, r->workload_per_fte_ratio,
                          r->max_gap >= 0 ? 100 * r->max_gap : -1, r->elapsed_s};
            printf("  ");
            if (v[k] < 0)
                printf("%14s", "-");
            else
                printf(fmt[k], v[k]);
        }
        printf("\n");
    }
    if (html)
        printf("page: %s\n", html);
    if (csv && !write_compare_csv(csv, rows, n)) {
        fprintf(stderr, "gridplan: error: cannot write %s: %s\n", csv, strerror(errno));
        free(rows);
        return EXIT_OUTPUT;
    }
    if (csv)
        printf("table: %s\n", csv);
    free(rows);
    return EXIT_OK;
}

static int cmd_interpolate(gp_ctx *ctx, gp_interpolate_opts *o, const char *fields)
{
    char *copy = strdup(fields ? fields : "");
    const char *list[64];
    int n = 0;
    for (char *save = NULL, *t = strtok_r(copy, ", ", &save); t && n < 64; t = strtok_r(NULL, ", ", &save))
        list[n++] = t;
    if (n == 0) {
        free(copy);
        fprintf(stderr, "gridplan: interpolate needs --fields F1,F2: the source fields to carry over\n");
        return EXIT_USAGE;
    }
    o->fields = list;
    o->n_fields = n;
    gp_interpolate_summary sum;
    gp_status st = gp_interpolate(ctx, o, &sum);
    if (st != GP_OK) {
        free(copy);
        return st == GP_ERR_ARG ? (report_error(ctx, st), EXIT_USAGE) : report_error(ctx, st);
    }
    if (verbosity > 0) {
        printf("sources        %d (%d overlap no target: to the nearest)\ntargets        %d\n", sum.sources,
               sum.sources_outside, sum.targets);
        for (int k = 0; k < n && k < 16; k++)
            printf("%-14s %.6g in, %.6g out\n", list[k], sum.sum_in[k], sum.sum_out[k]);
        printf("mass           max relative error %.2e\noutput         %s\nelapsed        %.2f s\n",
               sum.max_relative_error, o->out, sum.elapsed_s);
    }
    free(copy);
    return EXIT_OK;
}

/* path as given when absolute, else against the working folder (a
 * command-line path, unlike the scenario's, which are against its folder);
 * NULL when out of memory or the folder is unknown. Caller frees. */
static char *cwd_path(const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    size_t len = strlen(cwd) + strlen(path) + 2;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%s/%s", cwd, path);
    return p;
}

static int cmd_run(gp_ctx *ctx, const char *path, const char *out, bool validate_only, const char *previous)
{
    gp_scenario *sc = NULL;
    gp_status st = gp_scenario_load(ctx, path, &sc);
    if (st != GP_OK) {
        report_error(ctx, st);
        return st == GP_ERR_NOMEM ? EXIT_FAILURE_OTHER : EXIT_SCENARIO;
    }
    if ((st = apply_sets(ctx, sc)) != GP_OK) {
        gp_scenario_destroy(sc);
        return st == GP_ERR_NOMEM ? report_error(ctx, st) : EXIT_SCENARIO;
    }
    if (out && (st = gp_scenario_set(ctx, sc, "output", "dir", out)) != GP_OK) {
        gp_scenario_destroy(sc);
        report_error(ctx, st);
        return EXIT_USAGE;
    }
    if (previous) {
        char *abs = cwd_path(previous);
        st = abs ? gp_scenario_set(ctx, sc, "input", "previous", abs) : GP_ERR_NOMEM;
        free(abs);
        if (st != GP_OK) {
            gp_scenario_destroy(sc);
            report_error(ctx, st);
            return st == GP_ERR_NOMEM ? EXIT_FAILURE_OTHER : EXIT_SCENARIO;
        }
    }
    gp_run_summary sum;
    st = validate_only ? gp_validate(ctx, sc, &sum) : gp_run(ctx, sc, &sum);
    line_erase();
    gp_scenario_destroy(sc);
    bool wrote = !validate_only && (st == GP_OK || st == GP_ERR_INFEASIBLE);
    if (st == GP_OK || st == GP_ERR_INFEASIBLE) {
        if (verbosity > 0)
            if (sum.output_dir[0] || validate_only) /* another process than 0 of a run with --mpi: nothing to say */
                print_summary(&sum, wrote);
        if (st == GP_OK)
            return EXIT_OK;
    }
    return report_error(ctx, st);
}

int main(int argc, char **argv)
{
    const char *cmd = NULL, *out = NULL, *pos[26] = {NULL}, *fields = NULL, *html = NULL, *plan_dir = NULL, *csv = NULL;
    int npos = 0;
    gp_interpolate_opts io;
    memset(&io, 0, sizeof io);
    static const struct { const char *name; size_t off; } VALOPT[] = {
        {"--source-layer", offsetof(gp_interpolate_opts, source_layer)},
        {"--target-layer", offsetof(gp_interpolate_opts, target_layer)},
        {"--source-crs", offsetof(gp_interpolate_opts, source_crs)},
        {"--target-crs", offsetof(gp_interpolate_opts, target_crs)},
        {"--crs", offsetof(gp_interpolate_opts, crs)},
        {"--weights", offsetof(gp_interpolate_opts, weights)},
        {"--weights-layer", offsetof(gp_interpolate_opts, weights_layer)},
        {"--weights-field", offsetof(gp_interpolate_opts, weights_field)},
    };
    bool interp_opt = false, mpi = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool matched = false;
        for (size_t k = 0; k < sizeof VALOPT / sizeof VALOPT[0]; k++)
            if (!strcmp(a, VALOPT[k].name)) {
                if (++i >= argc) {
                    fprintf(stderr, "gridplan: %s needs a value (see gridplan --help)\n", a);
                    return EXIT_USAGE;
                }
                *(const char **)((char *)&io + VALOPT[k].off) = argv[i];
                matched = interp_opt = true;
            }
        if (matched)
            continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(USAGE, stdout);
            return EXIT_OK;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            cmd = "version";
        } else if (!strcmp(a, "--mpi")) {
            mpi = true;
        } else if (!strcmp(a, "--progress") || !strncmp(a, "--progress=", 11)) {
            const char *w = a[10] ? a + 11 : "line";
            progress_mode = !strcmp(w, "auto") ? -1 : !strcmp(w, "line") ? PROGRESS_LINE
                          : !strcmp(w, "json") ? PROGRESS_JSON : !strcmp(w, "none") ? PROGRESS_NONE : -2;
            if (progress_mode == -2) {
                fprintf(stderr, "gridplan: --progress takes auto, line, json or none, not '%s'\n", w);
                return EXIT_USAGE;
            }
        } else if (!strcmp(a, "--set")) {
            if (++i >= argc) {
                fprintf(stderr, "gridplan: --set needs SECTION.KEY=VALUE, e.g. --set grid.households=300..500\n");
                return EXIT_USAGE;
            }
            if (n_sets == (int)(sizeof sets / sizeof sets[0])) {
                fprintf(stderr, "gridplan: at most %d --set options\n", n_sets);
                return EXIT_USAGE;
            }
            sets[n_sets++] = argv[i];
        } else if (!strncmp(a, "--set=", 6)) {
            if (n_sets == (int)(sizeof sets / sizeof sets[0])) {
                fprintf(stderr, "gridplan: at most %d --set options\n", n_sets);
                return EXIT_USAGE;
            }
            sets[n_sets++] = a + 6;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            verbosity = 0;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            verbosity = 2;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--out") || !strcmp(a, "--fields") || !strcmp(a, "--html") ||
                   !strcmp(a, "--plan") || !strcmp(a, "--csv")) {
            if (++i >= argc) {
                fprintf(stderr, "gridplan: %s needs a value (see gridplan --help)\n", a);
                return EXIT_USAGE;
            }
            if (!strcmp(a, "--plan"))
                plan_dir = argv[i];
            else if (!strcmp(a, "--fields"))
                fields = argv[i], interp_opt = true;
            else if (!strcmp(a, "--html"))
                html = argv[i];
            else if (!strcmp(a, "--csv"))
                csv = argv[i];
            else
                out = argv[i];
        } else if (!strncmp(a, "--out=", 6)) {
            out = a + 6;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "gridplan: unknown option '%s' (see gridplan --help)\n", a);
            return EXIT_USAGE;
        } else if (!cmd) {
            cmd = a;
        } else if (npos < 26) {
            pos[npos++] = a;
        } else if (cmd && !strcmp(cmd, "compare")) {
            fprintf(stderr, "gridplan: compare takes at most 26 folders (A to Z)\n");
            return EXIT_USAGE;
        } else {
            fprintf(stderr, "gridplan: unexpected argument '%s' (see gridplan --help)\n", a);
            return EXIT_USAGE;
        }
    }
    if (!cmd) {
        fputs(USAGE, stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(cmd, "help")) {
        fputs(USAGE, stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "version")) {
        printf("gridplan %s\n%s\n", gp_version(), gp_version_libraries());
#ifdef GP_HAVE_MPI
        char mv[MPI_MAX_LIBRARY_VERSION_STRING];
        int ml = 0;
        MPI_Get_library_version(mv, &ml); /* may be called before MPI_Init */
        printf("MPI %.*s (run --mpi)\n", (int)strcspn(mv, ",\n"), mv);
#endif
        return EXIT_OK;
    }
    bool is_run = !strcmp(cmd, "run"), is_val = !strcmp(cmd, "validate"), is_tess = !strcmp(cmd, "tessellate"),
         is_int = !strcmp(cmd, "interpolate"), is_cmp = !strcmp(cmd, "compare"), is_upd = !strcmp(cmd, "update");
    if (!is_run && !is_val && !is_tess && !is_int && !is_cmp && !is_upd) {
        fprintf(stderr, "gridplan: unknown command '%s' (commands: run, update, validate, tessellate, interpolate, "
                        "compare, version, help)\n", cmd);
        return EXIT_USAGE;
    }
    if (is_upd != (plan_dir != NULL)) {
        fprintf(stderr, is_upd ? "gridplan: update needs --plan PREVIOUS_OUTPUT, the output folder of the run to "
                                 "update, e.g. gridplan update --plan out/city scenario.ini\n"
                               : "gridplan: --plan belongs to update\n");
        return EXIT_USAGE;
    }
    if ((html || csv) && !is_cmp) {
        fprintf(stderr, "gridplan: --html and --csv belong to compare\n");
        return EXIT_USAGE;
    }
    if (is_cmp) {
        if (npos < 2 || out || interp_opt) {
            fprintf(stderr, "gridplan: compare needs two or more output folders and takes only --html FILE, e.g. "
                            "gridplan compare out/a out/b --html compare.html\n");
            return EXIT_USAGE;
        }
        gp_ctx *cctx = NULL;
        if (gp_ctx_create(&cctx) != GP_OK) {
            fprintf(stderr, "gridplan: error: cannot create a context: out of memory\n");
            return EXIT_FAILURE_OTHER;
        }
        int rc = cmd_compare(cctx, pos, npos, html, csv);
        gp_ctx_destroy(cctx);
        return rc;
    }
    if (is_int ? npos != 3 : npos != 1) {
        if (is_int)
            fprintf(stderr, "gridplan: interpolate needs SOURCE TARGET OUT.gpkg, e.g. gridplan interpolate "
                            "blocks.gpkg zones.gpkg zones_pop.gpkg --fields pop,hh\n");
        else if (npos == 0)
            fprintf(stderr, "gridplan: %s needs a scenario file, e.g. gridplan %s scenario.ini\n", cmd, cmd);
        else
            fprintf(stderr, "gridplan: %s takes one scenario file (see gridplan --help)\n", cmd);
        return EXIT_USAGE;
    }
    if (interp_opt && !is_int) {
        fprintf(stderr, "gridplan: --fields, --weights and the layer/crs options belong to interpolate\n");
        return EXIT_USAGE;
    }
    if (out && (is_val || is_int)) {
        fprintf(stderr, "gridplan: --out does not apply to %s\n", cmd);
        return EXIT_USAGE;
    }
    if (n_sets && !is_run && !is_upd && !is_val && !is_tess) {
        fprintf(stderr, "gridplan: --set belongs to run, update, validate and tessellate\n");
        return EXIT_USAGE;
    }
    if (mpi && !is_run && !is_upd) {
        fprintf(stderr, "gridplan: --mpi belongs to run and update (mpirun -np N gridplan run --mpi SCENARIO)\n");
        return EXIT_USAGE;
    }
    if (mpi && !gp_mpi_available()) {
        fprintf(stderr, "gridplan: --mpi: this gridplan was built without Open MPI (install libopenmpi-dev and "
                        "build again)\n");
        return EXIT_USAGE;
    }
#ifdef GP_HAVE_MPI
    int provided = 0, rank = 0;
    if (mpi) {
        MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        if (rank != 0)
            verbosity = 0; /* process 0 speaks for the run */
    }
#endif
    gp_ctx *ctx = NULL;
    if (gp_ctx_create(&ctx) != GP_OK) {
        fprintf(stderr, "gridplan: error: cannot create a context: out of memory\n");
        return EXIT_FAILURE_OTHER;
    }
    gp_ctx_set_log(ctx, on_log, NULL,
                   verbosity == 0 ? GP_LOG_ERROR : verbosity == 1 ? GP_LOG_INFO : GP_LOG_DEBUG);
    catch_signals(ctx);
    if (progress_mode == -1)
        progress_mode = verbosity > 0 && isatty(STDERR_FILENO) ? PROGRESS_LINE : PROGRESS_NONE;
    if (progress_mode != PROGRESS_NONE)
        gp_ctx_set_progress(ctx, on_progress, NULL);
    int rc;
    if (mpi && gp_ctx_use_mpi(ctx, 1) != GP_OK) {
        rc = report_error(ctx, GP_ERR_ARG);
        gp_ctx_destroy(ctx);
#ifdef GP_HAVE_MPI
        MPI_Finalize();
#endif
        return rc;
    }
    if (is_int) {
        io.source = pos[0];
        io.target = pos[1];
        io.out = pos[2];
        rc = cmd_interpolate(ctx, &io, fields);
    } else if (is_tess) {
        rc = cmd_tessellate(ctx, pos[0], out);
    } else {
        rc = cmd_run(ctx, pos[0], out, is_val, is_upd ? plan_dir : NULL);
    }
    signal_ctx = NULL;
    gp_ctx_destroy(ctx);
#ifdef GP_HAVE_MPI
    if (mpi)
        MPI_Finalize();
#endif
    return rc;
}
