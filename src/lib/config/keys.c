/* The table of scenario keys: each key's section, type, range, default and
 * place in gp_config, in one table (docs/scenario.md documents them); the
 * check of one value; and the typed configuration built from a file's
 * keys and the defaults. */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/keys.h"

#define INF INFINITY
#define AT(member) offsetof(gp_config, member)
/* the CSV columns of an input: points from x/y, any geometry from wkt */
#define CSV_COLUMNS(k, m)                                                                        \
    {"input", k ".x", K_FIELD, 0, 0, NULL, "lon,longitude,lng,x", AT(input.m.x)},              \
    {"input", k ".y", K_FIELD, 0, 0, NULL, "lat,latitude,y", AT(input.m.y)},                    \
    {"input", k ".wkt", K_FIELD, 0, 0, NULL, "wkt,geometry,geom,the_geom", AT(input.m.wkt)}
#define SOURCE(k, m)                                                                             \
    {"input", k, K_SOURCE, 0, 0, NULL, NULL, AT(input.m.path)},                                 \
    {"input", k ".layer", K_STR, 0, 0, NULL, NULL, AT(input.m.layer)},                          \
    {"input", k ".crs", K_STR, 0, 0, NULL, NULL, AT(input.m.crs)}, CSV_COLUMNS(k, m)

