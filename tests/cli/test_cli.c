/* CLI tests for gridplan: run the real binary on the real demo files and
 * check what a user would check, reading the outputs back with GDAL/OGR.
 *
 * Configuration (environment):
 *   GRIDPLAN_BIN   path of the gridplan executable (required)
 *   GP_SOURCE_DIR  root of the source tree, for datasets/demo (required)
 *   GP_KEEP_TMP    if set, the temporary folder is kept and its path printed
 *
 * Usage: test_cli [SUITE]   (SUITE: demo, determinism, atomic, errors, workers, outputs)
 *
 * Build (needs GDAL and CUnit):
 *   cc -std=c11 test_cli.c -o test_cli $(pkg-config --cflags --libs gdal) -lcunit
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <CUnit/Basic.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <gdal.h>
#include <limits.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The demo scenario's bounds (datasets/demo/scenario.ini, [grid]). */
#define DEMO_HH_MIN 300.0
#define DEMO_HH_MAX 500.0
#define DEMO_POP_MAX 1500.0
#define DEMO_COMMUNITIES 10
#define RUN_TIMEOUT_S 120

static char g_bin[PATH_MAX];  /* GRIDPLAN_BIN */
static char g_src[PATH_MAX];  /* GP_SOURCE_DIR, resolved */
static char g_demo[PATH_MAX + 32]; /* g_src/datasets/demo */
static char g_tmp[PATH_MAX];  /* the temp folder of this run */

/* ---- assertions with a formatted message ------------------------------ */

static bool check_impl(bool ok, unsigned line, const char *file, const char *fmt, ...)
{
    char buf[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, buf, file, "", CU_FALSE);
    return ok;
}
/* CHECK(cond, "message %d", x): a non-fatal assertion; returns cond. */
#define CHECK(cond, ...) check_impl((cond) ? true : false, __LINE__, __FILE__, __VA_ARGS__)

/* ---- small helpers ----------------------------------------------------- */

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) {
        fprintf(stderr, "test_cli: out of memory\n");
        exit(99);
    }
    return d;
}

static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fprintf(stderr, "test_cli: out of memory\n");
        exit(99);
    }
    return s;
}

/* The whole file, NUL-terminated; NULL if it cannot be read. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static bool write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* s with every occurrence of from replaced by to (new string). */
static char *replace_all(const char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    if (fl == 0)
        return xstrdup(s);
    for (const char *p = s; (p = strstr(p, from)); p += fl)
        n++;
    char *out = malloc(strlen(s) + n * tl + 1);
    if (!out)
        exit(99);
    char *o = out;
    const char *p = s, *q;
    while ((q = strstr(p, from))) {
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, tl);
        o += tl;
        p = q + fl;
    }
    strcpy(o, p);
    return out;
}

/* A short, one-line excerpt of a text for failure messages. */
static const char *excerpt(const char *s)
{
    static char buf[4][360];
    static int k;
    char *b = buf[k++ % 4];
    size_t n = 0;
    for (const char *p = s ? s : ""; *p && n < sizeof buf[0] - 4; p++)
        b[n++] = (*p == '\n' || *p == '\r') ? '|' : *p;
    if (s && strlen(s) > n)
        b[n++] = '.', b[n++] = '.', b[n++] = '.';
    b[n] = '\0';
    return b;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rmtree(const char *path) { nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS); }

/* Entries of dir whose names start with prefix. */
static int count_prefixed(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

/* ---- running the binary ------------------------------------------------ */

typedef struct run_result {
    int code;       /* exit status, or -1 (spawn failed, signal, timeout) */
    char *out, *err; /* captured stdout / stderr */
    char *err_s;    /* stderr with the temp and source folders as <TMP>, <SRC> */
    char *out_s;
    char what[512]; /* the command line, for messages */
} run_result;

static void run_free(run_result *r)
{
    free(r->out);
    free(r->err);
    free(r->err_s);
    free(r->out_s);
    memset(r, 0, sizeof *r);
}

static char *sanitize(const char *s)
{
    char *a = replace_all(s ? s : "", g_tmp, "<TMP>");
    char *b = replace_all(a, g_src, "<SRC>");
    free(a);
    return b;
}

/* Runs GRIDPLAN_BIN with the NULL-terminated args; stdout and stderr go to
 * TMP/logs/TAG.{stdout,stderr} and are read back. */
static void run_gp(run_result *r, const char *tag, const char *const *args)
{
    memset(r, 0, sizeof *r);
    r->code = -1;
    char *logdir = xasprintf("%s/logs", g_tmp);
    mkdir(logdir, 0777);
    char *po = xasprintf("%s/%s.stdout", logdir, tag), *pe = xasprintf("%s/%s.stderr", logdir, tag);
    const char *argv[32];
    int n = 0;
    argv[n++] = g_bin;
    size_t w = (size_t)snprintf(r->what, sizeof r->what, "gridplan");
    for (int i = 0; args[i] && n < 31; i++) {
        argv[n++] = args[i];
        if (w < sizeof r->what)
            w += (size_t)snprintf(r->what + w, sizeof r->what - w, " %s", args[i]);
    }
    argv[n] = NULL;
    char *what_s = sanitize(r->what);
    snprintf(r->what, sizeof r->what, "%s", what_s);
    free(what_s);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, po, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, pe, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    int rc = posix_spawn(&pid, g_bin, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "test_cli: cannot start %s: %s\n", g_bin, strerror(rc));
    } else {
        int status = 0;
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
            pid_t p = waitpid(pid, &status, WNOHANG);
            if (p == pid)
                break;
            if (p < 0 && errno != EINTR) {
                status = -1;
                break;
            }
            clock_gettime(CLOCK_MONOTONIC, &t);
            if (t.tv_sec - t0.tv_sec > RUN_TIMEOUT_S) {
                fprintf(stderr, "test_cli: %s: no exit after %d s, killing it\n", r->what, RUN_TIMEOUT_S);
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                status = -1;
                break;
            }
            struct timespec nap = {0, 5 * 1000 * 1000};
            nanosleep(&nap, NULL);
        }
        if (status != -1 && WIFEXITED(status))
            r->code = WEXITSTATUS(status);
        else if (status != -1 && WIFSIGNALED(status))
            fprintf(stderr, "test_cli: %s: killed by signal %d\n", r->what, WTERMSIG(status));
    }
    r->out = read_file(po, NULL);
    r->err = read_file(pe, NULL);
    if (!r->out)
        r->out = xstrdup("");
    if (!r->err)
        r->err = xstrdup("");
    r->out_s = sanitize(r->out);
    r->err_s = sanitize(r->err);
    free(po);
    free(pe);
    free(logdir);
}

#define RUN(r, tag, ...)                                                                                           \
    do {                                                                                                           \
        const char *args_[] = {__VA_ARGS__, NULL};                                                                 \
        run_gp((r), (tag), args_);                                                                                 \
    } while (0)

/* Checks the exit code, with the stderr in the message when it is wrong. */
#define CHECK_EXIT(r, want)                                                                                        \
    CHECK((r)->code == (want), "%s: exit %d, expected %d; stderr: %s", (r)->what, (r)->code, (want),             \
          excerpt((r)->err_s))

/* ---- scenario files ---------------------------------------------------- */

enum { OP_REPLACE = 1, OP_DELETE, OP_INSERT_AFTER };

typedef struct edit {
    const char *sec; /* section of the target line */
    const char *key; /* key of the target line; NULL: the [sec] header itself */
    int op;
    const char *text; /* new line; "@TMP@" becomes the temp folder */
} edit;

static void trim(char *s)
{
    char *b = s;
    while (*b == ' ' || *b == '\t')
        b++;
    size_t n = strlen(b);
    while (n && (b[n - 1] == ' ' || b[n - 1] == '\t' || b[n - 1] == '\r' || b[n - 1] == '\n'))
        n--;
    memmove(s, b, n);
    s[n] = '\0';
}

/* Writes a copy of the demo scenario to path, with absolute input paths,
 * [output] dir = outdir, and the edits applied. Returns the 1-based line
 * number of the last edited/inserted line in the new file (0 for a
 * deletion), or -1 if an edit's target was not found. */
static int write_scenario(const char *path, const char *outdir, const edit *edits, int n_edits)
{
    char *src_path = xasprintf("%s/scenario.ini", g_demo);
    char *text = read_file(src_path, NULL);
    free(src_path);
    if (!text)
        return -1;
    char *lines[512];
    int n = 0;
    char sec[64] = "";
    for (char *l = text, *next; l && *l && n < 400; l = next) {
        next = strchr(l, '\n');
        if (next)
            *next++ = '\0';
        char t[1024];
        snprintf(t, sizeof t, "%s", l);
        trim(t);
        if (t[0] == '[') {
            char *e = strchr(t, ']');
            if (e)
                *e = '\0';
            snprintf(sec, sizeof sec, "%.63s", t + 1);
        } else if (t[0] && t[0] != ';' && t[0] != '#' && strchr(t, '=')) {
            char key[128], val[900];
            char *eq = strchr(t, '=');
            snprintf(key, sizeof key, "%.*s", (int)(eq - t), t);
            trim(key);
            snprintf(val, sizeof val, "%s", eq + 1);
            char *c = strstr(val, " ;");
            if (c)
                *c = '\0';
            trim(val);
            bool path_key = strcmp(sec, "input") == 0 &&
                            (!strcmp(key, "units") || !strcmp(key, "communities") || !strcmp(key, "cases") ||
                             !strcmp(key, "existing_plan") || !strcmp(key, "workers"));
            if (path_key && val[0] != '/') {
                lines[n++] = xasprintf("%s = %s/%s", key, g_demo, val);
                continue;
            }
            if (strcmp(sec, "output") == 0 && strcmp(key, "dir") == 0) {
                lines[n++] = xasprintf("dir = %s", outdir);
                continue;
            }
        }
        lines[n++] = xstrdup(l);
    }
    free(text);

    int result = 0;
    for (int e = 0; e < n_edits && result >= 0; e++) {
        const edit *ed = &edits[e];
        int at = -1;
        char cur[64] = "";
        for (int i = 0; i < n && at < 0; i++) {
            char t[1024];
            snprintf(t, sizeof t, "%s", lines[i]);
            trim(t);
            if (t[0] == '[') {
                char *x = strchr(t, ']');
                if (x)
                    *x = '\0';
                snprintf(cur, sizeof cur, "%.63s", t + 1);
                if (!ed->key && strcmp(cur, ed->sec) == 0)
                    at = i;
                continue;
            }
            char *eq = strchr(t, '=');
            if (!ed->key || !eq || strcmp(cur, ed->sec) != 0)
                continue;
            *eq = '\0';
            trim(t);
            if (strcmp(t, ed->key) == 0)
                at = i;
        }
        if (at < 0) {
            result = -1;
            break;
        }
        char *nl = ed->text ? replace_all(ed->text, "@TMP@", g_tmp) : NULL;
        if (ed->op == OP_REPLACE) {
            free(lines[at]);
            lines[at] = nl;
            result = at + 1;
        } else if (ed->op == OP_DELETE) {
            free(lines[at]);
            memmove(lines + at, lines + at + 1, (size_t)(n - at - 1) * sizeof *lines);
            n--;
            free(nl);
            result = 0;
        } else {
            memmove(lines + at + 2, lines + at + 1, (size_t)(n - at - 1) * sizeof *lines);
            lines[at + 1] = nl;
            n++;
            result = at + 2;
        }
    }
    FILE *f = result >= 0 ? fopen(path, "w") : NULL;
    if (f) {
        for (int i = 0; i < n; i++)
            fprintf(f, "%s\n", lines[i]);
        if (fclose(f) != 0)
            result = -1;
    } else {
        result = -1;
    }
    for (int i = 0; i < n; i++)
        free(lines[i]);
    return result;
}

/* ---- reading outputs with OGR ----------------------------------------- */

typedef struct feat {
    char *id, *comm, *grid;
    double hh, pop, area_field;
    int n_atoms;
    OGRGeometryH g;
} feat;

typedef struct layer_data {
    bool opened;          /* file and layer opened */
    char missing[512];    /* required fields not found, comma-separated */
    feat *f;
    int n;
    OGRSpatialReferenceH srs; /* clone, traditional GIS order */
} layer_data;

