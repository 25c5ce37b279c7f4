/*
 * Allocation-failure testing (a build with -DGP_FAILALLOC=ON only): every
 * malloc, calloc, realloc and strdup in libgridplan goes through a counter,
 * and the Nth call fails as if memory ran out (GP_FAIL_ALLOC=N in the
 * environment; 0 or unset: none fails). GP_FAIL_ALLOC_LOG=FILE writes, at
 * exit, the number of calls and the first call of each allocation site
 * (file:line), which tests/cli/check_failalloc.py uses to fail each site
 * once. Force-included into every library file by CMake; never part of a
 * normal build.
 */
#ifndef GP_FAILALLOC_H
#define GP_FAILALLOC_H

#include <stdlib.h>
#include <string.h>

void *gp_fa_malloc(size_t n, const char *file, int line);
void *gp_fa_calloc(size_t n, size_t size, const char *file, int line);
void *gp_fa_realloc(void *p, size_t n, const char *file, int line);
char *gp_fa_strdup(const char *s, const char *file, int line);
char *gp_fa_strndup(const char *s, size_t n, const char *file, int line);

#ifndef GP_FAILALLOC_IMPL
#define malloc(n) gp_fa_malloc((n), __FILE__, __LINE__)
#define calloc(n, s) gp_fa_calloc((n), (s), __FILE__, __LINE__)
#define realloc(p, n) gp_fa_realloc((p), (n), __FILE__, __LINE__)
#define strdup(s) gp_fa_strdup((s), __FILE__, __LINE__)
#define strndup(s, n) gp_fa_strndup((s), (n), __FILE__, __LINE__)
#endif

#endif