static const keyspec KEYS[] = {
    SOURCE("units", units),
    {"input", "units.id", K_FIELD, 0, 0, NULL, NULL, AT(input.units_id)},
    {"input", "units.population", K_FIELD, 0, 0, NULL, NULL, AT(input.units_population)},
    {"input", "units.households", K_FIELD, 0, 0, NULL, NULL, AT(input.units_households)},
    {"input", "units.lock", K_FIELD, 0, 0, NULL, NULL, AT(input.units_lock)},
    {"input", "units.dedicated", K_FIELD, 0, 0, NULL, NULL, AT(input.units_dedicated)},
    SOURCE("communities", communities),
    {"input", "communities.id", K_FIELD, 0, 0, NULL, NULL, AT(input.communities_id)},
    {"input", "communities.name", K_FIELD, 0, 0, NULL, NULL, AT(input.communities_name)},
    {"input", "communities.code", K_FIELD, 0, 0, NULL, NULL, AT(input.communities_code)},
    SOURCE("cases", cases),
    {"input", "cases.type", K_FIELD, 0, 0, NULL, NULL, AT(input.cases_type)},
    SOURCE("existing_plan", existing_plan),
    /* the output folder of the run this one updates (gridplan update) */
    {"input", "previous", K_PATH, 0, 0, NULL, NULL, AT(input.previous)},
    {"input", "existing_plan.id", K_FIELD, 0, 0, NULL, "grid_id", AT(input.existing_plan_id)},
    SOURCE("weights", weights),
    {"input", "weights.field", K_FIELD, 0, 0, NULL, NULL, AT(input.weights_field)},
    SOURCE("workers", workers),
    {"input", "workers.id", K_FIELD, 0, 0, NULL, "worker_id", AT(input.workers_id)},
    {"input", "workers.name", K_FIELD, 0, 0, NULL, "name", AT(input.workers_name)},
    {"input", "workers.community", K_FIELD, 0, 0, NULL, "community", AT(input.workers_community)},
    {"input", "workers.grids", K_FIELD, 0, 0, NULL, "grids", AT(input.workers_grids)},
    {"input", "workers.fte", K_FIELD, 0, 0, NULL, "fte", AT(input.workers_fte)},
    {"input", "workers.lock", K_FIELD, 0, 0, NULL, NULL, AT(input.workers_lock)},
    /* auto, or a CRS PROJ knows: checked when loading */
    {"input", "crs", K_STR, 0, 0, NULL, "auto", AT(input.crs)},
    {"atoms", "mode", K_CHOICE, 0, 0, "units|cells", "units", AT(atoms.mode)},
    {"atoms", "shape", K_CHOICE, 0, 0, "hex|square", "hex", AT(atoms.shape)},
    {"atoms", "size", K_NUM, 1e-3, 1e6, NULL, NULL, AT(atoms.size)},
    {"atoms", "snap", K_NUM, 0, 1000, NULL, "1.0", AT(atoms.snap)},
    {"grid", "households", K_RANGE, 0, 0, NULL, NULL, AT(grid.households)},
    {"grid", "population", K_RANGE, 0, 0, NULL, NULL, AT(grid.population)},
    {"grid", "cases", K_RANGE, 0, 0, NULL, NULL, AT(grid.cases)},
    {"grid", "workload", K_RANGE, 0, 0, NULL, NULL, AT(grid.workload)},
    {"grid", "count", K_COUNT, 0, 0, NULL, "auto", AT(grid.count)},
    /* without a [workload] section: households, else population (derived) */
    {"workload", "households", K_NUM, 0, 1e9, NULL, NULL, AT(workload.households)},
    {"workload", "population", K_NUM, 0, 1e9, NULL, NULL, AT(workload.population)},
    {"workload", "cases", K_NUM, 0, 1e9, NULL, NULL, AT(workload.cases)},
    /* TYPE = weight; "default" for the types not listed */
    {"case_weights", "*", K_NUM, 0, 1e9, NULL, "1", AT(case_weights.fallback)},
    {"objective", "balance", K_NUM, 0, 1e9, NULL, "1", AT(objective.balance)},
    {"objective", "compactness", K_NUM, 0, 1e9, NULL, "0.5", AT(objective.compactness)},
    {"objective", "stability", K_NUM, 0, 1e9, NULL, "0", AT(objective.stability)},
    {"workers", "allocate", K_BOOL, 0, 0, "yes|no", "no", AT(workers.allocate)},
    {"workers", "community_fte", K_RANGE, 0, 0, NULL, "1..", AT(workers.community_fte)},
    {"workers", "max_transfers", K_LONG, 0, 1000000, NULL, "-1", AT(workers.max_transfers)},
    /* none: 1.25 x the mean workload per FTE (staff/) */
    {"workers", "capacity", K_NUM, 1e-9, 1e12, NULL, NULL, AT(workers.capacity)},
    {"workers", "per_grid", K_SPAN, 0, 0, NULL, "1..", AT(workers.per_grid_lo)},
    {"workers", "grids_per_worker", K_INT, 1, 1000, NULL, "1", AT(workers.grids_per_worker)},
    {"workers", "balance", K_NUM, 0, 1e9, NULL, "1", AT(workers.balance)},
    {"workers", "continuity", K_NUM, 0, 1e9, NULL, "1", AT(workers.continuity)},
    {"workers", "travel", K_NUM, 0, 1e9, NULL, "0.1", AT(workers.travel)},
    /* none: [solver] time_limit (derived) */
    {"workers", "time_limit", K_NUM, 0, 1e7, NULL, NULL, AT(workers.time_limit)},
    /* the work budget of the run, relative to the default */
    {"solver", "effort", K_NUM, 0.001, 1000, NULL, "1", AT(solver.effort)},
    /* a safety cap in seconds per community, 0: none */
    {"solver", "time_limit", K_NUM, 0, 1e7, NULL, "0", AT(solver.time_limit)},
    {"solver", "gap", K_NUM, 0, 1, NULL, "1e-4", AT(solver.gap)},
    {"solver", "threads", K_INT, 0, 1024, NULL, "0", AT(solver.threads)},
    {"solver", "seed", K_INT, 0, 2147483647.0, NULL, "1", AT(solver.seed)},
    /* none: out beside the scenario file (derived) */
    {"output", "dir", K_PATH, 0, 0, NULL, NULL, AT(output.dir)},
    {"output", "formats", K_FORMATS, 0, 0, NULL, "gpkg", AT(output.formats)},
    /* input, working, or a CRS PROJ knows: checked with the file */
    {"output", "crs", K_STR, 0, 0, NULL, "input", AT(output.crs)},
    {"output", "grid_codes", K_CHOICE, 0, 0, "auto|structured|simple", "auto", AT(output.grid_codes)},
    /* PG:..., written in one transaction after the folder (io/postgis.c).
     * The schema and the prefix are plain lower-case SQL names, so that
     * they mean the same unquoted in psql as in gridplan's statements; the
     * prefix leaves room, within PostgreSQL's 63 characters, for the
     * staging tables' suffix and the names of their keys and indexes */
    {"output", "postgis", K_DATABASE, 0, 0, NULL, NULL, AT(output.postgis)},
    {"output", "postgis.schema", K_IDENT, 0, 63, NULL, "public", AT(output.postgis_schema)},
    {"output", "postgis.prefix", K_IDENT, 0, 24, NULL, NULL, AT(output.postgis_prefix)},
};
#define NKEYS (sizeof KEYS / sizeof KEYS[0])

const keyspec *gp_key_find(const char *sec, const char *key, bool *sec_known)
{
    *sec_known = false;
    for (size_t i = 0; i < NKEYS; i++) {
        if (strcmp(KEYS[i].sec, sec) != 0)
            continue;
        *sec_known = true;
        if (strcmp(KEYS[i].key, key) == 0 || strcmp(KEYS[i].key, "*") == 0)
            return &KEYS[i];
    }
    return NULL;
}