static void layer_free(layer_data *L)
{
    for (int i = 0; i < L->n; i++) {
        free(L->f[i].id);
        free(L->f[i].comm);
        free(L->f[i].grid);
        if (L->f[i].g)
            OGR_G_DestroyGeometry(L->f[i].g);
    }
    free(L->f);
    if (L->srs)
        OSRDestroySpatialReference(L->srs);
    memset(L, 0, sizeof *L);
}

/* Reads a layer. fields[] are required; the roles pick which go where:
 * id, comm, grid (strings), hh, pop, area, n_atoms (numbers); NULL role
 * names are not read. */
typedef struct roles {
    const char *id, *comm, *grid, *hh, *pop, *area, *n_atoms;
} roles;

static bool load_layer(const char *path, const char *layer, const char *const *required, const roles *ro,
                       layer_data *L)
{
    memset(L, 0, sizeof *L);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        return false;
    OGRLayerH lyr = layer ? GDALDatasetGetLayerByName(ds, layer) : GDALDatasetGetLayer(ds, 0);
    if (!lyr) {
        GDALClose(ds);
        return false;
    }
    L->opened = true;
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(lyr);
    for (int i = 0; required && required[i]; i++)
        if (OGR_FD_GetFieldIndex(fd, required[i]) < 0) {
            size_t m = strlen(L->missing);
            snprintf(L->missing + m, sizeof L->missing - m, "%s%s", m ? ", " : "", required[i]);
        }
    int i_id = ro->id ? OGR_FD_GetFieldIndex(fd, ro->id) : -1;
    int i_comm = ro->comm ? OGR_FD_GetFieldIndex(fd, ro->comm) : -1;
    int i_grid = ro->grid ? OGR_FD_GetFieldIndex(fd, ro->grid) : -1;
    int i_hh = ro->hh ? OGR_FD_GetFieldIndex(fd, ro->hh) : -1;
    int i_pop = ro->pop ? OGR_FD_GetFieldIndex(fd, ro->pop) : -1;
    int i_area = ro->area ? OGR_FD_GetFieldIndex(fd, ro->area) : -1;
    int i_na = ro->n_atoms ? OGR_FD_GetFieldIndex(fd, ro->n_atoms) : -1;
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(lyr);
    if (srs) {
        L->srs = OSRClone(srs);
        OSRSetAxisMappingStrategy(L->srs, OAMS_TRADITIONAL_GIS_ORDER);
    }
    int cap = 64;
    L->f = calloc((size_t)cap, sizeof *L->f);
    OGR_L_ResetReading(lyr);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(lyr))) {
        if (L->n == cap) {
            cap *= 2;
            L->f = realloc(L->f, (size_t)cap * sizeof *L->f);
            if (!L->f)
                exit(99);
        }
        feat *x = &L->f[L->n++];
        memset(x, 0, sizeof *x);
        x->id = i_id >= 0 ? xstrdup(OGR_F_GetFieldAsString(f, i_id)) : NULL;
        x->comm = i_comm >= 0 ? xstrdup(OGR_F_GetFieldAsString(f, i_comm)) : NULL;
        x->grid = i_grid >= 0 ? xstrdup(OGR_F_GetFieldAsString(f, i_grid)) : NULL;
        x->hh = i_hh >= 0 ? OGR_F_GetFieldAsDouble(f, i_hh) : NAN;
        x->pop = i_pop >= 0 ? OGR_F_GetFieldAsDouble(f, i_pop) : NAN;
        x->area_field = i_area >= 0 ? OGR_F_GetFieldAsDouble(f, i_area) : NAN;
        x->n_atoms = i_na >= 0 ? OGR_F_GetFieldAsInteger(f, i_na) : -1;
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        x->g = g ? OGR_G_Clone(g) : NULL;
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    return true;
}

/* Length of the linear parts of any geometry. */
static double linear_length(OGRGeometryH g)
{
    if (!g)
        return 0;
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbLineString || t == wkbLinearRing || t == wkbCircularString || t == wkbCompoundCurve)
        return OGR_G_Length(g);
    if (t == wkbMultiLineString || t == wkbGeometryCollection || t == wkbMultiCurve) {
        double s = 0;
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
            s += linear_length(OGR_G_GetGeometryRef(g, i));
        return s;
    }
    return 0;
}

static bool rel_eq(double a, double b, double tol)
{
    double m = fmax(fabs(a), fabs(b));
    return fabs(a - b) <= tol * (m > 0 ? m : 1);
}

/* Occurrences of "key" : "val" in a JSON text (whitespace-tolerant). */
static int json_count_kv(const char *text, const char *key, const char *val)
{
    char k[128];
    snprintf(k, sizeof k, "\"%s\"", key);
    int n = 0;
    for (const char *p = text; (p = strstr(p, k)); p += strlen(k)) {
        const char *q = p + strlen(k);
        while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
            q++;
        if (*q != ':')
            continue;
        q++;
        while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
            q++;
        if (!val) {
            n++;
            continue;
        }
        if (*q == '"' && strncmp(q + 1, val, strlen(val)) == 0 && q[1 + strlen(val)] == '"')
            n++;
    }
    return n;
}

/* ---- suite: demo ------------------------------------------------------- */

static struct {
    run_result run;
    char *out;           /* TMP/out */
    layer_data grids, atoms, units, comms;
    bool have_grids, have_atoms, have_units, have_comms;
    int *atom_grid;      /* per atom: index in grids, or -1 */
    char *report;
    char working_crs[64];   /* report.json "crs" */
    bool grids_srs_input;   /* grids.gpkg is in the communities' CRS */
} D;

static const char *const GRID_FIELDS[] = {"grid_id", "community", "households", "population", "cases",
                                          "workload", "n_atoms", "area_m2", "polsby_popper", NULL};
static const char *const ATOM_FIELDS[] = {"atom_id", "community", "grid_id", "households", "population",
                                          "cases", "workload", NULL};

static int grid_index(const layer_data *G, const char *id)
{
    for (int i = 0; i < G->n; i++)
        if (G->f[i].id && strcmp(G->f[i].id, id) == 0)
            return i;
    return -1;
}

/* Reprojects a layer's geometries to crs (e.g. the working CRS named in
 * report.json), for metric checks on outputs written in another CRS. */
