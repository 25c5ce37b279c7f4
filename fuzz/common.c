/* Shared by the harnesses: the context, the private folder, file writes. */
#include "common.h"

#include <cpl_error.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gdal.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static gp_ctx *fuzz_ctx;
static char fuzz_dir[256];

gp_ctx *gp_fuzz_ctx(void)
{
    if (fuzz_ctx)
        return fuzz_ctx;
    /* GDAL prints warnings and errors to stderr unless told not to; the
     * library pushes its own quiet handler around its reads, but not every
     * GDAL call (driver registration, CRS lookups) is inside one */
    CPLSetErrorHandler(CPLQuietErrorHandler);
    GDALAllRegister();
    if (gp_ctx_create(&fuzz_ctx) != GP_OK)
        abort();
    gp_ctx_set_log(fuzz_ctx, NULL, NULL, GP_LOG_ERROR);
    return fuzz_ctx;
}

/* Removes a folder of files (the harnesses make no subfolders). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static void remove_own(void) { remove_tree(fuzz_dir); }

/* A sanitizer that finds a bug ends the process without running atexit
 * handlers, so a crash leaves its folder behind: the folders of processes
 * that are gone are removed by the next one. */
static void remove_stale(const char *base)
{
    DIR *d = opendir(base);
    if (!d)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL) {
        long pid;
        int end = 0;
        if (sscanf(e->d_name, "gridplan-fuzz-%ld-%n", &pid, &end) != 1 || end == 0 || pid <= 0)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        snprintf(p, sizeof p, "%s/%s", base, e->d_name);
        remove_tree(p);
    }
    closedir(d);
}

const char *gp_fuzz_dir(void)
{
    if (fuzz_dir[0])
        return fuzz_dir;
    struct stat st;
    const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
                           ? "/dev/shm" : getenv("TMPDIR");
    if (!base || !base[0])
        base = "/tmp";
    remove_stale(base);
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/gridplan-fuzz-%ld-XXXXXX", base, (long)getpid());
    if (!mkdtemp(fuzz_dir))
        abort();
    atexit(remove_own);
    return fuzz_dir;
}

bool gp_fuzz_path(char *buf, size_t len, const char *name)
{
    int n = snprintf(buf, len, "%s/%s", gp_fuzz_dir(), name);
    return n > 0 && (size_t)n < len;
}

bool gp_fuzz_write(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return false;
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            close(fd);
            return false;
        }
        done += (size_t)n;
    }
    return close(fd) == 0;
}

char *gp_fuzz_text(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (!t)
        return NULL;
    memcpy(t, data, size);
    t[size] = '\0';
    return t;
}