static bool choice_ok(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *c = choices; *c;) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && strncmp(c, v, n) == 0)
            return true;
        if (!bar)
            break;
        c = bar + 1;
    }
    return false;
}

const char *gp_key_check(const keyspec *ks, const char *v, char *buf, size_t len)
{
    double d, lo, hi;
    long l;
    switch (ks->type) {
    case K_PATH:
    case K_SOURCE:
    case K_STR:
    case K_FIELD:
    case K_SPAN: /* whole numbers: checked with the rest of the file (scenario.c) */
        if (!v[0])
            return "empty value";
        return NULL;
    case K_DATABASE:
        if (!gp_config_is_database(v))
            return "not a PostgreSQL connection: write PG:dbname=NAME (with host=, port=, user= as needed), "
                   "PG:service=NAME, or PG: alone for the libpq environment (PGHOST, PGDATABASE, ...)";
        return NULL;
    case K_IDENT: {
        size_t n = strlen(v);
        bool ok = n > 0 && n <= (size_t)ks->max && !isdigit((unsigned char)v[0]);
        for (size_t i = 0; ok && i < n; i++)
            ok = (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') || v[i] == '_';
        if (ok)
            return NULL;
        snprintf(buf, len, "'%s' is not a lower-case SQL name: write at most %.0f letters a-z, digits and '_', "
                 "not starting with a digit", v, ks->max);
        return buf;
    }
    case K_NUM:
        if (!gp_parse_double(v, &d))
            return "not a number";
        if (d < ks->min || d > ks->max) {
            snprintf(buf, len, "%g is out of range (allowed %g to %g)", d, ks->min, ks->max);
            return buf;
        }
        return NULL;
    case K_INT:
    case K_LONG:
        if (!gp_parse_int(v, &l))
            return "not a whole number";
        if (l < ks->min || l > ks->max) {
            snprintf(buf, len, "%ld is out of range (allowed %.0f to %.0f)", l, ks->min, ks->max);
            return buf;
        }
        return NULL;
    case K_RANGE:
        if (!gp_parse_range(v, &lo, &hi)) {
            snprintf(buf, len, "'%s' is not a range: write MIN..MAX, ..MAX or MIN.. with MIN <= MAX", v);
            return buf;
        }
        if (isfinite(lo) && lo < 0)
            return "a bound cannot be negative";
        if (hi <= 0)
            return "the maximum must be positive";
        return NULL;
    case K_COUNT:
        if (strcmp(v, "auto") == 0)
            return NULL;
        if (strcmp(v, "workers") == 0)
            return NULL; /* needs [input] workers: checked when the file is read */
        if (gp_parse_int(v, &l))
            return l < 1 ? "the grid count must be at least 1" : l > 100000 ? "the grid count must be at most 100000"
                                                                           : NULL;
        if (gp_parse_range(v, &lo, &hi) && isfinite(lo) && isfinite(hi) && lo >= 1 && hi <= 100000 &&
            lo == floor(lo) && hi == floor(hi))
            return NULL;
        snprintf(buf, len, "'%s' is not a grid count: write auto, N, or MIN..MAX (whole numbers from 1 to 100000)", v);
        return buf;
    case K_BOOL:
    case K_CHOICE:
        if (!choice_ok(ks->choices, v)) {
            snprintf(buf, len, "'%s' is not one of %s", v, ks->choices);
            return buf;
        }
        return NULL;
    case K_FORMATS: {
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s", v);
        int n = 0;
        for (char *save = NULL, *t = strtok_r(tmp, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
            n++;
            if (strcasecmp(t, "gpkg") == 0 || strcasecmp(t, "shp") == 0)
                continue;
            snprintf(buf, len, "unknown format '%s' (known: gpkg, shp)", t);
            return buf;
        }
        return n ? NULL : "empty list of formats";
    }
    }
    return NULL;
}

/* ---- the typed configuration ---------------------------------------------- */

static const gp_entry *entry_of(const gp_entry *e, int n, const char *sec, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strcmp(e[i].sec, sec) == 0 && strcmp(e[i].key, key) == 0)
            return &e[i];
    return NULL;
}

static int choice_index(const char *choices, const char *v)
{
    size_t n = strlen(v);
    int k = 0;
    for (const char *c = choices; *c; k++) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && strncmp(c, v, n) == 0)
            return k;
        if (!bar)
            break;
        c = bar + 1;
    }
    return 0;
}

