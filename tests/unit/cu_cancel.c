/* Cancelling a run: at every stage boundary, through the host's polled
 * function, and before the run starts. Each time the call returns
 * GP_ERR_CANCELLED, names the stage, leaves no temporary folder behind and
 * leaves the previous output exactly as it was. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "cu_tester.h"

static char tmpdir[256];
static char outdir[300];

/* The names and contents of a folder's files, in name order: a SHA-256
 * in hex, with the names listed after it. */
static char *snapshot(const char *dir)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0)
        return gp_strdup("(missing)");
    gp_sha256 h;
    gp_sha256_init(&h);
    char *out = calloc(1, 65 + 256 * (size_t)n);
    for (int i = 0; i < n; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        FILE *f = names[i]->d_name[0] == '.' ? NULL : fopen(path, "rb");
        if (f) {
            gp_sha256_update(&h, names[i]->d_name, strlen(names[i]->d_name) + 1);
            char buf[65536];
            for (size_t k; (k = fread(buf, 1, sizeof buf, f)) > 0;)
                gp_sha256_update(&h, buf, k);
            fclose(f);
            char *end = out + 65 + strlen(out + 65);
            snprintf(end, 256, " %.250s", names[i]->d_name);
        }
        free(names[i]);
    }
    free(names);
    char hex[65];
    gp_sha256_hex(&h, hex);
    memcpy(out, hex, 64);
    out[64] = ' ';
    return out;
}

/* Entries of tmpdir other than the output folder itself. */
static int leftovers(void)
{
    DIR *d = opendir(tmpdir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "out");
    if (d)
        closedir(d);
    return n;
}

typedef struct watch {
    gp_ctx *ctx;
    char after[64];              /* cancel once "stage AFTER: done" is logged */
    int polls, cancel_at_poll;   /* the host's function: cancel on that poll */
    pthread_t caller;
    int other_thread;            /* polls seen on another thread */
} watch;

static void on_log(void *user, gp_log_level level, const char *msg)
{
    watch *w = user;
    char want[96];
    snprintf(want, sizeof want, "stage %s: done", w->after);
    if (w->after[0] && strncmp(msg, want, strlen(want)) == 0)
        gp_ctx_cancel(w->ctx);
}

static int on_poll(void *user)
{
    watch *w = user;
    if (!pthread_equal(pthread_self(), w->caller))
        w->other_thread++;
    return ++w->polls >= w->cancel_at_poll;
}

static gp_status run_demo(watch *w, int threads)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/datasets/demo/scenario.ini", cu_source_dir());
    gp_scenario *sc = NULL;
    CU_ASSERT_EQUAL_FATAL(gp_scenario_load(w->ctx, path, &sc), GP_OK);
    CU_ASSERT_EQUAL_FATAL(gp_scenario_set(w->ctx, sc, "output", "dir", outdir), GP_OK);
    char t[16];
    snprintf(t, sizeof t, "%d", threads);
    CU_ASSERT_EQUAL_FATAL(gp_scenario_set(w->ctx, sc, "solver", "threads", t), GP_OK);
    gp_status st = gp_run(w->ctx, sc, NULL);
    gp_scenario_destroy(sc);
    return st;
}

static int suite_init(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gp-cancel-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    snprintf(outdir, sizeof outdir, "%s/out", tmpdir);
    return 0;
}

static int suite_clean(void)
{
    gp_rmtree(tmpdir);
    return 0;
}

/* A good output first; then a run cancelled right after each stage. */
static void test_every_stage(void)
{
    static const char *const stages[] = {"load", "atomize", "graph", "output", "staff", "partition",
                                         "grids", "assign", "write", "report", "postgis"};
    watch w = {0};
    CU_ASSERT_EQUAL_FATAL(gp_ctx_create(&w.ctx), GP_OK);
    gp_ctx_set_log(w.ctx, on_log, &w, GP_LOG_DEBUG);
    CU_ASSERT_EQUAL_FATAL(run_demo(&w, 2), GP_OK);
    char *before = snapshot(outdir);
    CU_ASSERT(strstr(before, "report.json") != NULL);
    for (size_t s = 0; s < sizeof stages / sizeof stages[0]; s++) {
        snprintf(w.after, sizeof w.after, "%s", stages[s]);
        gp_ctx_set_cancel(w.ctx, NULL, NULL); /* clears the last request */
        gp_status st = run_demo(&w, 2);
        CU_ASSERT_EQUAL(st, GP_ERR_CANCELLED);
        /* the stage after the one that finished is the one that stops */
        const char *next = s + 1 < sizeof stages / sizeof stages[0] ? stages[s + 1] : "commit";
        char want[64];
        snprintf(want, sizeof want, "cancelled in stage %s", next);
        if (!strstr(gp_ctx_errmsg(w.ctx), want))
            fprintf(stderr, "cu_cancel: after %s: '%s'\n", stages[s], gp_ctx_errmsg(w.ctx));
        CU_ASSERT(strstr(gp_ctx_errmsg(w.ctx), want) != NULL);
        char *after = snapshot(outdir);
        CU_ASSERT_STRING_EQUAL(after, before);
        free(after);
        CU_ASSERT_EQUAL(leftovers(), 0);
    }
    free(before);
    gp_ctx_destroy(w.ctx);
}

/* The host's function: polled on the calling thread only, and its nonzero
 * return stops a run on two threads; the request then stays until cleared. */
