/* Scenario files: INI parsed by inih, validated against a table of known
 * sections and keys. Every error names the file, the line and the key. */
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cpl_error.h>
#include <ogr_srs_api.h>

#include "internal.h"

typedef enum { K_PATH, K_STR, K_NUM, K_INT, K_RANGE, K_COUNT, K_CHOICE, K_FORMATS } ktype;

typedef struct keyspec {
    const char *sec, *key;
    ktype type;
    double min, max;          /* K_NUM / K_INT */
    const char *choices;      /* K_CHOICE: "a|b|c" */
} keyspec;

#define INF INFINITY
static const keyspec KEYS[] = {
    {"input", "units", K_PATH, 0, 0, NULL},
    {"input", "units.layer", K_STR, 0, 0, NULL},
    {"input", "units.id", K_STR, 0, 0, NULL},
    {"input", "units.population", K_STR, 0, 0, NULL},
    {"input", "units.households", K_STR, 0, 0, NULL},
    {"input", "units.crs", K_STR, 0, 0, NULL},
    {"input", "units.lock", K_STR, 0, 0, NULL},
    {"input", "units.dedicated", K_STR, 0, 0, NULL},
    {"input", "communities", K_PATH, 0, 0, NULL},
    {"input", "communities.layer", K_STR, 0, 0, NULL},
    {"input", "communities.id", K_STR, 0, 0, NULL},
    {"input", "communities.name", K_STR, 0, 0, NULL},
    {"input", "communities.code", K_STR, 0, 0, NULL},
    {"input", "communities.crs", K_STR, 0, 0, NULL},
    {"input", "cases", K_PATH, 0, 0, NULL},
    {"input", "cases.layer", K_STR, 0, 0, NULL},
    {"input", "cases.type", K_STR, 0, 0, NULL},
    {"input", "cases.crs", K_STR, 0, 0, NULL},
    {"input", "existing_plan", K_PATH, 0, 0, NULL},
    {"input", "existing_plan.layer", K_STR, 0, 0, NULL},
    {"input", "existing_plan.id", K_STR, 0, 0, NULL},
    {"input", "existing_plan.crs", K_STR, 0, 0, NULL},
    {"input", "weights", K_PATH, 0, 0, NULL},
    {"input", "weights.layer", K_STR, 0, 0, NULL},
    {"input", "weights.field", K_STR, 0, 0, NULL},
    {"input", "weights.crs", K_STR, 0, 0, NULL},
    {"input", "units.x", K_STR, 0, 0, NULL},
    {"input", "units.y", K_STR, 0, 0, NULL},
    {"input", "units.wkt", K_STR, 0, 0, NULL},
    {"input", "communities.x", K_STR, 0, 0, NULL},
    {"input", "communities.y", K_STR, 0, 0, NULL},
    {"input", "communities.wkt", K_STR, 0, 0, NULL},
    {"input", "cases.x", K_STR, 0, 0, NULL},
    {"input", "cases.y", K_STR, 0, 0, NULL},
    {"input", "cases.wkt", K_STR, 0, 0, NULL},
    {"input", "existing_plan.x", K_STR, 0, 0, NULL},
    {"input", "existing_plan.y", K_STR, 0, 0, NULL},
    {"input", "existing_plan.wkt", K_STR, 0, 0, NULL},
    {"input", "weights.x", K_STR, 0, 0, NULL},
    {"input", "weights.y", K_STR, 0, 0, NULL},
    {"input", "weights.wkt", K_STR, 0, 0, NULL},
    {"input", "workers", K_PATH, 0, 0, NULL},
    {"input", "workers.layer", K_STR, 0, 0, NULL},
    {"input", "workers.id", K_STR, 0, 0, NULL},
    {"input", "workers.name", K_STR, 0, 0, NULL},
    {"input", "workers.community", K_STR, 0, 0, NULL},
    {"input", "workers.grids", K_STR, 0, 0, NULL},
    {"input", "workers.fte", K_STR, 0, 0, NULL},
    {"input", "workers.lock", K_STR, 0, 0, NULL},
    {"input", "workers.x", K_STR, 0, 0, NULL},
    {"input", "workers.y", K_STR, 0, 0, NULL},
    {"input", "workers.wkt", K_STR, 0, 0, NULL},
    {"input", "workers.crs", K_STR, 0, 0, NULL},
    {"input", "crs", K_STR, 0, 0, NULL}, /* auto, or a CRS PROJ knows: checked when loading */
    {"atoms", "mode", K_CHOICE, 0, 0, "units|cells"},
    {"atoms", "shape", K_CHOICE, 0, 0, "hex|square"},
    {"atoms", "size", K_NUM, 1e-3, 1e6, NULL},
    {"atoms", "snap", K_NUM, 0, 1000, NULL},
    {"grid", "households", K_RANGE, 0, 0, NULL},
    {"grid", "population", K_RANGE, 0, 0, NULL},
    {"grid", "cases", K_RANGE, 0, 0, NULL},
    {"grid", "workload", K_RANGE, 0, 0, NULL},
    {"grid", "count", K_COUNT, 0, 0, NULL},
    {"workload", "households", K_NUM, 0, 1e9, NULL},
    {"workload", "population", K_NUM, 0, 1e9, NULL},
    {"workload", "cases", K_NUM, 0, 1e9, NULL},
    {"case_weights", "*", K_NUM, 0, 1e9, NULL},
    {"objective", "balance", K_NUM, 0, 1e9, NULL},
    {"objective", "compactness", K_NUM, 0, 1e9, NULL},
    {"objective", "stability", K_NUM, 0, 1e9, NULL},
    {"workers", "allocate", K_CHOICE, 0, 0, "yes|no"},
    {"workers", "community_fte", K_RANGE, 0, 0, NULL},
    {"workers", "max_transfers", K_INT, 0, 1000000, NULL},
    {"workers", "capacity", K_NUM, 1e-9, 1e12, NULL},
    {"workers", "per_grid", K_STR, 0, 0, NULL},
    {"workers", "grids_per_worker", K_INT, 1, 1000, NULL},
    {"workers", "balance", K_NUM, 0, 1e9, NULL},
    {"workers", "continuity", K_NUM, 0, 1e9, NULL},
    {"workers", "travel", K_NUM, 0, 1e9, NULL},
    {"workers", "time_limit", K_NUM, 1e-3, 1e7, NULL},
    {"solver", "time_limit", K_NUM, 1e-3, 1e7, NULL},
    {"solver", "gap", K_NUM, 0, 1, NULL},
    {"solver", "threads", K_INT, 0, 1024, NULL},
    {"solver", "seed", K_INT, 0, 2147483647.0, NULL},
    {"output", "dir", K_PATH, 0, 0, NULL},
    {"output", "formats", K_FORMATS, 0, 0, NULL},
    {"output", "crs", K_STR, 0, 0, NULL}, /* input, working, or a CRS PROJ knows: checked in finish() */
    {"output", "grid_codes", K_CHOICE, 0, 0, "auto|structured|simple"},
};
#define NKEYS (sizeof KEYS / sizeof KEYS[0])

