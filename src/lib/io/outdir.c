/* The output folder: written under a temporary name beside its place and
 * swapped in at the end, so that a failed run never leaves a half-written
 * result and never replaces a good one. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h> /* AT_FDCWD; renameat2 and RENAME_EXCHANGE come from stdio.h (_GNU_SOURCE) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"

/* Whether dir holds report.json (an earlier output) or nothing at all. */
static bool is_output_or_empty(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/report.json", dir);
    if (access(path, F_OK) == 0)
        return true;
    DIR *d = opendir(dir);
    if (!d)
        return true; /* unreadable: the later steps say why */
    bool empty = true;
    for (struct dirent *e; empty && (e = readdir(d));)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

gp_status gp_outdir_begin(gp_ctx *ctx, const char *dir, gp_outdir *o)
{
    memset(o, 0, sizeof *o);
    /* "out/demo/" and "out/demo" are the same folder: the temporary one
     * must be its sibling, not inside it */
    snprintf(o->dir, sizeof o->dir, "%s", dir);
    for (size_t l = strlen(o->dir); l > 1 && o->dir[l - 1] == '/'; l--)
        o->dir[l - 1] = '\0';
    struct stat st;
    if (stat(o->dir, &st) == 0 && !S_ISDIR(st.st_mode))
        return gp_fail(ctx, GP_ERR_OUTPUT, "%s: exists and is not a folder: choose another [output] dir", o->dir);
    /* the folder is replaced as a whole: only an earlier output (its
     * report.json) or an empty folder, never one with other files, such
     * as the inputs themselves */
    if (stat(o->dir, &st) == 0 && !is_output_or_empty(o->dir))
        return gp_fail(ctx, GP_ERR_OUTPUT, "%s: the folder holds files but no report.json, so it is not a gridplan "
                       "output folder; gridplan replaces its output folder as a whole and would delete them: choose "
                       "a new or empty [output] dir (or --out)", o->dir);
    /* the folder is made at the end of the run: say now, not after the
     * search, when it cannot be (a file in the way, a read-only disk) */
    char up[4096];
    snprintf(up, sizeof up, "%s", o->dir);
    for (;;) {
        char *sl = strrchr(up, '/');
        if (!sl)
            snprintf(up, sizeof up, ".");
        else if (sl == up)
            up[1] = '\0';
        else
            *sl = '\0';
        if (stat(up, &st) == 0 || (errno != ENOENT && errno != ENOTDIR) || strcmp(up, ".") == 0 || strcmp(up, "/") == 0)
            break;
    }
    if (stat(up, &st) != 0)
        return gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create the output folder: %s: %s: choose another [output] dir "
                       "(or --out)", o->dir, up, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create the output folder: %s is not a folder: choose another "
                       "[output] dir (or --out)", o->dir, up);
    if (access(up, W_OK | X_OK) != 0)
        return gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create the output folder: cannot write in %s: %s: check its "
                       "permissions, or choose another [output] dir (or --out)", o->dir, up, strerror(errno));
    return GP_OK;
}

gp_status gp_outdir_create(gp_ctx *ctx, gp_outdir *o)
{
    size_t len = strlen(o->dir) + 32;
    o->tmp = malloc(len);
    o->old = malloc(len);
    if (!o->tmp || !o->old)
        return GP_ERR_NOMEM;
    snprintf(o->tmp, len, "%s.tmp-%ld", o->dir, (long)getpid());
    snprintf(o->old, len, "%s.old-%ld", o->dir, (long)getpid());
    gp_rmtree(o->tmp);
    /* the folders made on the way, removed again if the run fails */
    o->made = 0;
    struct stat sb;
    for (char *p = strchr(o->dir + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        bool there = stat(o->dir, &sb) == 0;
        *p = '/';
        if (!there) {
            o->made = (size_t)(p - o->dir);
            break;
        }
    }
    gp_status st = gp_mkdirs(ctx, o->tmp);
    if (st == GP_ERR_OUTPUT) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", gp_ctx_errmsg(ctx));
        return gp_fail(ctx, st, "%s: check the path and its permissions, or choose another [output] dir (or --out)",
                       msg);
    }
    if (st)
        return st;
    if (mkdir(o->tmp, 0777) != 0)
        return gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create folder: %s: check the path, its permissions and free "
                       "space, or choose another [output] dir (or --out)", o->tmp, strerror(errno));
    return GP_OK;
}

gp_status gp_outdir_commit(gp_ctx *ctx, gp_outdir *o)
{
    struct stat st;
    bool had_old = stat(o->dir, &st) == 0;
    /* one atomic swap where the file system allows it: at every instant
     * the folder holds either the previous result or the new one, even if
     * the process is killed in between */
    if (had_old && S_ISDIR(st.st_mode) && renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->dir, RENAME_EXCHANGE) == 0) {
        gp_rmtree(o->tmp); /* the previous result, under the temporary name */
        free(o->tmp);
        o->tmp = NULL;
        return GP_OK;
    }
    /* otherwise (a file system without RENAME_EXCHANGE) two renames: the
     * previous result aside, then the new one in place */
    if (had_old && rename(o->dir, o->old) != 0)
        return gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot move the previous result aside: %s", o->dir, strerror(errno));
    if (rename(o->tmp, o->dir) != 0) {
        gp_status e = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot put the result in place: %s", o->dir, strerror(errno));
        if (had_old)
            rename(o->old, o->dir);
        return e;
    }
    free(o->tmp);
    o->tmp = NULL; /* in place: nothing to remove */
    if (had_old)
        gp_rmtree(o->old);
    return GP_OK;
}

void gp_outdir_end(gp_outdir *o)
{
    if (o->tmp) {
        gp_rmtree(o->tmp);
        /* and the folders made for it, from the innermost out, while empty */
        char d[sizeof o->dir];
        snprintf(d, sizeof d, "%s", o->dir);
        for (char *p = strrchr(d, '/'); o->made && p && (size_t)(p - d) >= o->made; p = strrchr(d, '/')) {
            *p = '\0';
            if (rmdir(d) != 0 || (size_t)(p - d) == o->made)
                break;
        }
        o->made = 0;
    }
    free(o->tmp);
    free(o->old);
    o->tmp = o->old = NULL;
}
