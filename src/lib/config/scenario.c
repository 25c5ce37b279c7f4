/* Scenario files: INI parsed by inih, each key checked against the table
 * (keys.c) and the keys against each other, then the typed configuration
 * built. Every error names the file, the line and the key. */
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cpl_error.h>
#include <ogr_srs_api.h>

#include "config/keys.h"

struct gp_scenario {
    char *path;       /* as given */
    char *base_dir;   /* folder of the file, for relative paths */
    gp_entry *e;
    int n, cap;
    char *outdir;
    /* parse state */
    gp_ctx *ctx;
    FILE *f;
    int line;
    gp_status failed; /* the first error of on_kv: GP_ERR_SCENARIO or GP_ERR_NOMEM */
    gp_config cfg;    /* the typed configuration, rebuilt by finish() */
};

static int find_entry(const gp_scenario *sc, const char *sec, const char *key)
{
    for (int i = 0; i < sc->n; i++)
        if (strcmp(sc->e[i].sec, sec) == 0 && strcmp(sc->e[i].key, key) == 0)
            return i;
    return -1;
}

static gp_status put(gp_scenario *sc, const char *sec, const char *key, const char *val,
                     int line, const char *base, bool allow_replace)
{
    gp_ctx *ctx = sc->ctx;
    bool sec_known;
    const keyspec *ks = gp_key_find(sec, key, &sec_known);
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
    char buf[256], shown[512];
    const char *msg = gp_key_check(ks, val, buf, sizeof buf);
    /* a connection string may hold a password: never in a message */
    gp_config_conn_shown(val, shown, sizeof shown);
    if (msg)
        return gp_fail(ctx, GP_ERR_SCENARIO, "%s%s: [%s] %s = %s: %s", where, loc, sec, key, shown, msg);
    int i = find_entry(sc, sec, key);
    if (i >= 0 && !allow_replace)
        return gp_fail(ctx, GP_ERR_SCENARIO, "%s%s: [%s] %s is set twice (first on line %d)",
                       where, loc, sec, key, sc->e[i].line);
    /* a database is no file: its connection string stays as written */
    bool resolve = ks->type == K_PATH || (ks->type == K_SOURCE && !gp_config_is_database(val));
    char *v = resolve ? gp_path_join(base, val) : gp_strdup(val);
    if (!v)
        return GP_ERR_NOMEM;
    if (i >= 0) {
        free(sc->e[i].val);
        sc->e[i].val = v;
        sc->e[i].line = line;
        return GP_OK;
    }
    if (!gp_grow(&sc->e, &sc->cap, sc->n + 1, sizeof *sc->e)) {
        free(v);
        return GP_ERR_NOMEM;
    }
    gp_entry *e = &sc->e[sc->n];
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
    gp_status st = put(sc, sec, key, val, sc->line, sc->base_dir, false);
    if (st != GP_OK) {
        sc->failed = st;
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
    /* a section opened twice would quietly add to the first: each section
     * once, so that nobody wonders which bounds apply */
    struct { const char *p; size_t len; int line; } sec[64];
    int nsec = 0;
    if (strncmp(text, "\xEF\xBB\xBF", 3) == 0)
        text += 3;
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
        const char *close = len && p[0] == '[' ? memchr(p, ']', len) : NULL;
        if (close) {
            size_t sl = (size_t)(close - p - 1);
            for (int i = 0; i < nsec; i++)
                if (sec[i].len == sl && memcmp(sec[i].p, p + 1, sl) == 0)
                    return gp_fail(ctx, GP_ERR_SCENARIO, "%s:%d: section [%.*s] appears twice (first on line %d): "
                                   "merge the two", name, line, (int)sl, p + 1, sec[i].line);
            if (nsec < (int)(sizeof sec / sizeof sec[0]))
                sec[nsec].p = p + 1, sec[nsec].len = sl, sec[nsec++].line = line;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return GP_OK;
}

static gp_status finish(gp_scenario *sc)
{
    /* the typed configuration first: it never points at a value that
     * gp_scenario_set replaced, even when a check below fails */
    const char *od = gp_scenario_get(sc, "output", "dir");
    free(sc->outdir);
    sc->outdir = od ? gp_strdup(od) : gp_path_join(sc->base_dir, "out");
    if (!sc->outdir || !gp_config_build(&sc->cfg, sc->e, sc->n, sc->path, sc->outdir))
        return GP_ERR_NOMEM;
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
    int n_weights = 0;
    for (int i = 0; i < sc->n; i++)
        n_weights += strcmp(sc->e[i].sec, "case_weights") == 0;
    if (find_entry(sc, "input", "cases.type") < 0 && n_weights > 0)
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
    static const char *const pg_keys[] = {"postgis.schema", "postgis.prefix"};
    for (int k = 0; k < 2; k++) {
        int i = find_entry(sc, "output", pg_keys[k]);
        if (i >= 0 && find_entry(sc, "output", "postgis") < 0)
            return gp_fail(ctx, GP_ERR_SCENARIO, "%s:%d: [output] %s is set but [output] postgis is not: name the "
                           "database (postgis = PG:dbname=NAME, or PG: for the libpq environment) or remove the key",
                           where, sc->e[i].line, pg_keys[k]);
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
    return GP_OK;
}

static gp_status parse(gp_ctx *ctx, const char *text, const char *name, const char *base_dir, gp_scenario **out)
{
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
    if (sc->failed == GP_ERR_NOMEM)
        st = gp_fail(ctx, GP_ERR_NOMEM, "%s: out of memory while parsing", sc->path);
    else if (sc->failed)
        st = sc->failed;
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

gp_status gp_scenario_parse(gp_ctx *ctx, const char *text, const char *name, const char *base_dir,
                            gp_scenario **out)
{
    if (!ctx || !text || !out)
        return GP_ERR_ARG;
    void *loc = gp_locale_enter();
    gp_status st = parse(ctx, text, name, base_dir, out);
    gp_locale_leave(loc);
    return st;
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
    void *loc = gp_locale_enter();
    gp_status st = put(sc, section, key, value, 0, NULL, true);
    if (st == GP_OK)
        st = finish(sc);
    gp_locale_leave(loc);
    return st;
}

gp_status gp_scenario_set_many(gp_ctx *ctx, gp_scenario *sc, int n, const char *const *sections,
                               const char *const *keys, const char *const *values)
{
    if (!ctx || !sc || n < 0 || (n > 0 && (!sections || !keys || !values)))
        return GP_ERR_ARG;
    for (int k = 0; k < n; k++)
        if (!sections[k] || !keys[k] || !values[k])
            return GP_ERR_ARG;
    sc->ctx = ctx;
    void *loc = gp_locale_enter();
    gp_status st = GP_OK;
    for (int k = 0; k < n && !st; k++)
        st = put(sc, sections[k], keys[k], values[k], 0, NULL, true);
    if (st == GP_OK)
        st = finish(sc);
    gp_locale_leave(loc);
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

const gp_config *gp_scenario_config(const gp_scenario *sc) { return &sc->cfg; }

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
    gp_config_clear(&sc->cfg);
    free(sc->path);
    free(sc->base_dir);
    free(sc->outdir);
    free(sc);
}
