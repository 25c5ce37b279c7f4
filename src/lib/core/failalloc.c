/* Allocation-failure testing: see failalloc.h. Thread-safe: the count is
 * atomic, so with several threads the Nth call is still exactly one call
 * (which one depends on scheduling; the tests run on one thread). */
#define GP_FAILALLOC_IMPL
#include "core/failalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_long calls;
static long fail_at = -1;       /* -1: not read yet */
static pthread_once_t once = PTHREAD_ONCE_INIT;

typedef struct site { const char *file; int line; long first; } site;
static site sites[4096];
static int n_sites;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void write_log(void)
{
    const char *path = getenv("GP_FAIL_ALLOC_LOG");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (!f)
        return;
    fprintf(f, "calls %ld\n", atomic_load(&calls));
    for (int i = 0; i < n_sites; i++)
        fprintf(f, "site %ld %s:%d\n", sites[i].first, sites[i].file, sites[i].line);
    fclose(f);
}

static void init(void)
{
    const char *e = getenv("GP_FAIL_ALLOC");
    fail_at = e ? atol(e) : 0;
    if (getenv("GP_FAIL_ALLOC_LOG"))
        atexit(write_log);
}

/* True when this call is the one that fails. */
static int fails(const char *file, int line)
{
    pthread_once(&once, init);
    long k = atomic_fetch_add(&calls, 1) + 1;
    if (getenv("GP_FAIL_ALLOC_LOG")) {
        pthread_mutex_lock(&mu);
        int i = 0;
        while (i < n_sites && !(sites[i].line == line && strcmp(sites[i].file, file) == 0))
            i++;
        if (i == n_sites && n_sites < (int)(sizeof sites / sizeof sites[0]))
            sites[n_sites++] = (site){file, line, k};
        pthread_mutex_unlock(&mu);
    }
    return fail_at > 0 && k == fail_at;
}

void *gp_fa_malloc(size_t n, const char *file, int line) { return fails(file, line) ? NULL : malloc(n); }

void *gp_fa_calloc(size_t n, size_t size, const char *file, int line)
{
    return fails(file, line) ? NULL : calloc(n, size);
}

void *gp_fa_realloc(void *p, size_t n, const char *file, int line)
{
    return fails(file, line) ? NULL : realloc(p, n);
}

char *gp_fa_strdup(const char *s, const char *file, int line) { return fails(file, line) ? NULL : strdup(s); }

char *gp_fa_strndup(const char *s, size_t n, const char *file, int line)
{
    return fails(file, line) ? NULL : strndup(s, n);
}
