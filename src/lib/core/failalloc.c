/* Allocation-failure testing: see failalloc.h. Thread-safe: the count is
 * atomic, so with several threads the Nth call is still exactly one call
 * (which one depends on scheduling; the tests run on one thread). */
#define GP_FAILALLOC_IMPL
#include "core/failalloc.h"

/* the header is force-included before this file's first line: here the
 * names are the C library's again */
#undef malloc
#undef calloc
#undef realloc
#undef strdup
#undef strndup

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

static atomic_long calls;
static long fail_at = -1;       /* -1: not read yet */
static const char *log_path;    /* GP_FAIL_ALLOC_LOG, read once */
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The allocation sites seen, in an open-addressing table keyed on the
 * (__FILE__ pointer, line) pair: one lookup per allocation, not a scan. */
typedef struct site { const char *file; int line; long first; } site;
#define N_SLOTS 16384
static site slots[N_SLOTS];
static int n_sites;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static int cmp_site(const void *a, const void *b)
{
    long x = ((const site *)a)->first, y = ((const site *)b)->first;
    return (x > y) - (x < y);
}

static void write_log(void)
{
    FILE *f = fopen(log_path, "w");
    if (!f)
        return;
    /* one line per source line: the same file:line may come from two
     * pointers (one per translation unit) */
    site *all = NULL;
    int n = 0;
    pthread_mutex_lock(&mu);
    all = (malloc)((size_t)(n_sites ? n_sites : 1) * sizeof *all);
    for (int i = 0; all && i < N_SLOTS; i++)
        if (slots[i].file)
            all[n++] = slots[i];
    pthread_mutex_unlock(&mu);
    if (all)
        qsort(all, (size_t)n, sizeof *all, cmp_site);
    fprintf(f, "calls %ld\n", atomic_load(&calls));
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = all[j].line == all[i].line && strcmp(all[j].file, all[i].file) == 0;
        if (!seen)
            fprintf(f, "site %ld %s:%d\n", all[i].first, all[i].file, all[i].line);
    }
    (free)(all);
    fclose(f);
}

static void init(void)
{
    const char *e = getenv("GP_FAIL_ALLOC");
    fail_at = e ? atol(e) : 0;
    log_path = getenv("GP_FAIL_ALLOC_LOG");
    if (log_path)
        atexit(write_log);
}

static void note_site(const char *file, int line, long k)
{
    size_t h = ((size_t)(uintptr_t)file * 31u + (size_t)line) * 2654435761u;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < N_SLOTS; i++) {
        site *s = &slots[(h + i) % N_SLOTS];
        if (s->file == file && s->line == line)
            break;
        if (!s->file) {
            if (n_sites < N_SLOTS / 2) {
                *s = (site){file, line, k};
                n_sites++;
            }
            break;
        }
    }
    pthread_mutex_unlock(&mu);
}

/* True when this call is the one that fails. */
static int fails(const char *file, int line)
{
    pthread_once(&once, init);
    long k = atomic_fetch_add(&calls, 1) + 1;
    if (log_path)
        note_site(file, line, k);
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
