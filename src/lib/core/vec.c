/* The one growable array: capacity doubling for any element type, and the
 * int vector built on it. */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

bool gp_grow(void *arr, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return true;
    int c = *cap > 0 ? *cap : 16;
    while (c < need)
        c = c > (1 << 29) ? need : 2 * c;
    void *old, *v; /* arr points at a pointer of some type: copied, not cast */
    memcpy(&old, arr, sizeof old);
    if (!(v = realloc(old, (size_t)c * size)))
        return false;
    memcpy(arr, &v, sizeof v);
    *cap = c;
    return true;
}

void *gp_grow_slot(void *arr, int *cap, int n, size_t size)
{
    if (!gp_grow(arr, cap, n + 1, size))
        return NULL;
    char *base;
    memcpy(&base, arr, sizeof base);
    memset(base + (size_t)n * size, 0, size);
    return base + (size_t)n * size;
}

bool gp_ivec_push(gp_ivec *a, int x)
{
    if (!gp_grow(&a->v, &a->cap, a->n + 1, sizeof *a->v))
        return false;
    a->v[a->n++] = x;
    return true;
}

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