static bool project_layer(layer_data *L, const char *crs)
{
    if (!L->srs)
        return false;
    OGRSpatialReferenceH dst = OSRNewSpatialReference(NULL);
    if (OSRSetFromUserInput(dst, crs) != OGRERR_NONE) {
        OSRDestroySpatialReference(dst);
        return false;
    }
    OSRSetAxisMappingStrategy(dst, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(L->srs, dst);
    bool ok = ct != NULL;
    for (int i = 0; ok && i < L->n; i++)
        if (L->f[i].g)
            ok = OGR_G_Transform(L->f[i].g, ct) == OGRERR_NONE;
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(L->srs);
    L->srs = dst;
    return ok;
}

/* The string value of the first "key": "..." in a JSON text ("" if none). */
static void json_str(const char *text, const char *key, char *out, size_t len)
{
    char k[128];
    snprintf(k, sizeof k, "\"%s\": \"", key);
    const char *p = text ? strstr(text, k) : NULL;
    out[0] = '\0';
    if (p)
        snprintf(out, len, "%.*s", (int)strcspn(p + strlen(k), "\""), p + strlen(k));
}

static int demo_init(void)
{
    memset(&D, 0, sizeof D);
    D.out = xasprintf("%s/out", g_tmp);
    char *sc = xasprintf("%s/scenario.ini", g_demo);
    RUN(&D.run, "demo", "run", sc, "--out", D.out);
    free(sc);
    char *p;
    roles rg = {.id = "grid_id", .comm = "community", .hh = "households", .pop = "population", .area = "area_m2",
                .n_atoms = "n_atoms"};
    p = xasprintf("%s/grids.gpkg", D.out);
    D.have_grids = load_layer(p, "grids", GRID_FIELDS, &rg, &D.grids);
    free(p);
    roles ra = {.id = "atom_id", .comm = "community", .grid = "grid_id", .hh = "households", .pop = "population"};
    p = xasprintf("%s/atoms.gpkg", D.out);
    D.have_atoms = load_layer(p, "atoms", ATOM_FIELDS, &ra, &D.atoms);
    free(p);
    static const char *const UF[] = {"hh", "pop", NULL};
    roles ru = {.id = "unit_id", .hh = "hh", .pop = "pop"};
    p = xasprintf("%s/units.gpkg", g_demo);
    D.have_units = load_layer(p, "units", UF, &ru, &D.units);
    free(p);
    static const char *const CF[] = {"code", NULL};
    roles rc = {.id = "code"};
    p = xasprintf("%s/communities.gpkg", g_demo);
    D.have_comms = load_layer(p, "communities", CF, &rc, &D.comms);
    free(p);
    p = xasprintf("%s/report.json", D.out);
    D.report = read_file(p, NULL);
    free(p);
    /* the layers are in the communities' CRS (lon/lat): checks of areas and
     * shared edges run in the working CRS */
    json_str(D.report, "crs", D.working_crs, sizeof D.working_crs);
    if (D.have_grids && D.grids.srs)
        D.grids_srs_input = OSRIsGeographic(D.grids.srs) && OSRGetAuthorityCode(D.grids.srs, NULL) &&
                            strcmp(OSRGetAuthorityCode(D.grids.srs, NULL), "4490") == 0;
    if (D.have_grids && D.working_crs[0])
        D.have_grids = project_layer(&D.grids, D.working_crs);
    if (D.have_atoms && D.working_crs[0])
        D.have_atoms = project_layer(&D.atoms, D.working_crs);
    if (D.have_grids && D.have_atoms) {
        D.atom_grid = malloc((size_t)(D.atoms.n ? D.atoms.n : 1) * sizeof *D.atom_grid);
        for (int i = 0; i < D.atoms.n; i++)
            D.atom_grid[i] = D.atoms.f[i].grid ? grid_index(&D.grids, D.atoms.f[i].grid) : -1;
    }
    return 0; /* failures are reported by the tests, one by one */
}

static int demo_cleanup(void)
{
    run_free(&D.run);
    layer_free(&D.grids);
    layer_free(&D.atoms);
    layer_free(&D.units);
    layer_free(&D.comms);
    free(D.atom_grid);
    free(D.report);
    free(D.out);
    memset(&D, 0, sizeof D);
    return 0;
}

/* The outputs every later test reads: stop a test early without them. */
#define NEED_OUTPUTS()                                                                                             \
    do {                                                                                                           \
        CU_ASSERT_FATAL(D.have_grids && D.have_atoms && D.grids.n > 0 && D.atoms.n > 0);                           \
    } while (0)

static void test_demo_run(void)
{
    CHECK_EXIT(&D.run, 0);
    char *p;
    const char *names[] = {"grids.gpkg", "atoms.gpkg", "report.json", "report.html", "assignments.csv"};
    for (int i = 0; i < 5; i++) {
        p = xasprintf("%s/%s", D.out, names[i]);
        CHECK(file_exists(p), "output file %s/%s is missing", "<TMP>/out", names[i]);
        free(p);
    }
    CHECK(D.have_grids, "grids.gpkg has no layer 'grids' that GDAL can open");
    CHECK(D.have_atoms, "atoms.gpkg has no layer 'atoms' that GDAL can open");
    CHECK(strstr(D.run.out, D.out) != NULL, "stdout does not name the output folder %s: %s", "<TMP>/out",
          excerpt(D.run.out_s));
    CHECK(count_prefixed(g_tmp, "out.tmp-") == 0 && count_prefixed(g_tmp, "out.old-") == 0,
          "a temporary out.tmp-*/out.old-* folder was left beside the output");
    CHECK(D.have_units && D.units.n == 344, "cannot read datasets/demo/units.gpkg (or not 344 units)");
    CHECK(D.have_comms && D.comms.n == DEMO_COMMUNITIES, "cannot read datasets/demo/communities.gpkg");
}

static void test_demo_fields(void)
{
    NEED_OUTPUTS();
    CHECK(D.grids.missing[0] == '\0', "grids layer lacks field(s): %s", D.grids.missing);
    CHECK(D.atoms.missing[0] == '\0', "atoms layer lacks field(s): %s", D.atoms.missing);
    CHECK(D.units.missing[0] == '\0', "input units layer lacks field(s): %s", D.units.missing);
}

static void test_demo_ids(void)
{
    NEED_OUTPUTS();
    int bad = 0;
    for (int i = 0; i < D.grids.n && bad < 10; i++) {
        bad += !CHECK(D.grids.f[i].id && D.grids.f[i].id[0], "grid feature %d has an empty grid_id", i);
        for (int j = i + 1; j < D.grids.n; j++)
            if (D.grids.f[i].id && D.grids.f[j].id)
                bad += !CHECK(strcmp(D.grids.f[i].id, D.grids.f[j].id) != 0, "grid_id '%s' is used twice",
                              D.grids.f[i].id);
    }
    bad = 0;
    for (int i = 0; i < D.atoms.n && bad < 10; i++) {
        const feat *a = &D.atoms.f[i];
        int g = D.atom_grid[i];
        if (!CHECK(g >= 0, "atom '%s' has grid_id '%s', which is not in the grids layer", a->id, a->grid)) {
            bad++;
            continue;
        }
        bad += !CHECK(a->comm && D.grids.f[g].comm && strcmp(a->comm, D.grids.f[g].comm) == 0,
                      "atom '%s' is in community '%s' but its grid '%s' is in community '%s'", a->id, a->comm,
                      D.grids.f[g].id, D.grids.f[g].comm);
    }
    /* every grid has at least one atom */
    for (int g = 0; g < D.grids.n; g++) {
        int n = 0;
        for (int i = 0; i < D.atoms.n; i++)
            n += D.atom_grid[i] == g;
        CHECK(n > 0, "grid '%s' has no atoms", D.grids.f[g].id);
    }
}

static void test_demo_totals(void)
{
    NEED_OUTPUTS();
    CU_ASSERT_FATAL(D.have_units);
    double uh = 0, up = 0, ah = 0, ap = 0, gh = 0, gp = 0;
    for (int i = 0; i < D.units.n; i++)
        uh += D.units.f[i].hh, up += D.units.f[i].pop;
    for (int i = 0; i < D.atoms.n; i++)
        ah += D.atoms.f[i].hh, ap += D.atoms.f[i].pop;
    for (int i = 0; i < D.grids.n; i++)
        gh += D.grids.f[i].hh, gp += D.grids.f[i].pop;
    CHECK(uh > 0 && up > 0, "units.gpkg sums are zero (hh %g, pop %g)", uh, up);
    CHECK(rel_eq(uh, ah, 1e-9), "households: units.gpkg %.3f != atoms %.3f", uh, ah);
    CHECK(rel_eq(uh, gh, 1e-9), "households: units.gpkg %.3f != grids %.3f", uh, gh);
    CHECK(rel_eq(up, ap, 1e-9), "population: units.gpkg %.3f != atoms %.3f", up, ap);
    CHECK(rel_eq(up, gp, 1e-9), "population: units.gpkg %.3f != grids %.3f", up, gp);
    for (int g = 0; g < D.grids.n; g++) {
        double sh = 0, sp = 0;
        for (int i = 0; i < D.atoms.n; i++)
            if (D.atom_grid[i] == g)
                sh += D.atoms.f[i].hh, sp += D.atoms.f[i].pop;
        CHECK(rel_eq(D.grids.f[g].hh, sh, 1e-9), "grid '%s': households %.3f, but its atoms sum to %.3f",
              D.grids.f[g].id, D.grids.f[g].hh, sh);
        CHECK(rel_eq(D.grids.f[g].pop, sp, 1e-9), "grid '%s': population %.3f, but its atoms sum to %.3f",
              D.grids.f[g].id, D.grids.f[g].pop, sp);
    }
}

static void test_demo_bounds(void)
{
    NEED_OUTPUTS();
    for (int g = 0; g < D.grids.n; g++) {
        const feat *G = &D.grids.f[g];
        CHECK(G->hh >= DEMO_HH_MIN && G->hh <= DEMO_HH_MAX, "grid '%s' has %.0f households, outside %.0f..%.0f",
              G->id, G->hh, DEMO_HH_MIN, DEMO_HH_MAX);
        CHECK(G->pop <= DEMO_POP_MAX, "grid '%s' has population %.0f, above %.0f", G->id, G->pop, DEMO_POP_MAX);
    }
}

static void test_demo_geometry(void)
{
    NEED_OUTPUTS();
    CHECK(D.grids_srs_input, "grids.gpkg is not in the communities' CRS (EPSG:4490), the default [output] crs");
    CHECK(D.grids.srs && OSRIsProjected(D.grids.srs) && fabs(OSRGetLinearUnits(D.grids.srs, NULL) - 1.0) < 1e-9,
          "report.json's working CRS '%s' is not projected in metres", D.working_crs);
    for (int g = 0; g < D.grids.n; g++) {
        const feat *G = &D.grids.f[g];
        if (!CHECK(G->g != NULL && !OGR_G_IsEmpty(G->g), "grid '%s' has no geometry", G->id))
            continue;
        CHECK(OGR_G_IsValid(G->g), "grid '%s': polygon is not valid", G->id);
        double sa = 0;
        int n = 0;
        for (int i = 0; i < D.atoms.n; i++)
            if (D.atom_grid[i] == g) {
                n++;
                sa += D.atoms.f[i].g ? OGR_G_Area(D.atoms.f[i].g) : 0;
            }
        double area = OGR_G_Area(G->g);
        CHECK(area > 0 && rel_eq(area, sa, 1e-3), "grid '%s': area %.1f m2, its atoms' areas sum to %.1f m2",
              G->id, area, sa);
        CHECK(rel_eq(G->area_field, area, 1e-3), "grid '%s': area_m2 = %.1f but the polygon's area is %.1f",
              G->id, G->area_field, area);
        CHECK(G->n_atoms == n, "grid '%s': n_atoms = %d but %d atoms name it", G->id, G->n_atoms, n);
    }
}

static void test_demo_contiguity(void)
{
    NEED_OUTPUTS();
    int na = D.atoms.n;
    OGRGeometryH *bnd = calloc((size_t)na, sizeof *bnd), *buf = calloc((size_t)na, sizeof *buf);
    int *mem = malloc((size_t)na * sizeof *mem), *comp = malloc((size_t)na * sizeof *comp);
    int *queue = malloc((size_t)na * sizeof *queue);
    CU_ASSERT_FATAL(bnd && buf && mem && comp && queue);
    for (int g = 0; g < D.grids.n; g++) {
        int m = 0;
        for (int i = 0; i < na; i++)
            if (D.atom_grid[i] == g && D.atoms.f[i].g)
                mem[m++] = i;
        if (m <= 1)
            continue;
        for (int k = 0; k < m; k++) {
            int i = mem[k];
            if (!bnd[i])
                bnd[i] = OGR_G_Boundary(D.atoms.f[i].g);
            if (!buf[i])
                buf[i] = OGR_G_Buffer(D.atoms.f[i].g, 1.0, 8);
            comp[k] = -1;
        }
        /* BFS from the first atom over "shares an edge" adjacency */
        int head = 0, tail = 0, reached = 1;
        comp[0] = 0;
        queue[tail++] = 0;
        while (head < tail) {
            int ka = queue[head++], a = mem[ka];
            for (int kb = 0; kb < m; kb++) {
                if (comp[kb] >= 0)
                    continue;
                int b = mem[kb];
                if (OGR_G_Distance(D.atoms.f[a].g, D.atoms.f[b].g) >= 0.5)
                    continue;
                OGRGeometryH x = OGR_G_Intersection(bnd[a], buf[b]);
                double len = linear_length(x);
                if (x)
                    OGR_G_DestroyGeometry(x);
                if (len > 3.0) {
                    comp[kb] = 0;
                    queue[tail++] = kb;
                    reached++;
                }
            }
        }
        CHECK(reached == m, "grid '%s' is not contiguous: only %d of its %d atoms are connected through shared "
              "edges to atom '%s'", D.grids.f[g].id, reached, m, D.atoms.f[mem[0]].id);
    }
    for (int i = 0; i < na; i++) {
        if (bnd[i])
            OGR_G_DestroyGeometry(bnd[i]);
        if (buf[i])
            OGR_G_DestroyGeometry(buf[i]);
    }
    free(bnd), free(buf), free(mem), free(comp), free(queue);
}

static void test_demo_within_community(void)
{
    NEED_OUTPUTS();
    CU_ASSERT_FATAL(D.have_comms && D.comms.srs && D.grids.srs);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(D.comms.srs, D.grids.srs);
    CU_ASSERT_FATAL(ct != NULL);
    int nc = D.comms.n;
    OGRGeometryH *cb = calloc((size_t)nc, sizeof *cb);
    for (int c = 0; c < nc; c++) {
        if (!D.comms.f[c].g)
            continue;
        OGRGeometryH t = OGR_G_Clone(D.comms.f[c].g);
        if (CHECK(OGR_G_Transform(t, ct) == OGRERR_NONE, "community '%s' cannot be transformed to the output CRS",
                  D.comms.f[c].id))
            cb[c] = OGR_G_Buffer(t, 1.0, 8);
        OGR_G_DestroyGeometry(t);
    }
    int seen[64] = {0};
    for (int g = 0; g < D.grids.n; g++) {
        const feat *G = &D.grids.f[g];
        int c = -1;
        for (int k = 0; k < nc; k++)
            if (G->comm && D.comms.f[k].id && strcmp(G->comm, D.comms.f[k].id) == 0)
                c = k;
        if (!CHECK(c >= 0, "grid '%s': community '%s' is not in communities.gpkg", G->id, G->comm))
            continue;
        if (c < 64)
            seen[c] = 1;
        if (!cb[c] || !G->g)
            continue;
        CHECK(OGR_G_Contains(cb[c], G->g), "grid '%s' is not inside community '%s' (1 m tolerance)", G->id,
              G->comm);
    }
    for (int c = 0; c < nc && c < 64; c++)
        CHECK(seen[c], "community '%s' has no grid", D.comms.f[c].id);
    for (int c = 0; c < nc; c++)
        if (cb[c])
            OGR_G_DestroyGeometry(cb[c]);
    free(cb);
    OCTDestroyCoordinateTransformation(ct);
}

static void test_demo_report(void)
{
    CU_ASSERT_FATAL(D.report != NULL);
    static const char *keys[] = {"version", "crs", "inputs", "totals", "communities", "elapsed_s"};
    for (int i = 0; i < 6; i++)
        CHECK(json_count_kv(D.report, keys[i], NULL) > 0, "report.json has no key \"%s\"", keys[i]);
    CHECK(json_count_kv(D.report, "version", "0.1.0") > 0, "report.json: \"version\" is not \"0.1.0\"");
    /* within bounds: "feasible", "optimal" when the gap is proven closed,
     * "time_capped" when the safety cap [solver] time_limit cut a search */
    /* the partition's statuses (the workers section has its own) */
    char *part = xstrdup(D.report), *w = NULL;
    for (char *q = part; (q = strstr(q, "\"workers\": {")); q++)
        w = q; /* the last one: the section after the communities */
    if (w)
        *w = '\0';
    int feas = json_count_kv(part, "status", "feasible") + json_count_kv(part, "status", "optimal") +
               json_count_kv(part, "status", "time_capped"),
        inf = json_count_kv(part, "status", "infeasible");
    free(part);
    CHECK(feas == DEMO_COMMUNITIES, "report.json: %d communities \"feasible\" or \"optimal\", expected %d", feas,
          DEMO_COMMUNITIES);
    CHECK(inf == 0, "report.json: %d communities are \"infeasible\"", inf);
    /* the report names the working CRS and the layers' CRS */
    CHECK(json_count_kv(D.report, "crs", "EPSG:32652") > 0, "report.json: working \"crs\" is not EPSG:32652 (the UTM "
          "zone of the demo)");
    CHECK(json_count_kv(D.report, "output_crs", "EPSG:4490") == 1, "report.json: \"output_crs\" is not EPSG:4490 "
          "(the communities' CRS)");
}

/* ---- suite: determinism ----------------------------------------------- */

typedef struct pair { char *atom, *grid; } pair;

static int cmp_pair(const void *a, const void *b) { return strcmp(((const pair *)a)->atom, ((const pair *)b)->atom); }

/* The sorted atom_id -> grid_id map of an output folder; -1 on error. */
static int read_map(const char *dir, pair **out)
{
    char *p = xasprintf("%s/atoms.gpkg", dir);
    layer_data L;
    roles r = {.id = "atom_id", .grid = "grid_id"};
    static const char *const F[] = {"atom_id", "grid_id", NULL};
    bool ok = load_layer(p, "atoms", F, &r, &L);
    free(p);
    if (!ok || L.missing[0]) {
        layer_free(&L);
        return -1;
    }
    pair *m = calloc((size_t)(L.n ? L.n : 1), sizeof *m);
    for (int i = 0; i < L.n; i++) {
        m[i].atom = xstrdup(L.f[i].id);
        m[i].grid = xstrdup(L.f[i].grid);
    }
    int n = L.n;
    layer_free(&L);
    qsort(m, (size_t)n, sizeof *m, cmp_pair);
    *out = m;
    return n;
}

/* report.json without what may differ between two runs of one plan: the
 * times, the creation stamp and the scenario's path. */
static char *report_sans_times(const char *dir)
{
    char *p = xasprintf("%s/report.json", dir);
    char *text = read_file(p, NULL);
    free(p);
    if (!text)
        return NULL;
    static const char *const skip[] = {"\"seconds\":", "\"elapsed_s\":", "\"created\":", "\"scenario\":"};
    char *o = text;
    for (char *l = text, *next; l && *l; l = next) {
        next = strchr(l, '\n');
        size_t n = next ? (size_t)(++next - l) : strlen(l);
        bool drop = false;
        for (size_t k = 0; k < sizeof skip / sizeof *skip; k++)
            drop |= strstr(l, skip[k]) && strstr(l, skip[k]) < l + n;
        if (!drop)
            memmove(o, l, n), o += n;
    }
    *o = '\0';
    return text;
}

/* The same scenario run in two processes, on one thread and on two: the
 * same atom -> grid map, the same plan digest, and the same report.json but
 * for its times. */
static void test_determinism(void)
{
    char *d[2], *sc[2];
    run_result r[2];
    char *rep[2];
    for (int i = 0; i < 2; i++) {
        char tag[16], line[32];
        snprintf(tag, sizeof tag, "det%d", i + 1);
        snprintf(line, sizeof line, "threads = %d", i + 1);
        edit e[] = {{"solver", "seed", OP_INSERT_AFTER, line}};
        d[i] = xasprintf("%s/%s", g_tmp, tag);
        sc[i] = xasprintf("%s/%s.ini", g_tmp, tag);
        CU_ASSERT_FATAL(write_scenario(sc[i], d[i], e, 1) > 0);
        RUN(&r[i], tag, "run", sc[i]);
        CHECK_EXIT(&r[i], 0);
        rep[i] = report_sans_times(d[i]);
    }
    pair *m1 = NULL, *m2 = NULL;
    int n1 = read_map(d[0], &m1), n2 = read_map(d[1], &m2);
    if (CHECK(n1 > 0 && n2 > 0, "cannot read atom_id/grid_id from the two runs (%d, %d atoms)", n1, n2) &&
        CHECK(n1 == n2, "the runs wrote %d and %d atoms", n1, n2)) {
        int diff = 0;
        for (int i = 0; i < n1; i++) {
            bool same = strcmp(m1[i].atom, m2[i].atom) == 0 && strcmp(m1[i].grid, m2[i].grid) == 0;
            if (!same && diff++ < 5)
                CHECK(false, "threads = 1 puts atom '%s' in '%s', threads = 2 puts atom '%s' in '%s'", m1[i].atom,
                      m1[i].grid, m2[i].atom, m2[i].grid);
        }
        CHECK(diff == 0, "%d of %d atoms differ between threads = 1 and threads = 2", diff, n1);
    }
    char dg[2][80];
    for (int i = 0; i < 2; i++)
        json_str(rep[i], "plan_digest", dg[i], sizeof dg[i]);
    CHECK(strncmp(dg[0], "sha256:", 7) == 0 && strlen(dg[0]) == 7 + 64 &&
              strspn(dg[0] + 7, "0123456789abcdef") == 64,
          "report.json: plan_digest \"%s\" is not sha256: and 64 hex digits", dg[0]);
    CHECK(strcmp(dg[0], dg[1]) == 0, "plan_digest differs: %s with threads = 1, %s with threads = 2", dg[0], dg[1]);
    CHECK(rep[0] && json_count_kv(rep[0], "reproducible", NULL) == 1 && strstr(rep[0], "\"reproducible\": true"),
          "report.json does not say the plan is reproducible");
    if (CHECK(rep[0] && rep[1], "report.json missing") && strcmp(rep[0], rep[1]) != 0) {
        /* the first line that differs */
        const char *a = rep[0], *b = rep[1];
        while (*a && *a == *b)
            a++, b++;
        while (a > rep[0] && a[-1] != '\n')
            a--, b--;
        CHECK(false, "report.json differs beyond its times: \"%.*s\" and \"%.*s\"", (int)strcspn(a, "\n"), a,
              (int)strcspn(b, "\n"), b);
    }
    for (int i = 0; i < n1; i++)
        free(m1[i].atom), free(m1[i].grid);
    for (int i = 0; i < n2; i++)
        free(m2[i].atom), free(m2[i].grid);
    free(m1), free(m2);
    for (int i = 0; i < 2; i++)
        run_free(&r[i]), free(rep[i]), free(d[i]), free(sc[i]);
}

/* ---- suite: atomic ----------------------------------------------------- */

static void test_atomic_failed_run_keeps_output(void)
{
    char *sc = xasprintf("%s/scenario.ini", g_demo);
    char *out2 = xasprintf("%s/out2", g_tmp);
    char *grids = xasprintf("%s/grids.gpkg", out2);
    run_result r;
    RUN(&r, "atomic-ok", "run", sc, "--out", out2);
    CHECK_EXIT(&r, 0);
    run_free(&r);
    struct stat before, after;
    bool had = stat(grids, &before) == 0;
    CU_ASSERT_FATAL(had);
    size_t len0 = 0;
    char *bytes0 = read_file(grids, &len0);

    char *bad = xasprintf("%s/atomic-bad.ini", g_tmp);
    edit e[] = {{"input", "units", OP_REPLACE, "units = @TMP@/no-such-dir/units.gpkg"}};
    CU_ASSERT_FATAL(write_scenario(bad, out2, e, 1) > 0);
    RUN(&r, "atomic-bad", "run", bad);
    CHECK_EXIT(&r, 4);
    CHECK(strstr(r.err_s, "<TMP>/no-such-dir/units.gpkg") != NULL, "stderr does not name the missing file: %s",
          excerpt(r.err_s));
    if (CHECK(stat(grids, &after) == 0, "%s was removed by the failed run", "<TMP>/out2/grids.gpkg")) {
        CHECK(after.st_size == before.st_size && after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
                  after.st_mtim.tv_nsec == before.st_mtim.tv_nsec,
              "<TMP>/out2/grids.gpkg changed (size %lld -> %lld, mtime changed: %s)", (long long)before.st_size,
              (long long)after.st_size,
              after.st_mtim.tv_sec != before.st_mtim.tv_sec || after.st_mtim.tv_nsec != before.st_mtim.tv_nsec
                  ? "yes"
                  : "no");
        size_t len1 = 0;
        char *bytes1 = read_file(grids, &len1);
        CHECK(bytes0 && bytes1 && len0 == len1 && memcmp(bytes0, bytes1, len0) == 0,
              "<TMP>/out2/grids.gpkg content changed");
        free(bytes1);
    }
    CHECK(file_exists(out2) && count_prefixed(out2, "report.json") == 1, "<TMP>/out2/report.json is gone");
    CHECK(count_prefixed(g_tmp, "out2.tmp-") == 0, "a <TMP>/out2.tmp-* folder was left behind");
    CHECK(count_prefixed(g_tmp, "out2.old-") == 0, "a <TMP>/out2.old-* folder was left behind");
    free(bytes0);
    run_free(&r);
    free(sc), free(out2), free(grids), free(bad);
}

/* ---- suite: errors ----------------------------------------------------- */

enum { PREP_NONE, PREP_NO_FILE, PREP_GARBAGE, PREP_TRUNCATED };

typedef struct err_case {
    const char *name;
    edit e[2];
    int n_edits;
    int prep;
    int want;
    /* fragments expected in stderr (after <TMP>/<SRC> substitution);
     * "@FILE@" is the scenario path, "@LINE@" is ":N:" of the edited line */
    const char *frag[4];
} err_case;

static const err_case ERR_CASES[] = {
    {"unknown_key", {{"grid", "households", OP_REPLACE, "housholds = 300..500"}}, 1, PREP_NONE, 3,
     {"@FILE@", "@LINE@", "housholds"}},
    {"unknown_section", {{"grid", NULL, OP_REPLACE, "[gird]"}}, 1, PREP_NONE, 3, {"@FILE@", "gird"}},
    {"bad_range", {{"grid", "households", OP_REPLACE, "households = 500..300"}}, 1, PREP_NONE, 3,
     {"@FILE@", "@LINE@", "households"}},
    {"not_a_number", {{"solver", "time_limit", OP_REPLACE, "time_limit = fast"}}, 1, PREP_NONE, 3,
     {"@FILE@", "@LINE@", "time_limit", "not a number"}},
    {"missing_units", {{"input", "units", OP_DELETE, NULL}}, 1, PREP_NONE, 3, {"@FILE@", "units"}},
    {"duplicate_key", {{"grid", "households", OP_INSERT_AFTER, "households = 300..500"}}, 1, PREP_NONE, 3,
     {"@FILE@", "@LINE@", "set twice"}},
    {"syntax_error", {{"atoms", "snap", OP_INSERT_AFTER, "this is not ini"}}, 1, PREP_NONE, 3,
     {"@FILE@", "@LINE@", "syntax error"}},
    {"missing_field", {{"input", "units.households", OP_REPLACE, "units.households = hhx"}}, 1, PREP_NONE, 4,
     {"hhx", "units.gpkg"}},
    {"missing_scenario", {{0}}, 0, PREP_NO_FILE, 3, {"@FILE@"}},
    {"not_a_geopackage", {{"input", "units", OP_REPLACE, "units = @TMP@/garbage/units.gpkg"}}, 1, PREP_GARBAGE, 4,
     {"<TMP>/garbage/units.gpkg"}},
    {"truncated_geopackage", {{"input", "units", OP_REPLACE, "units = @TMP@/truncated/units.gpkg"}}, 1,
     PREP_TRUNCATED, 4, {"<TMP>/truncated/units.gpkg"}},
    {"infeasible",
     {{"grid", "households", OP_REPLACE, "households = 3000..3500"},
      {"grid", "population", OP_REPLACE, "population = ..100000"}},
     2, PREP_NONE, 5, {"below the 3000 minimum"}},
};
#define N_ERR_CASES ((int)(sizeof ERR_CASES / sizeof ERR_CASES[0]))

static bool prep_inputs(int prep)
{
    if (prep == PREP_GARBAGE) {
        char *d = xasprintf("%s/garbage", g_tmp), *p = xasprintf("%s/units.gpkg", d);
        mkdir(d, 0777);
        static const char junk[] = "this is not a GeoPackage\nid,hh,pop\n1,2,3\n\x01\x02 garbage garbage\n";
        bool ok = write_file(p, junk, sizeof junk - 1);
        free(d), free(p);
        return ok;
    }
    if (prep == PREP_TRUNCATED) {
        char *src = xasprintf("%s/units.gpkg", g_demo);
        size_t n = 0;
        char *data = read_file(src, &n);
        free(src);
        if (!data || n <= 8192) {
            free(data);
            return false;
        }
        char *d = xasprintf("%s/truncated", g_tmp), *p = xasprintf("%s/units.gpkg", d);
        mkdir(d, 0777);
        bool ok = write_file(p, data, 8192);
        free(d), free(p), free(data);
        return ok;
    }
    return true;
}

static void run_err_case(int idx)
{
    const err_case *c = &ERR_CASES[idx];
    char *path = xasprintf("%s/sc-%02d.ini", g_tmp, idx + 1);
    char *outdir = xasprintf("%s/eout-%02d", g_tmp, idx + 1);
    int line = 0;
    CU_ASSERT_FATAL(prep_inputs(c->prep));
    if (c->prep != PREP_NO_FILE) {
        line = write_scenario(path, outdir, c->e, c->n_edits);
        if (!CHECK(line >= 0, "%s: test setup: cannot write the scenario (an edit's target line is missing from "
                   "datasets/demo/scenario.ini?)", c->name)) {
            free(path), free(outdir);
            return;
        }
    }
    run_result r;
    RUN(&r, c->name, "run", path);
    CHECK_EXIT(&r, c->want);
    char *file_s = sanitize(path);
    for (int i = 0; i < 4 && c->frag[i]; i++) {
        char lbuf[32];
        snprintf(lbuf, sizeof lbuf, ":%d:", line);
        char *f1 = replace_all(c->frag[i], "@FILE@", file_s);
        char *f2 = replace_all(f1, "@LINE@", lbuf);
        CHECK(strstr(r.err_s, f2) != NULL, "%s: stderr lacks \"%s\": %s", c->name, f2, excerpt(r.err_s));
        free(f1), free(f2);
    }
    char *base = strrchr(outdir, '/') + 1, *tmpprefix = xasprintf("%s.tmp-", base);
    if (c->want == 5) {
        /* infeasible: the outputs are written all the same */
        static const char *names[] = {"grids.gpkg", "atoms.gpkg", "report.json"};
        for (int i = 0; i < 3; i++) {
            char *p = xasprintf("%s/%s", outdir, names[i]);
            CHECK(file_exists(p), "%s: exit 5 but %s was not written", c->name, names[i]);
            free(p);
        }
        char *rp = xasprintf("%s/report.json", outdir);
        char *rep = read_file(rp, NULL);
        if (CHECK(rep != NULL, "%s: no report.json", c->name)) {
            int inf = json_count_kv(rep, "status", "infeasible");
            CHECK(inf == DEMO_COMMUNITIES, "%s: report.json marks %d communities \"infeasible\", expected %d "
                  "(every demo community has fewer than 3000 households)", c->name, inf, DEMO_COMMUNITIES);
        }
        free(rep), free(rp);
        char *gp = xasprintf("%s/grids.gpkg", outdir);
        layer_data L;
        roles ro = {.id = "grid_id"};
        bool ok = load_layer(gp, "grids", NULL, &ro, &L);
        CHECK(ok && L.n > 0, "%s: grids.gpkg cannot be read or is empty", c->name);
        layer_free(&L);
        free(gp);
    } else {
        CHECK(!file_exists(outdir), "%s: the run failed (exit %d) but created the output folder", c->name, r.code);
    }
    CHECK(count_prefixed(g_tmp, tmpprefix) == 0, "%s: a temporary %s* folder was left behind", c->name, tmpprefix);
    free(tmpprefix);
    free(file_s);
    run_free(&r);
    free(path), free(outdir);
}

#define ERR_TEST(i)                                                                                                \
    static void test_err_##i(void) { run_err_case(i); }
ERR_TEST(0)
ERR_TEST(1)
ERR_TEST(2)
ERR_TEST(3)
ERR_TEST(4)
ERR_TEST(5)
ERR_TEST(6)
ERR_TEST(7)
ERR_TEST(8)
ERR_TEST(9)
ERR_TEST(10)
ERR_TEST(11)
_Static_assert(N_ERR_CASES == 12, "one ERR_TEST per row of ERR_CASES");
static void (*const ERR_FUNCS[])(void) = {test_err_0, test_err_1, test_err_2, test_err_3,
                                          test_err_4, test_err_5, test_err_6, test_err_7,
                                          test_err_8, test_err_9, test_err_10, test_err_11};

static void test_usage_no_args(void)
{
    run_result r;
    const char *none[] = {NULL};
    run_gp(&r, "usage-none", none);
    CHECK_EXIT(&r, 2);
    CHECK(strstr(r.err, "usage") != NULL, "no arguments: stderr does not show the usage: %s", excerpt(r.err));
    run_free(&r);
}

static void test_usage_unknown_command(void)
{
    run_result r;
    RUN(&r, "usage-unknown", "frobnicate");
    CHECK_EXIT(&r, 2);
    CHECK(strstr(r.err, "frobnicate") != NULL, "stderr does not name the unknown command: %s", excerpt(r.err));
    run_free(&r);
}

static void test_usage_run_without_scenario(void)
{
    run_result r;
    RUN(&r, "usage-run", "run");
    CHECK_EXIT(&r, 2);
    CHECK(strstr(r.err, "scenario") != NULL, "'run' alone: stderr does not ask for a scenario: %s", excerpt(r.err));
    run_free(&r);
}

static void test_usage_version(void)
{
    run_result r;
    RUN(&r, "usage-version", "--version");
    CHECK_EXIT(&r, 0);
    CHECK(strstr(r.out, "gridplan 0.1.0") != NULL, "--version: stdout lacks \"gridplan 0.1.0\": %s", excerpt(r.out));
    CHECK(strstr(r.out, "GDAL") != NULL, "--version: stdout lacks \"GDAL\": %s", excerpt(r.out));
    run_free(&r);
}

static void test_usage_help(void)
{
    run_result r;
    RUN(&r, "usage-help", "--help");
    CHECK_EXIT(&r, 0);
    CHECK(strstr(r.out, "exit codes") != NULL, "--help: stdout lacks \"exit codes\": %s", excerpt(r.out));
    run_free(&r);
}

/* ---- main -------------------------------------------------------------- */

/* ---- suite: workers ---------------------------------------------------- */

/* One row of assignments.csv, read back with GDAL's CSV driver. */
typedef struct arow {
    char *id, *comm, *grids, *changed, *prev_comm;
    double fte, load, per_fte, travel;
} arow;

typedef struct arows { arow *r; int n; bool ok; char missing[256]; } arows;

static void arows_free(arows *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->r[i].id), free(a->r[i].comm), free(a->r[i].grids), free(a->r[i].changed), free(a->r[i].prev_comm);
    free(a->r);
    memset(a, 0, sizeof *a);
}