static void test_host_function(void)
{
    watch w = {0};
    CU_ASSERT_EQUAL_FATAL(gp_ctx_create(&w.ctx), GP_OK);
    w.caller = pthread_self();
    w.cancel_at_poll = 1 << 30;
    gp_ctx_set_cancel(w.ctx, on_poll, &w);
    CU_ASSERT_EQUAL_FATAL(run_demo(&w, 2), GP_OK);
    CU_ASSERT(w.polls > 0);
    CU_ASSERT_EQUAL(w.other_thread, 0);
    char *before = snapshot(outdir);

    /* stop on the second poll: early in the run, whatever the machine */
    w.polls = 0;
    w.cancel_at_poll = 2;
    gp_ctx_set_cancel(w.ctx, on_poll, &w);
    CU_ASSERT_EQUAL(run_demo(&w, 2), GP_ERR_CANCELLED);
    CU_ASSERT(strstr(gp_ctx_errmsg(w.ctx), "nothing was written") != NULL);
    CU_ASSERT_EQUAL(w.other_thread, 0);
    /* still cancelled: the next call stops before it starts */
    int polls = w.polls;
    CU_ASSERT_EQUAL(run_demo(&w, 1), GP_ERR_CANCELLED);
    CU_ASSERT(strstr(gp_ctx_errmsg(w.ctx), "cancelled in stage load") != NULL);
    CU_ASSERT_EQUAL(w.polls, polls);
    char *after = snapshot(outdir);
    CU_ASSERT_STRING_EQUAL(after, before);
    free(after);
    free(before);
    CU_ASSERT_EQUAL(leftovers(), 0);
    gp_ctx_destroy(w.ctx);
}

/* Polls counted until "stage graph: done" is logged. */
typedef struct early {
    watch w;
    int polls_at_graph;
} early;

static void on_log_graph(void *user, gp_log_level level, const char *msg)
{
    early *e = user;
    (void)level;
    if (strncmp(msg, "stage graph: done", 17) == 0)
        e->polls_at_graph = e->w.polls;
}

/* A host that cancels at every one of its polls up to the graph stage:
 * between stages and inside the loops over units and communities (load,
 * atomize, graph). Each run stops with GP_ERR_CANCELLED, names the stage,
 * writes nothing and leaves the previous output as it was. The polls
 * before the pool starts do not depend on time, so neither does this. */
static void test_every_poll(void)
{
    early e = {0};
    watch *w = &e.w;
    CU_ASSERT_EQUAL_FATAL(gp_ctx_create(&w->ctx), GP_OK);
    w->caller = pthread_self();
    w->cancel_at_poll = 1 << 30;
    gp_ctx_set_log(w->ctx, on_log_graph, &e, GP_LOG_DEBUG);
    gp_ctx_set_cancel(w->ctx, on_poll, w);
    CU_ASSERT_EQUAL_FATAL(run_demo(w, 1), GP_OK);
    int n = e.polls_at_graph;
    /* 4 stage boundaries, and polls inside the loops over the demo's 344
     * units (load, atomize) and 10 communities (graph) */
    CU_ASSERT(n > 4);
    char *before = snapshot(outdir);
    int in_loops = 0;
    for (int at = 1; at <= n; at++) {
        w->polls = 0;
        w->cancel_at_poll = at;
        gp_ctx_set_cancel(w->ctx, on_poll, w);
        CU_ASSERT_EQUAL(run_demo(w, 1), GP_ERR_CANCELLED);
        const char *msg = gp_ctx_errmsg(w->ctx);
        CU_ASSERT(strstr(msg, "cancelled in stage") != NULL);
        in_loops += w->polls == at && (strstr(msg, "stage load") || strstr(msg, "stage atomize") ||
                                       strstr(msg, "stage graph"));
        char *after = snapshot(outdir);
        CU_ASSERT_STRING_EQUAL(after, before);
        free(after);
        CU_ASSERT_EQUAL(leftovers(), 0);
    }
    CU_ASSERT(in_loops >= n - 4);
    free(before);
    gp_ctx_destroy(w->ctx);
}

/* gp_ctx_cancel from another thread while the communities are solved, on
 * the pool's threads: the run stops and writes nothing. */
static void *cancel_later(void *arg)
{
    watch *w = arg;
    while (!__atomic_load_n(&w->polls, __ATOMIC_SEQ_CST))
        ;
    gp_ctx_cancel(w->ctx);
    return NULL;
}

static void on_log_partition(void *user, gp_log_level level, const char *msg)
{
    watch *w = user;
    if (strncmp(msg, "stage staff: done", 17) == 0)
        __atomic_store_n(&w->polls, 1, __ATOMIC_SEQ_CST);
}

static void test_other_thread(void)
{
    watch w = {0};
    CU_ASSERT_EQUAL_FATAL(gp_ctx_create(&w.ctx), GP_OK);
    gp_ctx_set_log(w.ctx, on_log_partition, &w, GP_LOG_DEBUG);
    char *before = snapshot(outdir);
    pthread_t th;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, cancel_later, &w), 0);
    gp_status st = run_demo(&w, 2);
    pthread_join(th, NULL);
    CU_ASSERT_EQUAL(st, GP_ERR_CANCELLED);
    CU_ASSERT(strstr(gp_ctx_errmsg(w.ctx), "cancelled in stage partition") ||
              strstr(gp_ctx_errmsg(w.ctx), "cancelled in stage grids"));
    char *after = snapshot(outdir);
    CU_ASSERT_STRING_EQUAL(after, before);
    free(after);
    free(before);
    CU_ASSERT_EQUAL(leftovers(), 0);
    gp_ctx_destroy(w.ctx);
}

void register_cancel_suite(void)
{
    static const cu_case cases[] = {{"every_stage", test_every_stage},
                                    {"host_function", test_host_function},
                                    {"every_poll", test_every_poll},
                                    {"other_thread", test_other_thread},
                                    {NULL, NULL}};
    CU_pSuite s = CU_add_suite("cancel", suite_init, suite_clean);
    for (const cu_case *c = cases; c->name; c++)
        CU_add_test(s, c->name, c->fn);
}