typedef struct entry {
    char *sec, *key, *val;
    int line;
} entry;

struct gp_scenario {
    char *path;       /* as given */
    char *base_dir;   /* folder of the file, for relative paths */
    entry *e;
    int n, cap;
    char *outdir;
    /* parse state */
    gp_ctx *ctx;
    FILE *f;
    int line;
    bool failed;
    /* scratch for gp_scn_section */
    const char **sk, **sv;
};

static const keyspec *find_spec(const char *sec, const char *key, bool *sec_known)
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

static int find_entry(const gp_scenario *sc, const char *sec, const char *key)
{
    for (int i = 0; i < sc->n; i++)
        if (strcmp(sc->e[i].sec, sec) == 0 && strcmp(sc->e[i].key, key) == 0)
            return i;
    return -1;
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

/* Validates a value; returns NULL when fine, else a message (static). */
static const char *check_value(const keyspec *ks, const char *v, char *buf, size_t len)
{
    double d, lo, hi;
    long l;
    switch (ks->type) {
    case K_PATH:
    case K_STR:
        if (!v[0])
            return "empty value";
        return NULL;
    case K_NUM:
        if (!gp_parse_double(v, &d))
            return "not a number";
        if (d < ks->min || d > ks->max) {
            snprintf(buf, len, "%g is out of range (allowed %g to %g)", d, ks->min, ks->max);
            return buf;
        }
        return NULL;
    case K_INT:
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

static gp_status put(gp_scenario *sc, const char *sec, const char *key, const char *val,
                     int line, const char *base, bool allow_replace)
{
    gp_ctx *ctx = sc->ctx;
    bool sec_known;
    const keyspec *ks = find_spec(sec, key, &sec_known);
    const char *where = sc->path ? sc->path : "scenario";
    char loc[64];
    if (line > 0)
        snprintf(loc, sizeof loc, ":%d", line);
    else
        loc[0] = '\0';
    if (!sec[0])
        return gp_fail(ctx, GP_ERR_SCENARIO, "%s%s: key '%s' is outside any section: put it under [input], [grid], ...",
                       where, loc, key);
    if (!sec_known)
        return gp_fail(ctx, GP_ERR_SCENARIO,
                       "%s%s: unknown section [%s] (known: input, atoms, grid, workload, case_weights, workers, "
                       "objective, solver, output)", where, loc, sec);
    if (!ks)
        return gp_fail(ctx, GP_ERR_SCENARIO, "%s%s: unknown key '%s' in [%s] (see docs/scenario.md)",
                       where, loc, key, sec);
    char buf[256];
    const char *msg = check_value(ks, val, buf, sizeof buf);
    if (msg)
        return gp_fail(ctx, GP_ERR_SCENARIO, "%s%s: [%s] %s = %s: %s", where, loc, sec, key, val, msg);
    int i = find_entry(sc, sec, key);
    if (i >= 0 && !allow_replace)
        return gp_fail(ctx, GP_ERR_SCENARIO, "%s%s: [%s] %s is set twice (first on line %d)",
                       where, loc, sec, key, sc->e[i].line);
    char *v = ks->type == K_PATH ? gp_path_join(base, val) : gp_strdup(val);
    if (!v)
        return GP_ERR_NOMEM;
    if (i >= 0) {
        free(sc->e[i].val);
        sc->e[i].val = v;
        sc->e[i].line = line;
        return GP_OK;
    }
    if (sc->n == sc->cap) {
        int cap = sc->cap ? sc->cap * 2 : 32;
        entry *e = realloc(sc->e, (size_t)cap * sizeof *e);
        if (!e) {
            free(v);
            return GP_ERR_NOMEM;
        }
        sc->e = e;
        sc->cap = cap;
    }
    entry *e = &sc->e[sc->n];
    e->sec = gp_strdup(sec);
    e->key = gp_strdup(key);
    e->val = v;
    e->line = line;
    if (!e->sec || !e->key) {
        free(e->sec);
        free(e->key);
        free(v);
        return GP_ERR_NOMEM;
    }
    sc->n++;
    return GP_OK;
}

static int on_kv(void *user, const char *sec, const char *key, const char *val)
{
    gp_scenario *sc = user;
    if (sc->failed)
        return 1;
    if (put(sc, sec, key, val, sc->line, sc->base_dir, false) != GP_OK) {
        sc->failed = true;
        return 0;
    }
    return 1;
}

/* Reader for ini_parse_stream that counts lines, so errors carry them. */
typedef struct strsrc { const char *p; int *line; } strsrc;

static char *read_str(char *buf, int size, void *stream)
{
    strsrc *s = stream;
    if (!*s->p)
        return NULL;
    int n = 0;
    while (*s->p && n < size - 1) {
        char c = *s->p++;
        buf[n++] = c;
        if (c == '\n')
            break;
    }
    buf[n] = '\0';
    (*s->line)++;
    return buf;
}

/* inih reads lines of up to INI_MAX_LINE bytes and takes an indented line
 * as the continuation of the previous value: both would give misleading
 * errors, so they are caught here first with their line numbers. */
static gp_status precheck(gp_ctx *ctx, const char *name, const char *text)
{
    int line = 1;
    for (const char *p = text; *p; line++) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len && p[len - 1] == '\r')
            len--;
        if (len > 190)
            return gp_fail(ctx, GP_ERR_SCENARIO, "%s:%d: line is longer than 190 characters: shorten it (e.g. a "
                           "shorter path)", name, line);
        size_t ws = 0;
        while (ws < len && (p[ws] == ' ' || p[ws] == '\t'))
            ws++;
        if (ws > 0 && ws < len && p[ws] != ';' && p[ws] != '#')
            return gp_fail(ctx, GP_ERR_SCENARIO, "%s:%d: line starts with spaces: write keys and sections at the "
                           "start of the line", name, line);
        if (!e)
            break;
        p = e + 1;
    }
    return GP_OK;
}

static gp_status finish(gp_scenario *sc)
{
    gp_ctx *ctx = sc->ctx;
    const char *where = sc->path;
    if (find_entry(sc, "input", "units") < 0)
        return gp_fail(ctx, GP_ERR_SCENARIO,
                       "%s: [input] units is missing: name the file of census units (e.g. units = blocks.gpkg)",
                       where);
    if (find_entry(sc, "input", "units.households") < 0 && find_entry(sc, "input", "units.population") < 0)
        return gp_fail(ctx, GP_ERR_SCENARIO,
                       "%s: [input] needs units.households or units.population: the field(s) holding the counts",
                       where);
    static const char *need_field[][2] = {
        {"households", "units.households"}, {"population", "units.population"}, {"cases", "cases"}};
    for (int i = 0; i < 3; i++) {
        int b = find_entry(sc, "grid", need_field[i][0]);
        if (b >= 0 && find_entry(sc, "input", need_field[i][1]) < 0)
            return gp_fail(ctx, GP_ERR_SCENARIO,
                           "%s:%d: [grid] %s is bounded but [input] %s is not set: map the field or remove the bound",
                           where, sc->e[b].line, need_field[i][0], need_field[i][1]);
    }
    if (find_entry(sc, "input", "cases.type") < 0 && gp_scn_section(sc, "case_weights", NULL, NULL) > 0)
        return gp_fail(ctx, GP_ERR_SCENARIO,
                       "%s: [case_weights] is set but [input] cases.type is not: name the field holding the case type",
                       where);
    const char *mode = gp_scenario_get(sc, "atoms", "mode");
    static const char *unit_keys[] = {"units.lock", "units.dedicated"};
    for (int k = 0; k < 2; k++)
        if (mode && strcmp(mode, "cells") == 0 && find_entry(sc, "input", unit_keys[k]) >= 0)
            return gp_fail(ctx, GP_ERR_SCENARIO, "%s:%d: [input] %s ties grids to whole units, which needs [atoms] "
                           "mode = units", where, sc->e[find_entry(sc, "input", unit_keys[k])].line, unit_keys[k]);
    if (mode && strcmp(mode, "cells") == 0 && find_entry(sc, "atoms", "size") < 0)
        return gp_fail(ctx, GP_ERR_SCENARIO, "%s:%d: [atoms] mode = cells needs size = METRES (the distance "
                       "between neighbouring cell centres, e.g. size = 150)", where, sc->e[find_entry(sc, "atoms", "mode")].line);
    if (find_entry(sc, "input", "weights") >= 0 && find_entry(sc, "input", "weights.field") < 0)
        return gp_fail(ctx, GP_ERR_SCENARIO, "%s: [input] weights needs weights.field: the field holding each "
                       "polygon's weight (e.g. floor area or density)", where);
    const char *cnt = gp_scenario_get(sc, "grid", "count");
    if (cnt && strcmp(cnt, "workers") == 0 && find_entry(sc, "input", "workers") < 0)
        return gp_fail(ctx, GP_ERR_SCENARIO, "%s:%d: [grid] count = workers needs a roster: set [input] workers = "
                       "FILE (or write count = auto)", where, sc->e[find_entry(sc, "grid", "count")].line);
    if (find_entry(sc, "input", "workers") < 0)
        for (int i = 0; i < sc->n; i++)
            if (strcmp(sc->e[i].sec, "workers") == 0)
                return gp_fail(ctx, GP_ERR_SCENARIO, "%s:%d: [workers] %s is set but [input] workers is not: name "
                               "the roster file or remove the [workers] section", where, sc->e[i].line, sc->e[i].key);
    int oc = find_entry(sc, "output", "crs");
    if (oc >= 0 && strcmp(sc->e[oc].val, "input") != 0 && strcmp(sc->e[oc].val, "working") != 0) {
        OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
        CPLPushErrorHandler(CPLQuietErrorHandler);
        bool ok = OSRSetFromUserInput(srs, sc->e[oc].val) == OGRERR_NONE;
        CPLPopErrorHandler();
        OSRDestroySpatialReference(srs);
        if (!ok)
            return gp_fail(ctx, GP_ERR_SCENARIO, "%s:%d: [output] crs = %s: not a CRS PROJ knows: write input (the "
                           "communities' CRS), working, or a code such as EPSG:4490", where, sc->e[oc].line,
                           sc->e[oc].val);
    }
    int pg = find_entry(sc, "workers", "per_grid");
    if (pg >= 0) {
        double plo, phi;
        const char *v = sc->e[pg].val;
        bool ok = gp_parse_double(v, &plo) ? (phi = plo, true) : gp_parse_range(v, &plo, &phi);
        if (!ok || plo < 1 || plo != floor(plo) || (isfinite(phi) && phi != floor(phi)))
            return gp_fail(ctx, GP_ERR_SCENARIO, "%s:%d: [workers] per_grid = %s: write whole numbers of workers "
                           "per grid, at least 1: 1 (exactly one), 1.. (at least one) or 1..2", where, sc->e[pg].line,
                           v);
    }
    const char *od = gp_scenario_get(sc, "output", "dir");
    free(sc->outdir);
    sc->outdir = od ? gp_strdup(od) : gp_path_join(sc->base_dir, "out");
    return sc->outdir ? GP_OK : GP_ERR_NOMEM;
}

gp_status gp_scenario_parse(gp_ctx *ctx, const char *text, const char *name, const char *base_dir,
                            gp_scenario **out)
{
    if (!ctx || !text || !out)
        return GP_ERR_ARG;
    *out = NULL;
    ctx->errmsg[0] = '\0';
    gp_scenario *sc = calloc(1, sizeof *sc);
    if (!sc)
        return GP_ERR_NOMEM;
    sc->ctx = ctx;
    sc->path = gp_strdup(name ? name : "scenario");
    sc->base_dir = gp_strdup(base_dir ? base_dir : ".");
    if (!sc->path || !sc->base_dir) {
        gp_scenario_destroy(sc);
        return GP_ERR_NOMEM;
    }
    gp_status st = precheck(ctx, sc->path, text);
    if (st != GP_OK) {
        gp_scenario_destroy(sc);
        return st;
    }
    strsrc src = {text, &sc->line};
    int rc = ini_parse_stream(read_str, &src, on_kv, sc);
    if (sc->failed)
        st = GP_ERR_SCENARIO;
    else if (rc > 0)
        st = gp_fail(ctx, GP_ERR_SCENARIO,
                     "%s:%d: syntax error: expected '[section]', 'key = value' or a comment (; or #)",
                     sc->path, rc);
    else if (rc < 0)
        st = gp_fail(ctx, GP_ERR_NOMEM, "%s: out of memory while parsing", sc->path);
    if (st == GP_OK)
        st = finish(sc);
    if (st != GP_OK) {
        gp_scenario_destroy(sc);
        return st;
    }
    *out = sc;
    return GP_OK;
}

gp_status gp_scenario_load(gp_ctx *ctx, const char *path, gp_scenario **out)
{
    if (!ctx || !path || !out)
        return GP_ERR_ARG;
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return gp_fail(ctx, GP_ERR_IO, "%s: cannot open the scenario file: %s", path, strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *t = realloc(text, cap);
            if (!t) {
                free(text);
                fclose(f);
                return GP_ERR_NOMEM;
            }
            text = t;
        }
        memcpy(text + len, buf, n);
        len += n;
    }
    bool err = ferror(f);
    fclose(f);
    if (err) {
        free(text);
        return gp_fail(ctx, GP_ERR_IO, "%s: read error", path);
    }
    if (!text) {
        text = gp_strdup("");
        if (!text)
            return GP_ERR_NOMEM;
    }
    text[len] = '\0';
    if (memchr(text, '\0', len))
        return free(text), gp_fail(ctx, GP_ERR_SCENARIO, "%s: not a text file (contains NUL bytes)", path);
    char *dir = gp_path_dirname(path);
    gp_status st = dir ? gp_scenario_parse(ctx, text, path, dir, out) : GP_ERR_NOMEM;
    free(dir);
    free(text);
    return st;
}

