/*
 * Within solve/ only: the working state of the heuristic and its local
 * search (local.c), shared by the heuristic (heuristic.c) and rebalancing
 * (rebalance.c).
 */
#ifndef GP_SOLVE_LOCAL_H
#define GP_SOLVE_LOCAL_H

#include "solve/solve.h"

typedef struct gp_ls {
    const gp_part_problem *p;
    int k;
    int *g;                      /* grid of each atom */
    double (*sum)[GP_NATTR];     /* per grid */
    int *size;
    double *sw, *sx, *sy, *sxx;  /* inertia sums per grid */
    double *w;                   /* inertia weight per atom */
    const int *home;             /* the grid each atom starts in (rebalancing), or NULL */
    double stab;                 /* stability weight per household */
    double hh_floor;             /* what an atom without households counts for */
    double scale[GP_NATTR];
    double mean_work;
    gp_bfs bfs;                  /* scratch of the connectivity test */
} gp_ls;

/* The total of attribute a over the problem's atoms. */
double gp_ls_total(const gp_part_problem *p, int a);
/* A state for k grids of p, no atom placed; false when out of memory. */
bool gp_ls_init(gp_ls *s, const gp_part_problem *p, int k);
void gp_ls_free(gp_ls *s);
/* Places atom i (unplaced) in grid g. */
void gp_ls_assign(gp_ls *s, int i, int g);
/* Total relative bound violation over the grids (0: every bound met). */
double gp_ls_violation(const gp_ls *s);
/* Moment of inertia of a grid from its sums. */
double gp_ls_inertia(double sw, double sx, double sy, double sxx);
/* The heuristic's objective: balance + compactness relative to i0. */
double gp_ls_objective(const gp_ls *s, double i0);
/* Repair (lower the violation), then improve the objective without
 * raising it, while w lasts (a pass over the atoms costs n units). */
void gp_ls_search(gp_ls *s, gp_work *w, double i0);

/* Rebalancing from the plan in force (rebalance.c): true with res filled
 * when a plan with kmin..kmax grids within the bounds comes of it. */
bool gp_rebalance(const gp_part_problem *p, int kmin, int kmax, gp_work *w, gp_part_result *res);

#endif