/* Puts the text v (a checked value, or the default) where ks says. */
static void store(gp_config *cfg, const keyspec *ks, const char *v, bool given)
{
    char *at = (char *)cfg + ks->off;
    double lo, hi;
    long l = 0;
    switch (ks->type) {
    case K_PATH:
    case K_SOURCE:
    case K_DATABASE:
    case K_IDENT:
    case K_STR:
        *(const char **)at = v;
        break;
    case K_FIELD:
        ((gp_cfg_field *)at)->name = v;
        ((gp_cfg_field *)at)->given = given;
        break;
    case K_NUM:
        gp_parse_double(v, (double *)at);
        break;
    case K_INT:
        gp_parse_int(v, &l);
        *(int *)at = (int)l;
        break;
    case K_LONG:
        gp_parse_int(v, (long *)at);
        break;
    case K_BOOL:
        *(bool *)at = strcmp(v, "yes") == 0;
        break;
    case K_CHOICE:
        *(int *)at = choice_index(ks->choices, v);
        break;
    case K_RANGE: {
        gp_cfg_bound *b = (gp_cfg_bound *)at;
        b->set = gp_parse_range(v, &b->lo, &b->hi);
        break;
    }
    case K_SPAN: /* [workers] per_grid: N (exactly N) or MIN..MAX */
        if (gp_parse_double(v, &lo))
            cfg->workers.per_grid_lo = cfg->workers.per_grid_hi = lo;
        else if (gp_parse_range(v, &lo, &hi))
            cfg->workers.per_grid_lo = lo, cfg->workers.per_grid_hi = hi;
        break;
    case K_COUNT:
        cfg->grid.count_text = v;
        cfg->grid.count = GP_COUNT_AUTO;
        if (strcmp(v, "workers") == 0) {
            cfg->grid.count = GP_COUNT_WORKERS;
        } else if (gp_parse_int(v, &l)) {
            cfg->grid.count = GP_COUNT_FIXED;
            cfg->grid.count_min = cfg->grid.count_max = (int)l;
        } else if (gp_parse_range(v, &lo, &hi)) {
            cfg->grid.count = GP_COUNT_RANGE;
            cfg->grid.count_min = (int)lo, cfg->grid.count_max = (int)hi;
        }
        break;
    case K_FORMATS:
        cfg->output.formats = v;
        break;
    }
}

bool gp_config_lists(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list ? list : ""; *p;) {
        size_t len = strcspn(p, ", ");
        if (len == n && strncasecmp(p, name, n) == 0)
            return true;
        p += len;
        p += strspn(p, ", ");
    }
    return false;
}

bool gp_config_is_database(const char *path) { return path && strncasecmp(path, "PG:", 3) == 0; }

/* Appends the n bytes at s to buf (used bytes *o of len), cut at the end. */
static void shown_put(char *buf, size_t len, size_t *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n && *o + 1 < len; i++)
        buf[(*o)++] = s[i];
}

void gp_config_conn_shown(const char *conn, char *buf, size_t len)
{
    if (!len)
        return;
    size_t o = 0;
    const char *p = conn ? conn : "";
    while (*p) {
        /* postgresql://user:PASSWORD@host/... */
        if (strncmp(p, "://", 3) == 0) {
            const char *u = p + 3, *end = u + strcspn(u, "@/?#"), *colon = memchr(u, ':', (size_t)(end - u));
            if (*end == '@' && colon) {
                shown_put(buf, len, &o, p, (size_t)(colon + 1 - p));
                shown_put(buf, len, &o, "***", 3);
                p = end;
                continue;
            }
        }
        /* password=VALUE, password = 'a value', ...?password=VALUE&... */
        bool word = p == conn || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        if (word && strncasecmp(p, "password", 8) == 0) {
            const char *q = p + 8;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '=') {
                q++;
                while (*q == ' ' || *q == '\t')
                    q++;
                shown_put(buf, len, &o, p, (size_t)(q - p));
                shown_put(buf, len, &o, "***", 3);
                if (*q == '\'') {
                    for (q++; *q && *q != '\''; q++)
                        if (*q == '\\' && q[1])
                            q++;
                    if (*q)
                        q++;
                } else {
                    while (*q && !isspace((unsigned char)*q) && *q != '&')
                        q++;
                }
                p = q;
                continue;
            }
        }
        shown_put(buf, len, &o, p++, 1);
    }
    buf[o] = '\0';
}