gp_status gp_scenario_set(gp_ctx *ctx, gp_scenario *sc, const char *section, const char *key,
                          const char *value)
{
    if (!ctx || !sc || !section || !key || !value)
        return GP_ERR_ARG;
    sc->ctx = ctx;
    gp_status st = put(sc, section, key, value, 0, NULL, true);
    if (st == GP_OK)
        st = finish(sc);
    return st;
}

const char *gp_scenario_get(const gp_scenario *sc, const char *section, const char *key)
{
    if (!sc || !section || !key)
        return NULL;
    int i = find_entry(sc, section, key);
    return i >= 0 ? sc->e[i].val : NULL;
}

const char *gp_scenario_output_dir(const gp_scenario *sc) { return sc ? sc->outdir : NULL; }

const char *gp_scn_path(const gp_scenario *sc) { return sc->path; }

void gp_scenario_destroy(gp_scenario *sc)
{
    if (!sc)
        return;
    for (int i = 0; i < sc->n; i++) {
        free(sc->e[i].sec);
        free(sc->e[i].key);
        free(sc->e[i].val);
    }
    free(sc->e);
    free(sc->sk);
    free(sc->sv);
    free(sc->path);
    free(sc->base_dir);
    free(sc->outdir);
    free(sc);
}

const char *gp_scn_str(const gp_scenario *sc, const char *sec, const char *key, const char *def)
{
    const char *v = gp_scenario_get(sc, sec, key);
    return v ? v : def;
}

