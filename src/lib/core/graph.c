/* The one connectivity test: breadth-first search over a graph in
 * compressed rows, restricted to the vertices of one label. Used for the
 * grids of a plan, the cut-off pieces of a community and the checks of
 * every plan the solvers hand back. */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

bool gp_bfs_init(gp_bfs *b, int n)
{
    b->queue = malloc((size_t)(n > 0 ? n : 1) * sizeof *b->queue);
    b->mark = calloc((size_t)(n > 0 ? n : 1), sizeof *b->mark);
    b->stamp = 0;
    if (b->queue && b->mark)
        return true;
    gp_bfs_free(b);
    return false;
}

void gp_bfs_free(gp_bfs *b)
{
    free(b->queue);
    free(b->mark);
    memset(b, 0, sizeof *b);
}

int gp_csr_reach(const gp_csr *g, const int *label, int lab, int start, int skip, gp_bfs *b)
{
    int stamp = ++b->stamp, head = 0, tail = 0;
    b->queue[tail++] = start;
    b->mark[start] = stamp;
    if (skip >= 0)
        b->mark[skip] = stamp;
    while (head < tail) {
        int u = b->queue[head++];
        for (int e = g->xadj[u]; e < g->xadj[u + 1]; e++) {
            int v = g->adj[e];
            if ((!label || label[v] == lab) && b->mark[v] != stamp) {
                b->mark[v] = stamp;
                b->queue[tail++] = v;
            }
        }
    }
    return tail;
}

bool gp_csr_connected(const gp_csr *g, const int *label, int lab)
{
    int start = -1, need = 0;
    for (int i = 0; i < g->n; i++)
        if (!label || label[i] == lab) {
            need++;
            if (start < 0)
                start = i;
        }
    gp_bfs b;
    if (need == 0 || !gp_bfs_init(&b, g->n))
        return false;
    bool ok = gp_csr_reach(g, label, lab, start, -1, &b) == need;
    gp_bfs_free(&b);
    return ok;
}

int gp_csr_components(const gp_csr *g, int *comp)
{
    gp_bfs b;
    if (!gp_bfs_init(&b, g->n))
        return -1;
    for (int i = 0; i < g->n; i++)
        comp[i] = -1;
    int k = 0;
    for (int s = 0; s < g->n; s++) {
        if (comp[s] >= 0)
            continue;
        int m = gp_csr_reach(g, NULL, 0, s, -1, &b);
        for (int q = 0; q < m; q++)
            comp[b.queue[q]] = k;
        k++;
    }
    gp_bfs_free(&b);
    return k;
}
