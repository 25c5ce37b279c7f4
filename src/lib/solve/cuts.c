/* Contiguity cuts for branch and cut on the Hess model (model.c), added
 * lazily: when an integer solution has a grid (centre b) with a piece C not
 * connected to b, every atom a of C gets the cut x[a][b] <= sum of x[c][b]
 * over the atoms c next to C but not in it (any path from a to b inside the
 * grid must cross them); at fractional points, the same cut over a minimum
 * a,b-separator found by max flow. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solve/cuts.h"

#define FLOW_INF 1e9

bool gp_cuts_init(gp_cuts *d, const gp_part_problem *p)
{
    int n = p->n;
    memset(d, 0, sizeof *d);
    d->p = p;
    d->n = n;
    d->centre = malloc((size_t)n * sizeof *d->centre);
    d->queue = malloc((size_t)n * sizeof *d->queue);
    d->mark = malloc((size_t)n * sizeof *d->mark);
    d->ind = malloc(((size_t)n + 2) * sizeof *d->ind);
    d->val = malloc(((size_t)n + 2) * sizeof *d->val);
    d->stamp = calloc((size_t)n, sizeof *d->stamp);
    return d->centre && d->queue && d->mark && d->ind && d->val && d->stamp;
}

void gp_cuts_free(gp_cuts *d)
{
    free(d->centre), free(d->queue), free(d->mark), free(d->ind), free(d->val), free(d->stamp);
    free(d->head), free(d->next), free(d->first), free(d->prev_arc), free(d->cap), free(d->flow), free(d->xb);
    free(d->fqueue);
    memset(d, 0, sizeof *d);
}

static void arc_add(gp_cuts *d, int from, int to, double cap)
{
    int e = d->narcs;
    d->head[e] = to, d->cap[e] = cap, d->next[e] = d->first[from], d->first[from] = e;
    d->head[e + 1] = from, d->cap[e + 1] = 0, d->next[e + 1] = d->first[to], d->first[to] = e + 1;
    d->narcs += 2;
}

/* The split graph: an arc in -> out per atom (its capacity set per centre),
 * and out(u) -> in(v) of unbounded capacity per adjacency. */
static bool flow_graph(gp_cuts *d)
{
    const gp_part_problem *p = d->p;
    int n = d->n, m = p->xadj[n], arcs = 2 * (n + m);
    d->head = malloc((size_t)arcs * sizeof *d->head);
    d->next = malloc((size_t)arcs * sizeof *d->next);
    d->first = malloc(2 * (size_t)n * sizeof *d->first);
    d->prev_arc = malloc(2 * (size_t)n * sizeof *d->prev_arc);
    d->cap = malloc((size_t)arcs * sizeof *d->cap);
    d->flow = malloc((size_t)arcs * sizeof *d->flow);
    d->xb = malloc((size_t)n * sizeof *d->xb);
    d->fqueue = malloc(2 * (size_t)n * sizeof *d->fqueue);
    if (!d->head || !d->next || !d->first || !d->prev_arc || !d->cap || !d->flow || !d->xb || !d->fqueue)
        return false;
    for (int v = 0; v < 2 * n; v++)
        d->first[v] = -1;
    d->narcs = 0;
    for (int v = 0; v < n; v++)
        arc_add(d, 2 * v, 2 * v + 1, 0);
    for (int u = 0; u < n; u++)
        for (int e = p->xadj[u]; e < p->xadj[u + 1]; e++)
            arc_add(d, 2 * u + 1, 2 * p->adj[e], FLOW_INF);
    return true;
}

/* Max flow from atom a to centre b where every other atom c carries at most
 * xb[c] (Edmonds-Karp), stopped once it reaches enough. When it stays below
 * enough, the atoms whose in-node the source still reaches and whose
 * out-node it does not form a minimum a,b-separator: written to d->queue,
 * their count returned. -1 when the flow reaches enough. */
static int separator(gp_cuts *d, int a, int b, double enough)
{
    int n = d->n, src = 2 * a + 1, snk = 2 * b;
    for (int e = 0; e < d->narcs; e++)
        d->flow[e] = 0;
    for (int v = 0; v < n; v++)
        d->cap[2 * v] = v == a || v == b ? FLOW_INF : fmax(0, d->xb[v]); /* arc 2v: in -> out of atom v */
    double total = 0;
    int *queue = d->fqueue;
    for (;;) {
        for (int v = 0; v < 2 * n; v++)
            d->prev_arc[v] = -2;
        int head = 0, tail = 0;
        queue[tail++] = src;
        d->prev_arc[src] = -1;
        while (head < tail && d->prev_arc[snk] == -2) {
            int u = queue[head++];
            for (int e = d->first[u]; e >= 0; e = d->next[e])
                if (d->cap[e] - d->flow[e] > 1e-12 && d->prev_arc[d->head[e]] == -2) {
                    d->prev_arc[d->head[e]] = e;
                    queue[tail++] = d->head[e];
                }
        }
        if (d->prev_arc[snk] == -2)
            break; /* no augmenting path: the flow is maximum */
        double push = FLOW_INF;
        for (int v = snk; v != src; v = d->head[d->prev_arc[v] ^ 1])
            push = fmin(push, d->cap[d->prev_arc[v]] - d->flow[d->prev_arc[v]]);
        for (int v = snk; v != src; v = d->head[d->prev_arc[v] ^ 1]) {
            d->flow[d->prev_arc[v]] += push;
            d->flow[d->prev_arc[v] ^ 1] -= push;
        }
        total += push;
        if (total >= enough)
            return -1;
    }
    /* reached: prev_arc != -2 from the last search */
    int nc = 0;
    for (int v = 0; v < n; v++)
        if (v != a && v != b && d->prev_arc[2 * v] != -2 && d->prev_arc[2 * v + 1] == -2)
            d->queue[nc++] = v;
    return nc;
}