static void read_assignments(const char *dir, arows *a)
{
    memset(a, 0, sizeof *a);
    char *p = xasprintf("%s/assignments.csv", dir);
    GDALDatasetH ds = GDALOpenEx(p, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    free(p);
    if (!ds)
        return;
    OGRLayerH lyr = GDALDatasetGetLayer(ds, 0);
    OGRFeatureDefnH fd = lyr ? OGR_L_GetLayerDefn(lyr) : NULL;
    static const char *const F[] = {"worker_id", "name", "community", "grids", "fte", "workload", "workload_per_fte",
                                    "travel_m", "changed", "previous_community", "previous_grids",
                                    "previous_workload"};
    int idx[12];
    for (int i = 0; fd && i < 12; i++)
        if ((idx[i] = OGR_FD_GetFieldIndex(fd, F[i])) < 0) {
            size_t m = strlen(a->missing);
            snprintf(a->missing + m, sizeof a->missing - m, "%s%s", m ? ", " : "", F[i]);
        }
    if (!fd || a->missing[0]) {
        GDALClose(ds);
        return;
    }
    a->ok = true;
    a->r = calloc((size_t)OGR_L_GetFeatureCount(lyr, 1) + 1, sizeof *a->r);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(lyr))) {
        arow *r = &a->r[a->n++];
        r->id = xstrdup(OGR_F_GetFieldAsString(f, idx[0]));
        r->comm = xstrdup(OGR_F_GetFieldAsString(f, idx[2]));
        r->grids = xstrdup(OGR_F_GetFieldAsString(f, idx[3]));
        r->fte = OGR_F_GetFieldAsDouble(f, idx[4]);
        r->load = OGR_F_GetFieldAsDouble(f, idx[5]);
        r->per_fte = OGR_F_IsFieldSetAndNotNull(f, idx[6]) && OGR_F_GetFieldAsString(f, idx[6])[0]
                   ? OGR_F_GetFieldAsDouble(f, idx[6]) : NAN;
        r->travel = OGR_F_GetFieldAsString(f, idx[7])[0] ? OGR_F_GetFieldAsDouble(f, idx[7]) : NAN;
        r->changed = xstrdup(OGR_F_GetFieldAsString(f, idx[8]));
        r->prev_comm = xstrdup(OGR_F_GetFieldAsString(f, idx[9]));
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
}

