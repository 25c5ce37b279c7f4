/*
 * Within solve/ only: the contiguity cuts of branch and cut (cuts.c), used
 * by model.c.
 */
#ifndef GP_SOLVE_CUTS_H
#define GP_SOLVE_CUTS_H

#include "solve/solve.h"

/* Integrality tolerance shared by GLPK and the contiguity check. */
#define GP_INT_TOL 1e-7

typedef struct gp_cuts {
    const gp_part_problem *p;
    int n;
    int cuts;                    /* rows added at integer points */
    int *centre, *queue, *mark, *ind, *stamp;
    int piece;
    double *val;
    /* fractional separation: atom v is split into nodes 2v (in) and 2v+1
     * (out); arc 2e and its reverse 2e+1 */
    int narcs, *head, *next, *first, *prev_arc, *fqueue;
    double *cap, *flow, *xb;
    int frac_cuts;               /* rows added at fractional points */
    bool nomem;                  /* the separation ran out of memory: the search stopped */
} gp_cuts;

/* Scratch for the cuts of problem p; false when out of memory. */
bool gp_cuts_init(gp_cuts *d, const gp_part_problem *p);
void gp_cuts_free(gp_cuts *d);
/* The rows of GLP_IROWGEN (a gp_search rowgen; user is the gp_cuts). */
void gp_cuts_rowgen(glp_tree *T, void *user);

#endif