double gp_scn_num(const gp_scenario *sc, const char *sec, const char *key, double def)
{
    double d;
    const char *v = gp_scenario_get(sc, sec, key);
    return v && gp_parse_double(v, &d) ? d : def;
}

bool gp_scn_range(const gp_scenario *sc, const char *sec, const char *key, double *lo, double *hi)
{
    const char *v = gp_scenario_get(sc, sec, key);
    return v && gp_parse_range(v, lo, hi);
}

int gp_scn_section(const gp_scenario *sc, const char *sec, const char ***keys, const char ***vals)
{
    gp_scenario *m = (gp_scenario *)sc; /* scratch arrays only */
    int n = 0;
    for (int i = 0; i < sc->n; i++)
        n += strcmp(sc->e[i].sec, sec) == 0;
    if (!keys)
        return n;
    free(m->sk);
    free(m->sv);
    m->sk = calloc((size_t)n + 1, sizeof *m->sk);
    m->sv = calloc((size_t)n + 1, sizeof *m->sv);
    if (!m->sk || !m->sv)
        return 0;
    int k = 0;
    for (int i = 0; i < sc->n; i++)
        if (strcmp(sc->e[i].sec, sec) == 0) {
            m->sk[k] = sc->e[i].key;
            m->sv[k++] = sc->e[i].val;
        }
    *keys = m->sk;
    *vals = m->sv;
    return n;
}