static const arow *arow_find(const arows *a, const char *id)
{
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->r[i].id, id) == 0)
            return &a->r[i];
    return NULL;
}

/* True when the ';'-separated list has item. */
static bool list_has(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; (p = strstr(p, item)); p += n)
        if ((p == list || p[-1] == ';') && (p[n] == '\0' || p[n] == ';'))
            return true;
    return false;
}

/* The number after "key": at the first occurrence of key after anchor
 * (NAN when absent or null). */
static double json_num(const char *text, const char *anchor, const char *key)
{
    const char *p = anchor ? strstr(text, anchor) : text;
    char k[128];
    snprintf(k, sizeof k, "\"%s\":", key);
    if (!p || !(p = strstr(p, k)))
        return NAN;
    p += strlen(k);
    while (*p == ' ' || *p == '\n')
        p++;
    char *end;
    double v = strtod(p, &end);
    return end == p ? NAN : v;
}

/* A run of the demo scenario with edits, in TMP/tag. */
typedef struct wrun {
    run_result r;
    char *out, *report;
    arows a;
    layer_data grids;
    bool have_grids;
} wrun;

static void wrun_do(wrun *w, const char *tag, const edit *e, int ne)
{
    memset(w, 0, sizeof *w);
    char *sc = xasprintf("%s/%s.ini", g_tmp, tag);
    w->out = xasprintf("%s/%s", g_tmp, tag);
    if (write_scenario(sc, w->out, e, ne) < 0) {
        CHECK(false, "%s: test setup: an edit's target is missing from datasets/demo/scenario.ini", tag);
        w->r.code = -1;
        free(sc);
        return;
    }
    RUN(&w->r, tag, "run", sc);
    free(sc);
    char *p = xasprintf("%s/report.json", w->out);
    w->report = read_file(p, NULL);
    free(p);
    read_assignments(w->out, &w->a);
    roles rg = {.id = "grid_id", .comm = "community", .grid = "workers"};
    p = xasprintf("%s/grids.gpkg", w->out);
    w->have_grids = load_layer(p, "grids", NULL, &rg, &w->grids);
    free(p);
}

static void wrun_free(wrun *w)
{
    run_free(&w->r);
    free(w->out), free(w->report);
    arows_free(&w->a);
    layer_free(&w->grids);
}

/* A safety cap that cuts every search: the plan is still complete and
 * written, each community it cut is marked "time_capped" (or "infeasible"
 * when its bounds were not met in time), and report.json says the plan may
 * not reproduce. */
static void test_time_cap(void)
{
    edit e[] = {{"solver", "time_limit", OP_REPLACE, "time_limit = 0.000001"}};
    wrun w;
    wrun_do(&w, "cap", e, 1);
    CHECK(w.r.code == 0 || w.r.code == 5, "cap: exit %d, expected 0 or 5; stderr: %s", w.r.code, w.r.err_s);
    CU_ASSERT_FATAL(w.report != NULL);
    CHECK(strstr(w.report, "\"reproducible\": false") != NULL, "report.json: a capped run is not marked "
          "\"reproducible\": false");
    double capped = json_num(w.report, "\"solver\"", "time_capped"), tl = json_num(w.report, "\"solver\"", "time_limit");
    int marked = json_count_kv(w.report, "status", "time_capped");
    CHECK(capped >= 1 && marked >= 1 && marked <= capped, "report.json: solver.time_capped = %g, %d statuses "
          "\"time_capped\"", capped, marked);
    CHECK(tl == 1e-6, "report.json: solver.time_limit = %g, expected 1e-06", tl);
    pair *m = NULL;
    int n = read_map(w.out, &m);
    int missing = 0;
    for (int i = 0; i < n; i++)
        missing += !m[i].grid[0];
    CHECK(n > 0 && missing == 0, "cap: %d atoms read, %d without a grid", n, missing);
    for (int i = 0; i < n; i++)
        free(m[i].atom), free(m[i].grid);
    free(m);
    wrun_free(&w);
}

/* Every grid has workers of its community, every listed worker has the
 * grid, nobody is over capacity, and the worker loads add up to the grids'
 * workload. Returns the number of shared grids. */
