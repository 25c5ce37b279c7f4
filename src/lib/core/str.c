/* Strings, paths, folders and file checksums. */

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"

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

gp_status gp_mkdirs(gp_ctx *ctx, const char *path)
{
    char *p = gp_strdup(path);
    if (!p)
        return GP_ERR_NOMEM;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            gp_status st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create folder: %s", p, strerror(errno));
            free(p);
            return st;
        }
        *s = '/';
    }
    free(p);
    return GP_OK;
}

FILE *gp_out_open(gp_ctx *ctx, const char *dir, const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create: %s", path, strerror(errno));
    return f;
}

gp_status gp_out_close(gp_ctx *ctx, FILE *f, const char *path)
{
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad)
        return gp_fail(ctx, GP_ERR_OUTPUT, "%s: write failed (disk full?)", path);
    return GP_OK;
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
