/* Small helpers: strings, paths, numbers, checksums, growable arrays. */

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

char *gp_strdup(const char *s)
{
    return s ? gp_strndup(s, strlen(s)) : NULL;
}

char *gp_strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

bool gp_path_is_abs(const char *path) { return path && path[0] == '/'; }

char *gp_path_join(const char *dir, const char *path)
{
    if (gp_path_is_abs(path) || !dir || !dir[0])
        return gp_strdup(path);
    size_t a = strlen(dir), b = strlen(path);
    char *r = malloc(a + b + 2);
    if (!r)
        return NULL;
    memcpy(r, dir, a);
    size_t k = a;
    if (a && dir[a - 1] != '/')
        r[k++] = '/';
    memcpy(r + k, path, b + 1);
    return r;
}

char *gp_path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return gp_strdup(".");
    if (slash == path)
        return gp_strdup("/");
    return gp_strndup(path, (size_t)(slash - path));
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(p);
}

int gp_rmtree(const char *path)
{
    if (access(path, F_OK) != 0)
        return 0;
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

double gp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

bool gp_file_checksum(const char *path, char out[17])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    unsigned long long h = 1469598103934665603ULL;
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; i++) {
            h ^= buf[i];
            h *= 1099511628211ULL;
        }
    bool ok = !ferror(f);
    fclose(f);
    snprintf(out, 17, "%016llx", h);
    return ok;
}

static const char *skip_ws(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return s;
}

static bool only_ws(const char *s) { return *skip_ws(s) == '\0'; }

bool gp_parse_double(const char *s, double *out)
{
    if (!s)
        return false;
    s = skip_ws(s);
    if (!*s)
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(v) || !only_ws(end))
        return false;
    *out = v;
    return true;
}

bool gp_parse_int(const char *s, long *out)
{
    if (!s)
        return false;
    s = skip_ws(s);
    if (!*s)
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || errno == ERANGE || !only_ws(end))
        return false;
    *out = v;
    return true;
}

bool gp_parse_range(const char *s, double *lo, double *hi)
{
    const char *dots = strstr(s, "..");
    if (!dots)
        return false;
    char left[128], right[128];
    size_t ln = (size_t)(dots - s), rn = strlen(dots + 2);
    if (ln >= sizeof left || rn >= sizeof right)
        return false;
    memcpy(left, s, ln);
    left[ln] = '\0';
    memcpy(right, dots + 2, rn + 1);
    if (strstr(right, ".."))
        return false;
    *lo = -INFINITY;
    *hi = INFINITY;
    if (!only_ws(left) && !gp_parse_double(left, lo))
        return false;
    if (!only_ws(right) && !gp_parse_double(right, hi))
        return false;
    if (only_ws(left) && only_ws(right))
        return false;
    return *lo <= *hi;
}

bool gp_ivec_push(gp_ivec *a, int x)
{
    if (a->n == a->cap) {
        int cap = a->cap ? a->cap * 2 : 16;
        int *v = realloc(a->v, (size_t)cap * sizeof *v);
        if (!v)
            return false;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = x;
    return true;
}

void gp_ivec_collect(void *item, void *user) { gp_ivec_push(user, (int)(intptr_t)item); }

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

void gp_ivec_sort(gp_ivec *a)
{
    if (a->n > 1)
        qsort(a->v, (size_t)a->n, sizeof *a->v, cmp_int);
}

void gp_ivec_free(gp_ivec *a)
{
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

GEOSGeometry *gp_geom_polygonal(gp_ctx *ctx, GEOSGeometry *g)
{
    GEOSContextHandle_t h = ctx->geos;
    int t = GEOSGeomTypeId_r(h, g);
    if ((t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON) && !GEOSisEmpty_r(h, g))
        return g;
    GEOSGeometry **parts = NULL;
    int k = 0, cap = 0;
    bool ok = true;
    int n = GEOSGetNumGeometries_r(h, g);
    for (int i = 0; ok && i < n; i++) {
        const GEOSGeometry *c = GEOSGetGeometryN_r(h, g, i);
        int ct = GEOSGeomTypeId_r(h, c);
        int m = ct == GEOS_POLYGON ? 1 : ct == GEOS_MULTIPOLYGON ? GEOSGetNumGeometries_r(h, c) : 0;
        for (int j = 0; ok && j < m; j++) {
            const GEOSGeometry *poly = ct == GEOS_POLYGON ? c : GEOSGetGeometryN_r(h, c, j);
            if (GEOSisEmpty_r(h, poly))
                continue;
            if (k == cap) {
                cap = cap ? cap * 2 : 8;
                GEOSGeometry **np = realloc(parts, (size_t)cap * sizeof *np);
                if (!np) {
                    ok = false;
                    break;
                }
                parts = np;
            }
            parts[k++] = GEOSGeom_clone_r(h, poly);
        }
    }
    GEOSGeometry *r = ok && k ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)k) : NULL;
    if (!r)
        for (int i = 0; i < k; i++)
            GEOSGeom_destroy_r(h, parts[i]);
    free(parts);
    GEOSGeom_destroy_r(h, g);
    return r;
}

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