static int check_staffing(const wrun *w, const char *tag)
{
    double cap = json_num(w->report, "\"capacity_per_fte\"", "capacity_per_fte");
    int shared = 0;
    CHECK(isfinite(cap) && cap > 0, "%s: report.json has no workers.capacity_per_fte", tag);
    for (int g = 0; g < w->grids.n; g++) {
        const feat *gf = &w->grids.f[g];
        if (!CHECK(gf->grid && gf->grid[0], "%s: grid %s has no worker", tag, gf->id))
            continue;
        shared += strchr(gf->grid, ';') != NULL;
        char *list = xstrdup(gf->grid);
        for (char *save = NULL, *t = strtok_r(list, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
            const arow *r = arow_find(&w->a, t);
            if (CHECK(r != NULL, "%s: grid %s names worker %s, who is not in assignments.csv", tag, gf->id, t)) {
                CHECK(list_has(r->grids, gf->id), "%s: grid %s names %s but the worker's grids are '%s'", tag,
                      gf->id, t, r->grids);
                CHECK(strcmp(r->comm, gf->comm) == 0, "%s: worker %s of community %s serves grid %s of %s", tag, t,
                      r->comm, gf->id, gf->comm);
            }
        }
        free(list);
    }
    double load = 0;
    for (int i = 0; i < w->a.n; i++) {
        const arow *r = &w->a.r[i];
        load += r->load;
        CHECK(r->load <= r->fte * cap * (1 + 1e-6) + 0.01, "%s: worker %s (%.1f FTE) carries %.1f, over the "
              "capacity %.1f", tag, r->id, r->fte, r->load, r->fte * cap);
        if (r->fte > 0)
            CHECK(rel_eq(r->per_fte, r->load / r->fte, 1e-3), "%s: worker %s: workload_per_fte %.2f is not "
                  "workload %.2f / fte %.2f", tag, r->id, r->per_fte, r->load, r->fte);
    }
    double need = json_num(w->report, "\"capacity_per_fte\"", "workload"), gsum = 0;
    char *p = xasprintf("%s/grids.gpkg", w->out);
    GDALDatasetH ds = GDALOpenEx(p, GDAL_OF_VECTOR, NULL, NULL, NULL);
    free(p);
    if (ds) {
        OGRLayerH l = GDALDatasetGetLayerByName(ds, "grids");
        OGRFeatureH f;
        int wi = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), "workload");
        while ((f = OGR_L_GetNextFeature(l))) {
            gsum += OGR_F_GetFieldAsDouble(f, wi);
            OGR_F_Destroy(f);
        }
        GDALClose(ds);
    }
    (void)need;
    CHECK(rel_eq(load, gsum, 1e-6), "%s: the workers carry %.2f in all but the grids' workload is %.2f", tag, load,
          gsum);
    return shared;
}

static void test_workers_demo(void)
{
    wrun w;
    wrun_do(&w, "wdemo", NULL, 0);
    CHECK_EXIT(&w.r, 0);
    CU_ASSERT_FATAL(w.report && w.have_grids);
    CU_ASSERT_FATAL(CHECK(w.a.ok, "assignments.csv cannot be read by GDAL or lacks fields: %s", w.a.missing));
    CHECK(w.a.n == 38, "assignments.csv has %d rows, the roster 38 workers", w.a.n);
    int shared = check_staffing(&w, "demo");
    CHECK(shared > 0, "demo: 35 FTE for 41 grids, yet no grid is shared by two workers");
    /* the spread of workload per FTE, before and after */
    double before = json_num(w.report, "\"before\"", "max_min_ratio"),
           after = json_num(w.report, "\"after\"", "max_min_ratio"),
           idle = json_num(w.report, "\"after\"", "idle");
    CHECK(isfinite(before) && isfinite(after) && after * 2 <= before, "workload per FTE max/min: %.2f before, "
          "%.2f after: not 2x narrower", before, after);
    CHECK(idle == 0, "%g workers are idle after the run", idle);
    /* half-time workers carry at most half a full-timer's capacity */
    const arow *half = arow_find(&w.a, "W002");
    if (CHECK(half && half->fte == 0.5, "W002 should be a 0.5 FTE worker"))
        CHECK(half->load > 0 && rel_eq(half->per_fte, 2 * half->load, 1e-3), "W002: workload %.1f, per FTE %.1f",
              half->load, half->per_fte);
    /* every transfer in the report shows in the CSV */
    int moved = 0;
    for (int i = 0; i < w.a.n; i++)
        moved += w.a.r[i].prev_comm[0] && strcmp(w.a.r[i].prev_comm, w.a.r[i].comm) != 0;
    CHECK(moved > 0 && json_count_kv(w.report, "worker", NULL) == moved, "%d workers changed community in "
          "assignments.csv, %d transfers in report.json", moved, json_count_kv(w.report, "worker", NULL));
    CHECK(strstr(w.r.out, "workers        38") != NULL, "stdout has no workers line: %s", excerpt(w.r.out_s));
    wrun_free(&w);
}

static void test_workers_more_grids_than_workers(void)
{
    /* no allocation and one grid per worker: community 231002001001 has 2
     * workers for 4 grids */
    edit e[] = {{"workers", "allocate", OP_REPLACE, "allocate = no"},
                {"workers", "grids_per_worker", OP_DELETE, NULL}};
    wrun w;
    wrun_do(&w, "wshort", e, 2);
    CHECK_EXIT(&w.r, 5);
    CHECK(strstr(w.r.err_s, "231002001001") && strstr(w.r.err_s, "have no worker") &&
          strstr(w.r.err_s, "grids_per_worker"), "stderr does not name the community, the unstaffed grids and the "
          "fix: %s", excerpt(w.r.err_s));
    CHECK(w.a.ok && w.a.n == 38, "assignments.csv is not written in full (%d rows)", w.a.n);
    CHECK(json_num(w.report, "\"workers_over_capacity\"", "grids_unstaffed") > 0, "report.json: no unstaffed grid");
    wrun_free(&w);
    /* sharing allowed, still no allocation: the grids are staffed but the
     * community's workload is beyond its 1.5 FTE */
    edit e2[] = {{"workers", "allocate", OP_REPLACE, "allocate = no"}};
    wrun_do(&w, "wshare", e2, 1);
    CHECK_EXIT(&w.r, 5);
    CHECK(strstr(w.r.err_s, "over capacity") && strstr(w.r.err_s, "short by") && strstr(w.r.err_s, "allocate"),
          "stderr does not say who is over capacity and by how many FTE: %s", excerpt(w.r.err_s));
    CHECK(json_num(w.report, "\"workers_over_capacity\"", "grids_unstaffed") == 0, "report.json: unstaffed grids");
    wrun_free(&w);
}

static void test_workers_infeasible_roster(void)
{
    edit e[] = {{"workers", "grids_per_worker", OP_INSERT_AFTER, "capacity = 500"}};
    wrun w;
    wrun_do(&w, "wcap", e, 1);
    CHECK_EXIT(&w.r, 5);
    /* 35 FTE x 500 = 17,500 against 29,096 of workload */
    CHECK(strstr(w.r.err_s, "short by 11596 workload (23.2 FTE)") != NULL, "stderr does not say by how much the "
          "roster is short: %s", excerpt(w.r.err_s));
    CHECK(w.report && strstr(w.report, "\"roster_problem\": \"") != NULL, "report.json has no roster_problem");
    wrun_free(&w);
}

/* A copy of the demo roster with a 'locked' column: 1 for the ids given. */
static char *locked_roster(const char *const *ids, int n)
{
    char *src = xasprintf("%s/workers.csv", g_demo);
    char *text = read_file(src, NULL);
    free(src);
    if (!text)
        return NULL;
    char *path = xasprintf("%s/workers-locked.csv", g_tmp);
    FILE *f = fopen(path, "w");
    int row = 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); f && l; l = strtok_r(NULL, "\n", &save), row++) {
        bool lock = false;
        for (int i = 0; i < n; i++)
            lock |= strncmp(l, ids[i], strlen(ids[i])) == 0 && l[strlen(ids[i])] == ',';
        fprintf(f, "%s,%s\n", l, row == 0 ? "locked" : lock ? "yes" : "no");
    }
    if (f)
        fclose(f);
    free(text);
    return path;
}

static void test_workers_locked(void)
{
    /* W007 moves to another community when free (see the demo run) */
    static const char *const ids[] = {"W007", "W022"};
    char *roster = locked_roster(ids, 2);
    CU_ASSERT_FATAL(roster != NULL);
    char *line = xasprintf("workers = %s", roster);
    edit e[] = {{"input", "workers", OP_REPLACE, line}, {"input", "workers.crs", OP_INSERT_AFTER,
                                                         "workers.lock = locked"}};
    wrun w;
    wrun_do(&w, "wlock", e, 2);
    CHECK_EXIT(&w.r, 0);
    for (int i = 0; i < 2; i++) {
        const arow *r = arow_find(&w.a, ids[i]);
        if (CHECK(r != NULL, "%s is missing from assignments.csv", ids[i])) {
            CHECK(strcmp(r->comm, r->prev_comm) == 0, "locked worker %s moved from %s to %s", ids[i], r->prev_comm,
                  r->comm);
            CHECK(r->grids[0] != '\0', "locked worker %s has no grid", ids[i]);
        }
    }
    check_staffing(&w, "locked");
    wrun_free(&w);
    free(line), free(roster);
}

static void test_workers_continuity(void)
{
    /* run once, then take that plan and its assignment as the plan in
     * force: with stability dominating nothing may change */
    wrun a;
    wrun_do(&a, "wcont1", NULL, 0);
    CHECK_EXIT(&a.r, 0);
    CU_ASSERT_FATAL(a.a.ok && a.a.n > 0);
    char *roster = xasprintf("%s/roster-now.csv", g_tmp);
    FILE *f = fopen(roster, "w");
    CU_ASSERT_FATAL(f != NULL);
    fprintf(f, "worker_id,community,grids,fte\n");
    for (int i = 0; i < a.a.n; i++)
        fprintf(f, "%s,%s,%s,%g\n", a.a.r[i].id, a.a.r[i].comm, a.a.r[i].grids, a.a.r[i].fte);
    fclose(f);
    char *l1 = xasprintf("existing_plan = %s/grids.gpkg", a.out), *l2 = xasprintf("workers = %s", roster);
    edit e[] = {{"input", "existing_plan", OP_REPLACE, l1},
                {"input", "workers", OP_REPLACE, l2},
                {"input", "workers.crs", OP_DELETE, NULL},
                {"workers", "allocate", OP_REPLACE, "allocate = no"},
                {"objective", "compactness", OP_INSERT_AFTER, "stability = 100"}};
    wrun b;
    wrun_do(&b, "wcont2", e, 5);
    CHECK_EXIT(&b.r, 0);
    CHECK(strstr(b.r.out, "moved          0 households") != NULL, "the plan in force changed: %s",
          excerpt(b.r.out_s));
    CHECK(b.a.n == a.a.n, "%d workers in the second run, %d in the first", b.a.n, a.a.n);
    for (int i = 0; i < b.a.n; i++) {
        const arow *r = &b.a.r[i], *o = arow_find(&a.a, r->id);
        if (!CHECK(o != NULL, "worker %s is new", r->id))
            continue;
        CHECK(strcmp(r->changed, "no") == 0 && strcmp(r->grids, o->grids) == 0 && strcmp(r->comm, o->comm) == 0,
              "worker %s: grids '%s' (%s), before '%s' (%s), changed = %s", r->id, r->grids, r->comm, o->grids,
              o->comm, r->changed);
    }
    wrun_free(&a), wrun_free(&b);
    free(roster), free(l1), free(l2);
}

static void test_workers_count_workers(void)
{
    /* one grid per whole FTE; the allocation gives each community a count
     * its household bounds allow */
    edit e[] = {{"grid", "count", OP_REPLACE, "count = workers"},
                {"grid", "households", OP_REPLACE, "households = 300..700"}};
    wrun w;
    wrun_do(&w, "wcount", e, 2);
    CHECK_EXIT(&w.r, 0);
    CU_ASSERT_FATAL(w.report && w.have_grids && w.a.ok);
    const char *p = strstr(w.report, "\"workers\": {");
    CU_ASSERT_FATAL(p != NULL);
    int checked = 0;
    for (const char *q = p; (q = strstr(q, "\"fte_after\":")); q++) {
        double fte = json_num(q, NULL, "fte_after"), grids = json_num(q, NULL, "grids");
        const char *idp = q;
        while (idp > p && strncmp(idp, "\"id\": \"", 7) != 0)
            idp--;
        char id[64] = "";
        sscanf(idp + 7, "%63[^\"]", id);
        int n = 0;
        for (int g = 0; g < w.grids.n; g++)
            n += strcmp(w.grids.f[g].comm, id) == 0;
        CHECK(n == (int)floor(fte + 1e-9) && grids == n, "community %s: %.1f FTE after allocation but %d grids "
              "(report: %g)", id, fte, n, grids);
        checked++;
    }
    CHECK(checked == DEMO_COMMUNITIES, "report.json lists %d communities under workers", checked);
    check_staffing(&w, "count = workers");
    wrun_free(&w);
}