void gp_config_clear(gp_config *cfg)
{
    free(cfg->input.previous_grids);
    free(cfg->case_weights.type);
    free(cfg->case_weights.weight);
    memset(cfg, 0, sizeof *cfg);
}

bool gp_config_build(gp_config *cfg, const gp_entry *e, int n, const char *path, const char *out_dir)
{
    gp_config_clear(cfg);
    gp_cfg_bound *open[] = {&cfg->grid.households, &cfg->grid.population, &cfg->grid.cases, &cfg->grid.workload,
                            &cfg->workers.community_fte};
    for (size_t b = 0; b < sizeof open / sizeof open[0]; b++)
        *open[b] = (gp_cfg_bound){-INFINITY, INFINITY, false};
    for (size_t k = 0; k < NKEYS; k++) {
        const keyspec *ks = &KEYS[k];
        if (strcmp(ks->key, "*") == 0)
            continue; /* [case_weights]: below */
        const gp_entry *v = entry_of(e, n, ks->sec, ks->key);
        if (ks->type == K_FIELD)
            ((gp_cfg_field *)((char *)cfg + ks->off))->key = ks->key;
        if (v || ks->def)
            store(cfg, ks, v ? v->val : ks->def, v != NULL);
    }
    cfg->path = path;
    static const char *const src_key[] = {"units", "communities", "cases", "existing_plan", "weights", "workers"};
    gp_cfg_source *src[] = {&cfg->input.units, &cfg->input.communities, &cfg->input.cases,
                            &cfg->input.existing_plan, &cfg->input.weights, &cfg->input.workers};
    for (int s = 0; s < 6; s++)
        src[s]->key = src_key[s];
    cfg->atoms.shape_given = entry_of(e, n, "atoms", "shape") != NULL;
    cfg->atoms.size_given = entry_of(e, n, "atoms", "size") != NULL;
    if (!entry_of(e, n, "workers", "capacity"))
        cfg->workers.capacity = NAN;
    if (!entry_of(e, n, "workers", "time_limit"))
        cfg->workers.time_limit = cfg->solver.time_limit;
    cfg->output.dir = out_dir;
    /* an update: the previous output's grids are the plan in force, kept
     * where nothing changed and the start of the rebalancing elsewhere */
    if (cfg->input.previous) {
        size_t len = strlen(cfg->input.previous) + 16;
        if (!(cfg->input.previous_grids = malloc(len)))
            return false;
        snprintf(cfg->input.previous_grids, len, "%s/grids.gpkg", cfg->input.previous);
        cfg->input.existing_plan_given = cfg->input.existing_plan.path != NULL;
        cfg->input.existing_plan.path = cfg->input.previous_grids;
        cfg->input.existing_plan.layer = "grids";
        cfg->input.existing_plan.crs = NULL;
        cfg->input.existing_plan_id.name = "grid_id";
        if (!entry_of(e, n, "objective", "stability"))
            cfg->objective.stability = 1;
    }
    /* workload: what the section says (keys left out weigh 0); without the
     * section, households, or population when there are no households */
    bool any = false;
    for (int i = 0; i < n; i++)
        any |= strcmp(e[i].sec, "workload") == 0;
    if (!any) {
        bool hh = cfg->input.units_households.given;
        cfg->workload.households = hh ? 1 : 0;
        cfg->workload.population = hh ? 0 : 1;
    }
    /* [case_weights]: TYPE = weight in file order, "default" apart */
    const keyspec *cw = &KEYS[0];
    for (size_t k = 0; k < NKEYS; k++)
        if (strcmp(KEYS[k].sec, "case_weights") == 0)
            cw = &KEYS[k];
    store(cfg, cw, cw->def, false);
    int m = 0;
    for (int i = 0; i < n; i++)
        m += strcmp(e[i].sec, "case_weights") == 0;
    cfg->case_weights.type = calloc((size_t)m + 1, sizeof *cfg->case_weights.type);
    cfg->case_weights.weight = calloc((size_t)m + 1, sizeof *cfg->case_weights.weight);
    if (!cfg->case_weights.type || !cfg->case_weights.weight)
        return false;
    for (int i = 0; i < n; i++) {
        if (strcmp(e[i].sec, "case_weights") != 0)
            continue;
        if (strcmp(e[i].key, "default") == 0) {
            store(cfg, cw, e[i].val, true);
            continue;
        }
        cfg->case_weights.type[cfg->case_weights.n] = e[i].key;
        gp_parse_double(e[i].val, &cfg->case_weights.weight[cfg->case_weights.n++]);
    }
    return true;
}