/* At a fractional point: for each centre b open by at least a tenth and
 * each atom a it takes by at least a tenth, not next to b, the cut
 * x[a][b] <= sum over a minimum a,b-separator C of x[c][b] when the point
 * breaks it by more than 0.01 (at most 200 cuts a round). Returns the
 * number added. */
static int add_fractional_cuts(glp_tree *T, gp_cuts *d)
{
    glp_prob *lp = glp_ios_get_prob(T);
    const gp_part_problem *p = d->p;
    int n = d->n, added = 0;
    if (!d->head && !flow_graph(d)) {
        /* without its cuts the search would go elsewhere: stop it, and
         * the solve reports out of memory */
        d->nomem = true;
        glp_ios_terminate(T);
        return 0;
    }
    for (int b = 0; b < n && added < 200; b++) {
        if (glp_get_col_prim(lp, b * n + b + 1) < 0.1)
            continue;
        for (int c = 0; c < n; c++)
            d->xb[c] = glp_get_col_prim(lp, c * n + b + 1);
        for (int a = 0; a < n && added < 200; a++) {
            if (a == b || d->xb[a] < 0.1)
                continue;
            bool next = false;
            for (int e = p->xadj[a]; e < p->xadj[a + 1] && !next; e++)
                next = p->adj[e] == b;
            if (next)
                continue;
            int nc = separator(d, a, b, d->xb[a] - 0.01);
            if (nc < 0)
                continue;
            d->ind[1] = a * n + b + 1;
            d->val[1] = 1;
            for (int q = 0; q < nc; q++)
                d->ind[2 + q] = d->queue[q] * n + b + 1, d->val[2 + q] = -1;
            int r = glp_add_rows(lp, 1);
            glp_set_mat_row(lp, r, 1 + nc, d->ind, d->val);
            glp_set_row_bnds(lp, r, GLP_UP, 0, 0);
            added++;
        }
    }
    d->frac_cuts += added;
    return added;
}

void gp_cuts_rowgen(glp_tree *T, void *user)
{
    gp_cuts *d = user;
    glp_prob *lp = glp_ios_get_prob(T);
    const gp_part_problem *p = d->p;
    int n = d->n;
    for (int i = 0; i < n; i++) {
        d->centre[i] = -1;
        for (int j = 0; j < n; j++) {
            double x = glp_get_col_prim(lp, i * n + j + 1);
            if (x > GP_INT_TOL && x < 1 - GP_INT_TOL) {
                add_fractional_cuts(T, d);
                return; /* else branching will decide */
            }
            if (x > 0.5)
                d->centre[i] = j;
        }
        if (d->centre[i] < 0)
            return;
    }
    /* mark[i]: 1 reached from its centre, 2 in the piece being cut off,
     * 3 in a piece already cut off */
    for (int i = 0; i < n; i++)
        d->mark[i] = 0;
    for (int b = 0; b < n; b++) {
        if (d->centre[b] != b)
            continue;
        int head = 0, tail = 0;
        d->queue[tail++] = b;
        d->mark[b] = 1;
        while (head < tail) {
            int u = d->queue[head++];
            for (int e = p->xadj[u]; e < p->xadj[u + 1]; e++) {
                int v = p->adj[e];
                if (d->centre[v] == b && !d->mark[v]) {
                    d->mark[v] = 1;
                    d->queue[tail++] = v;
                }
            }
        }
    }
    for (int s = 0; s < n; s++) {
        if (d->mark[s])
            continue;
        /* a piece C cut off from its centre b: collect it (mark 2) */
        int b = d->centre[s], head = 0, tail = 0;
        d->queue[tail++] = s;
        d->mark[s] = 2;
        while (head < tail) {
            int u = d->queue[head++];
            for (int e = p->xadj[u]; e < p->xadj[u + 1]; e++) {
                int v = p->adj[e];
                if (d->centre[v] == b && !d->mark[v]) {
                    d->mark[v] = 2;
                    d->queue[tail++] = v;
                }
            }
        }
        /* its neighbours outside it, each once */
        d->piece++;
        int nn = 0;
        for (int q = 0; q < tail; q++) {
            int u = d->queue[q];
            for (int e = p->xadj[u]; e < p->xadj[u + 1]; e++) {
                int v = p->adj[e];
                if (d->mark[v] == 2 || d->stamp[v] == d->piece)
                    continue;
                d->stamp[v] = d->piece;
                d->ind[2 + nn] = v * n + b + 1;
                d->val[2 + nn] = -1;
                nn++;
            }
        }
        for (int q = 0; q < tail; q++) {
            d->ind[1] = d->queue[q] * n + b + 1;
            d->val[1] = 1;
            int r = glp_add_rows(lp, 1);
            glp_set_mat_row(lp, r, 1 + nn, d->ind, d->val);
            glp_set_row_bnds(lp, r, GLP_UP, 0, 0);
            d->cuts++;
        }
        for (int q = 0; q < tail; q++)
            d->mark[d->queue[q]] = 3; /* this piece is done */
    }
}