static void test_workers_bad_rows(void)
{
    char *src = xasprintf("%s/workers.csv", g_demo);
    char *text = read_file(src, NULL);
    free(src);
    CU_ASSERT_FATAL(text != NULL);
    static const struct { const char *from, *to, *frag[3]; } C[] = {
        {"W005,Yuan Hong,231002001002,231002001002-G03,1.0", "W005,Yuan Hong,231002001002,231002001002-G03,full",
         {"row 5 (worker 'W005')", "'fte'", "0.5 part-time"}},
        {"W009,Cheng Chunmei,231002001003", "W009,Cheng Chunmei,999999999999",
         {"row 9 (worker 'W009')", "'999999999999'", "communities layer"}},
        {"W010,", "W009,", {"id 'W009'", "more than one", "workers.id"}},
    };
    for (int i = 0; i < 3; i++) {
        char *bad = replace_all(text, C[i].from, C[i].to);
        char *path = xasprintf("%s/bad-roster-%d.csv", g_tmp, i);
        CU_ASSERT_FATAL(write_file(path, bad, strlen(bad)));
        char *line = xasprintf("workers = %s", path), *tag = xasprintf("wbad%d", i);
        edit e[] = {{"input", "workers", OP_REPLACE, line}};
        wrun w;
        wrun_do(&w, tag, e, 1);
        CHECK_EXIT(&w.r, 4);
        for (int k = 0; k < 3; k++)
            CHECK(strstr(w.r.err_s, C[i].frag[k]) != NULL, "bad roster %d: stderr lacks \"%s\": %s", i,
                  C[i].frag[k], excerpt(w.r.err_s));
        CHECK(!file_exists(w.out), "bad roster %d: the run failed but wrote its output folder", i);
        wrun_free(&w);
        free(bad), free(path), free(line), free(tag);
    }
    free(text);
}
/* ---- suite: outputs ----------------------------------------------------- */

/* Feature count and the sum of a numeric field of a layer GDAL opens. */
static bool layer_sum(const char *path, const char *field, int *n, double *sum, char *epsg, size_t elen)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        return false;
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    int fi = l ? OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), field) : -1;
    *n = 0;
    *sum = 0;
    OGRFeatureH f;
    while (l && fi >= 0 && (f = OGR_L_GetNextFeature(l))) {
        (*n)++;
        *sum += OGR_F_GetFieldAsDouble(f, fi);
        OGR_F_Destroy(f);
    }
    OGRSpatialReferenceH srs = l ? OGR_L_GetSpatialRef(l) : NULL;
    const char *code = NULL;
    if (srs) {
        OGRSpatialReferenceH c = OSRClone(srs);
        OSRAutoIdentifyEPSG(c);
        code = OSRGetAuthorityCode(c, NULL);
        snprintf(epsg, elen, "%s", code ? code : "");
        OSRDestroySpatialReference(c);
    } else {
        epsg[0] = '\0';
    }
    GDALClose(ds);
    return fi >= 0;
}

static void test_outputs_shapefile(void)
{
    edit e[] = {{"output", "formats", OP_REPLACE, "formats = gpkg, shp"}};
    wrun w;
    wrun_do(&w, "oshp", e, 1);
    CHECK_EXIT(&w.r, 0);
    static const char *const ext[] = {"shp", "shx", "dbf", "prj", "cpg"};
    for (int l = 0; l < 2; l++)
        for (int k = 0; k < 5; k++) {
            char *p = xasprintf("%s/%s.%s", w.out, l ? "atoms" : "grids", ext[k]);
            CHECK(file_exists(p), "%s.%s is missing", l ? "atoms" : "grids", ext[k]);
            free(p);
        }
    char *cpg = xasprintf("%s/grids.cpg", w.out), *txt = read_file(cpg, NULL);
    CHECK(txt && strncmp(txt, "UTF-8", 5) == 0, "grids.cpg does not say UTF-8: %s", txt ? txt : "(none)");
    free(cpg), free(txt);
    /* the same grids, households and CRS as the GeoPackage */
    int n1 = 0, n2 = 0;
    double s1 = 0, s2 = 0;
    char e1[16], e2[16];
    char *g1 = xasprintf("%s/grids.gpkg", w.out), *g2 = xasprintf("%s/grids.shp", w.out);
    bool ok1 = layer_sum(g1, "households", &n1, &s1, e1, sizeof e1), ok2 = layer_sum(g2, "households", &n2, &s2, e2,
                                                                                       sizeof e2);
    CHECK(ok1 && ok2 && n1 == 41 && n2 == n1 && rel_eq(s1, s2, 1e-9) && rel_eq(s2, 16640, 1e-9),
          "grids: GeoPackage %d features, %.1f households; shapefile %d, %.1f", n1, s1, n2, s2);
    CHECK(strcmp(e1, "4490") == 0 && strcmp(e2, "4490") == 0, "CRS: GeoPackage EPSG:%s, shapefile EPSG:%s, "
          "expected the communities' EPSG:4490", e1, e2);
    free(g1), free(g2);
    /* the documented short names */
    char *gp = xasprintf("%s/grids.shp", w.out), *ap = xasprintf("%s/atoms.shp", w.out);
    static const char *const GF[] = {"grid_id", "community", "households", "population", "case_load", "workload",
                                      "n_atoms", "area_m2", "polsby_pp", "status", "workers", "c_dispute",
                                      "c_safety_h", NULL};
    static const char *const AF[] = {"atom_id", "grid_id", "exist_grid", "locked_to", "c_sanitati", NULL};
    layer_data G, A;
    roles rg = {.id = "grid_id", .hh = "households"}, ra = {.id = "atom_id", .grid = "grid_id"};
    bool okg = load_layer(gp, NULL, GF, &rg, &G), oka = load_layer(ap, NULL, AF, &ra, &A);
    CHECK(okg && !G.missing[0], "grids.shp lacks fields: %s", G.missing);
    CHECK(oka && !A.missing[0], "atoms.shp lacks fields: %s", A.missing);
    /* each grid polygon is the dissolve of its atoms: equal areas (in the
     * working CRS) */
    if (okg && oka && project_layer(&G, "EPSG:32652") && project_layer(&A, "EPSG:32652")) {
        int bad = 0;
        for (int g = 0; g < G.n; g++) {
            double sa = 0;
            for (int i = 0; i < A.n; i++)
                if (A.f[i].grid && strcmp(A.f[i].grid, G.f[g].id) == 0)
                    sa += OGR_G_Area(A.f[i].g);
            double ga = G.f[g].g ? OGR_G_Area(G.f[g].g) : 0;
            if (!rel_eq(ga, sa, 1e-6) && bad++ < 3)
                CHECK(false, "grid %s: shapefile area %.2f m2, its atoms %.2f m2", G.f[g].id, ga, sa);
        }
        CHECK(bad == 0, "%d grids in grids.shp are not the dissolve of their atoms", bad);
    }
    layer_free(&G), layer_free(&A);
    free(gp), free(ap);
    wrun_free(&w);
}

static void test_outputs_crs(void)
{
    static const struct { const char *line, *epsg; } C[] = {{"crs = working", "32652"}, {"crs = EPSG:4326", "4326"}};
    for (int i = 0; i < 2; i++) {
        edit e[] = {{"output", "formats", OP_INSERT_AFTER, C[i].line}};
        char *tag = xasprintf("ocrs%d", i);
        wrun w;
        wrun_do(&w, tag, e, 1);
        CHECK_EXIT(&w.r, 0);
        int n = 0;
        double s = 0;
        char code[16];
        char *p = xasprintf("%s/atoms.gpkg", w.out);
        CHECK(layer_sum(p, "households", &n, &s, code, sizeof code) && n == 344 && rel_eq(s, 16640, 1e-9) &&
              strcmp(code, C[i].epsg) == 0, "%s: atoms.gpkg has %d atoms, %.1f households, EPSG:%s", C[i].line, n, s,
              code);
        free(p), free(tag);
        wrun_free(&w);
    }
    /* a CRS PROJ does not know stops before any data is read */
    edit e[] = {{"output", "formats", OP_INSERT_AFTER, "crs = EPSG:99999"}};
    wrun w;
    wrun_do(&w, "ocrsbad", e, 1);
    CHECK_EXIT(&w.r, 3);
    CHECK(strstr(w.r.err_s, "[output] crs = EPSG:99999") != NULL, "stderr: %s", excerpt(w.r.err_s));
    wrun_free(&w);
}

/* The grid_id of every atom, by atom_id (sorted pairs). */
static int atom_grids(const char *dir, pair **out) { return read_map(dir, out); }

/* Copies grids.gpkg from src to dst with grids a and b merged into one
 * feature with a's id. */
static bool merge_two_grids(const char *src, const char *dst, const char *a, const char *b)
{
    GDALDatasetH in = GDALOpenEx(src, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    GDALDatasetH out = in && drv ? GDALCreate(drv, dst, 0, 0, 0, GDT_Unknown, NULL) : NULL;
    if (!out) {
        if (in)
            GDALClose(in);
        return false;
    }
    OGRLayerH li = GDALDatasetGetLayer(in, 0);
    OGRLayerH lo = GDALDatasetCreateLayer(out, "grids", OGR_L_GetSpatialRef(li), wkbMultiPolygon, NULL);
    OGRFieldDefnH fd = OGR_Fld_Create("grid_id", OFTString);
    OGR_L_CreateField(lo, fd, 1);
    OGR_Fld_Destroy(fd);
    int fi = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(li), "grid_id");
    OGRGeometryH ga = NULL, gb = NULL;
    OGRFeatureH f;
    bool ok = true;
    while ((f = OGR_L_GetNextFeature(li))) {
        const char *id = OGR_F_GetFieldAsString(f, fi);
        OGRGeometryH g = OGR_G_Clone(OGR_F_GetGeometryRef(f));
        if (strcmp(id, a) == 0)
            ga = g;
        else if (strcmp(id, b) == 0)
            gb = g;
        else {
            OGRFeatureH o = OGR_F_Create(OGR_L_GetLayerDefn(lo));
            OGR_F_SetFieldString(o, 0, id);
            OGR_F_SetGeometryDirectly(o, g);
            ok &= OGR_L_CreateFeature(lo, o) == OGRERR_NONE;
            OGR_F_Destroy(o);
        }
        OGR_F_Destroy(f);
    }
    if (ga && gb) {
        OGRFeatureH o = OGR_F_Create(OGR_L_GetLayerDefn(lo));
        OGR_F_SetFieldString(o, 0, a);
        OGR_F_SetGeometryDirectly(o, OGR_G_ForceToMultiPolygon(OGR_G_Union(ga, gb)));
        ok &= OGR_L_CreateFeature(lo, o) == OGRERR_NONE;
        OGR_F_Destroy(o);
    } else {
        ok = false;
    }
    if (ga)
        OGR_G_DestroyGeometry(ga);
    if (gb)
        OGR_G_DestroyGeometry(gb);
    GDALClose(out);
    GDALClose(in);
    return ok;
}

static void test_outputs_codes(void)
{
    wrun a;
    wrun_do(&a, "codes1", NULL, 0);
    CHECK_EXIT(&a.r, 0);
    CU_ASSERT_FATAL(a.have_grids && a.grids.n == 41);
    /* structured: the 12-digit community code and a 3-digit sequence, from
     * 001, numbered north to south */
    for (int g = 0; g < a.grids.n; g++) {
        const feat *f = &a.grids.f[g];
        CHECK(strlen(f->id) == 15 && strncmp(f->id, f->comm, 12) == 0 && strspn(f->id, "0123456789") == 15,
              "grid code '%s' of community %s is not community code + NNN", f->id, f->comm);
    }
    CHECK(grid_index(&a.grids, "231002001001001") >= 0, "no grid 231002001001001");
    /* rerun on its own plan: every code comes back on the same atoms */
    char *l1 = xasprintf("existing_plan = %s/grids.gpkg", a.out);
    edit e[] = {{"input", "existing_plan", OP_REPLACE, l1}, {"objective", "compactness", OP_INSERT_AFTER,
                                                              "stability = 10"}};
    wrun b;
    wrun_do(&b, "codes2", e, 2);
    CHECK_EXIT(&b.r, 0);
    pair *ma = NULL, *mb = NULL, *mc = NULL;
    int na = atom_grids(a.out, &ma), nb = atom_grids(b.out, &mb);
    int diff = 0;
    for (int i = 0; i < na && nb == na; i++)
        diff += strcmp(ma[i].grid, mb[i].grid) != 0;
    CHECK(na == 344 && nb == na && diff == 0, "rerun on its own plan: %d of %d atoms carry another code", diff, na);
    /* two grids of one community merged in the plan in force: that
     * community changes, every other grid keeps its code */
    char *merged = xasprintf("%s/merged.gpkg", g_tmp), *ga = xasprintf("%s/grids.gpkg", a.out);
    CU_ASSERT_FATAL(merge_two_grids(ga, merged, "231002001001001", "231002001001002"));
    free(ga);
    char *l2 = xasprintf("existing_plan = %s", merged);
    edit e2[] = {{"input", "existing_plan", OP_REPLACE, l2}, {"objective", "compactness", OP_INSERT_AFTER,
                                                              "stability = 10"}};
    wrun c;
    wrun_do(&c, "codes3", e2, 2);
    CHECK_EXIT(&c.r, 0);
    int nc = atom_grids(c.out, &mc), kept = 0, other = 0;
    for (int i = 0; i < na && nc == na; i++) {
        bool same_comm = strncmp(ma[i].grid, "231002001001", 12) == 0;
        if (same_comm)
            continue;
        other++;
        kept += strcmp(ma[i].grid, mc[i].grid) == 0;
    }
    CHECK(nc == na && other > 0 && kept == other, "after a change in one community, %d of %d atoms elsewhere keep "
          "their grid code", kept, other);
    for (int i = 0; i < na; i++)
        free(ma[i].atom), free(ma[i].grid);
    for (int i = 0; i < nb; i++)
        free(mb[i].atom), free(mb[i].grid);
    for (int i = 0; i < nc; i++)
        free(mc[i].atom), free(mc[i].grid);
    free(ma), free(mb), free(mc);
    wrun_free(&a), wrun_free(&b), wrun_free(&c);
    free(l1), free(l2), free(merged);
    /* structured codes asked for, communities without 12-digit codes: the
     * check runs before any solving, in validate too */
    char *sc = xasprintf("%s/codes-bad.ini", g_tmp), *od = xasprintf("%s/codes-bad", g_tmp);
    edit e3[] = {{"input", "communities.name", OP_INSERT_AFTER, "communities.code = name"},
                 {"output", "formats", OP_INSERT_AFTER, "grid_codes = structured"}};
    CU_ASSERT_FATAL(write_scenario(sc, od, e3, 2) >= 0);
    run_result v;
    RUN(&v, "codes-validate", "validate", sc);
    CHECK_EXIT(&v, 4);
    CHECK(strstr(v.err_s, "not 12 digits") && strstr(v.err_s, "communities.code"), "validate: %s", excerpt(v.err_s));
    run_free(&v);
    free(sc), free(od);
}

static void test_outputs_compare(void)
{
    wrun a, b;
    wrun_do(&a, "cmpA", NULL, 0);
    CHECK_EXIT(&a.r, 0);
    /* B: rebalance the plan in force instead of redrawing it */
    edit e[] = {{"objective", "compactness", OP_INSERT_AFTER, "stability = 1"}};
    wrun_do(&b, "cmpB", e, 1);
    CHECK_EXIT(&b.r, 0);
    char *html = xasprintf("%s/compare.html", g_tmp);
    run_result r, same, bad;
    RUN(&r, "compare", "compare", a.out, b.out, "--html", html);
    CHECK_EXIT(&r, 0);
    static const char *const rows[] = {"grids", "grid workload max/min", "grid workload CV", "mean Polsby-Popper",
                                       "households moved vs A", "households moved vs plan in force",
                                       "workers changed vs A", "workload per FTE max/min", "largest gap (%)",
                                       "run time (s)"};
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
        CHECK(strstr(r.out, rows[k]) != NULL, "compare prints no row '%s': %s", rows[k], excerpt(r.out_s));
    /* B moves fewer households from the plan in force than A, and some
     * households between A and B */
    double movedA = json_num(a.report, "\"existing_plan\"", "households_moved"),
           movedB = json_num(b.report, "\"existing_plan\"", "households_moved");
    CHECK(movedB < movedA, "rebalancing moved %g households, redrawing %g", movedB, movedA);
    const char *line = strstr(r.out, "households moved vs A");
    double ab = -1;
    if (line)
        sscanf(line + strlen("households moved vs A"), " - %lf", &ab);
    CHECK(ab > 0 && ab <= 16640, "households moved between A and B: %g", ab);
    char *page = read_file(html, NULL);
    CHECK(page && strstr(page, "<svg class=\"diff\"") && strstr(page, "class=\"moved\""), "compare.html has no map "
          "of the differences");
    free(page);
    /* a folder against itself: nothing moved, no worker changed */
    RUN(&same, "compare-same", "compare", a.out, a.out);
    CHECK_EXIT(&same, 0);
    line = strstr(same.out, "households moved vs A");
    double zero = -1;
    if (line)
        sscanf(line + strlen("households moved vs A"), " - %lf", &zero);
    int wz = -1;
    line = strstr(same.out, "workers changed vs A");
    if (line)
        sscanf(line + strlen("workers changed vs A"), " - %d", &wz);
    CHECK(zero == 0 && wz == 0, "a folder compared with itself: %g households moved, %d workers changed", zero, wz);
    /* not an output folder: exit 4, naming the file */
    RUN(&bad, "compare-bad", "compare", a.out, g_tmp);
    CHECK_EXIT(&bad, 4);
    CHECK(strstr(bad.err_s, "report.json") != NULL, "stderr: %s", excerpt(bad.err_s));
    run_free(&r), run_free(&same), run_free(&bad);
    free(html);
    wrun_free(&a), wrun_free(&b);
}

typedef struct test_def { const char *name; CU_TestFunc fn; } test_def;

static bool want_suite(const char *only, const char *name) { return !only || strcmp(only, name) == 0; }

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    static const char *suites[] = {"demo", "determinism", "atomic", "errors", "workers", "outputs"};
    if (only) {
        bool known = false;
        for (int i = 0; i < 6; i++)
            known |= strcmp(only, suites[i]) == 0;
        if (!known) {
            fprintf(stderr, "test_cli: unknown suite '%s' (suites: demo, determinism, atomic, errors, workers, outputs)\n", only);
            return 2;
        }
    }
    const char *bin = getenv("GRIDPLAN_BIN"), *src = getenv("GP_SOURCE_DIR");
    if (!bin || !bin[0] || !src || !src[0]) {
        fprintf(stderr, "test_cli: set GRIDPLAN_BIN (the gridplan executable) and GP_SOURCE_DIR (the source "
                        "tree)%s%s\n", bin && bin[0] ? "" : "; GRIDPLAN_BIN is unset",
                src && src[0] ? "" : "; GP_SOURCE_DIR is unset");
        return 2;
    }
    if (!realpath(bin, g_bin) || access(g_bin, X_OK) != 0) {
        fprintf(stderr, "test_cli: GRIDPLAN_BIN=%s is not an executable file\n", bin);
        return 2;
    }
    if (!realpath(src, g_src)) {
        fprintf(stderr, "test_cli: GP_SOURCE_DIR=%s: %s\n", src, strerror(errno));
        return 2;
    }
    snprintf(g_demo, sizeof g_demo, "%s/datasets/demo", g_src);
    char probe[PATH_MAX + 64];
    snprintf(probe, sizeof probe, "%s/scenario.ini", g_demo);
    if (!file_exists(probe)) {
        fprintf(stderr, "test_cli: %s not found: is GP_SOURCE_DIR the gridplan source tree?\n", probe);
        return 2;
    }
    snprintf(g_tmp, sizeof g_tmp, "/tmp/gridplan-cli-XXXXXX");
    if (!mkdtemp(g_tmp)) {
        fprintf(stderr, "test_cli: cannot create a temp folder: %s\n", strerror(errno));
        return 1;
    }
    GDALAllRegister();
    CPLSetErrorHandler(CPLQuietErrorHandler);

    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "test_cli: CUnit: %s\n", CU_get_error_msg());
        rmtree(g_tmp);
        return 1;
    }
    if (want_suite(only, "demo")) {
        CU_pSuite s = CU_add_suite("demo", demo_init, demo_cleanup);
        static const test_def T[] = {
            {"run exits 0, writes the outputs and names the folder", test_demo_run},
            {"layers have the documented fields", test_demo_fields},
            {"grid ids unique; atoms point to grids of their community", test_demo_ids},
            {"households and population add up: units = atoms = grids", test_demo_totals},
            {"every grid within 300..500 households and <= 1500 people", test_demo_bounds},
            {"grid polygons valid; area and n_atoms match the atoms", test_demo_geometry},
            {"every grid is contiguous through shared edges", test_demo_contiguity},
            {"every grid lies inside its community", test_demo_within_community},
            {"report.json has the keys and 10 feasible communities", test_demo_report},
        };
        for (size_t i = 0; s && i < sizeof T / sizeof T[0]; i++)
            CU_add_test(s, T[i].name, T[i].fn);
    }
    if (want_suite(only, "determinism")) {
        CU_pSuite s = CU_add_suite("determinism", NULL, NULL);
        if (s) {
            CU_add_test(s, "threads = 1 and 2 give the same plan and digest", test_determinism);
            CU_add_test(s, "the safety cap is reported", test_time_cap);
        }
    }
    if (want_suite(only, "atomic")) {
        CU_pSuite s = CU_add_suite("atomic", NULL, NULL);
        if (s)
            CU_add_test(s, "a failed run leaves the previous output untouched", test_atomic_failed_run_keeps_output);
    }
    if (want_suite(only, "errors")) {
        CU_pSuite s = CU_add_suite("errors", NULL, NULL);
        static char names[N_ERR_CASES][96];
        for (int i = 0; s && i < N_ERR_CASES; i++) {
            snprintf(names[i], sizeof names[i], "%s -> exit %d", ERR_CASES[i].name, ERR_CASES[i].want);
            CU_add_test(s, names[i], ERR_FUNCS[i]);
        }
        static const test_def U[] = {
            {"usage: no arguments -> exit 2", test_usage_no_args},
            {"usage: unknown command -> exit 2", test_usage_unknown_command},
            {"usage: run without a scenario -> exit 2", test_usage_run_without_scenario},
            {"usage: --version -> exit 0, versions", test_usage_version},
            {"usage: --help -> exit 0, exit codes", test_usage_help},
        };
        for (size_t i = 0; s && i < sizeof U / sizeof U[0]; i++)
            CU_add_test(s, U[i].name, U[i].fn);
    }
    if (want_suite(only, "workers")) {
        CU_pSuite s = CU_add_suite("workers", NULL, NULL);
        static const test_def W[] = {
            {"demo: every grid staffed, nobody over capacity, spread of workload per FTE 2x narrower",
             test_workers_demo},
            {"more grids than workers: a clear message, or sharing within capacity", test_workers_more_grids_than_workers},
            {"a roster short of the workload: exit 5, by how much", test_workers_infeasible_roster},
            {"locked workers stay in their community", test_workers_locked},
            {"continuity: a balanced plan in force keeps every worker on their grids", test_workers_continuity},
            {"count = workers: one grid per whole FTE after allocation", test_workers_count_workers},
            {"bad roster rows name the row, the worker and the field (exit 4)", test_workers_bad_rows},
        };
        for (size_t i = 0; s && i < sizeof W / sizeof W[0]; i++)
            CU_add_test(s, W[i].name, W[i].fn);
    }
    if (want_suite(only, "outputs")) {
        CU_pSuite s = CU_add_suite("outputs", NULL, NULL);
        static const test_def O[] = {
            {"formats = gpkg, shp: shapefiles with .prj and UTF-8 .cpg, short field names, same grids",
             test_outputs_shapefile},
            {"[output] crs: working, an EPSG code, or an error for an unknown one", test_outputs_crs},
            {"grid codes: structured, and stable where a grid did not change", test_outputs_codes},
            {"compare: the table, the map of differences, a folder against itself", test_outputs_compare},
        };
        for (size_t i = 0; s && i < sizeof O / sizeof O[0]; i++)
            CU_add_test(s, O[i].name, O[i].fn);
    }
    if (CU_get_error() != CUE_SUCCESS) {
        fprintf(stderr, "test_cli: CUnit: %s\n", CU_get_error_msg());
        CU_cleanup_registry();
        rmtree(g_tmp);
        return 1;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    unsigned suites_failed = CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    if (getenv("GP_KEEP_TMP"))
        printf("test_cli: kept %s\n", g_tmp);
    else
        rmtree(g_tmp);
    return failures || suites_failed ? 1 : 0;
}
