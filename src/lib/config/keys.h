/*
 * Within config/ only: the table of keys (keys.c) and what the scenario
 * reader (scenario.c) hands it.
 */
#ifndef GP_CONFIG_KEYS_H
#define GP_CONFIG_KEYS_H

#include "config/config.h"

typedef enum {
    K_PATH,     /* a file, resolved against the scenario's folder */
    K_SOURCE,   /* an [input] source: a K_PATH, or a "PG:" connection string kept as written */
    K_DATABASE, /* a "PG:" connection string ([output] postgis) */
    K_IDENT,    /* a lower-case SQL name of at most max characters */
    K_STR,      /* text */
    K_FIELD,    /* the name of a field of an input layer */
    K_NUM,      /* a number in [min, max] */
    K_INT,      /* a whole number in [min, max] (an int) */
    K_LONG,     /* the same, a long */
    K_BOOL,     /* yes | no */
    K_CHOICE,   /* one of choices "a|b|c": its index, an int */
    K_RANGE,    /* MIN..MAX, either side open: a gp_cfg_bound */
    K_SPAN,     /* N or MIN..MAX */
    K_COUNT,    /* [grid] count */
    K_FORMATS   /* [output] formats */
} ktype;

typedef struct keyspec {
    const char *sec, *key;       /* key "*": any key of the section */
    ktype type;
    double min, max;             /* K_NUM, K_INT, K_LONG */
    const char *choices;         /* K_CHOICE */
    const char *def;             /* the default, as it would be written; NULL: none or derived */
    size_t off;                  /* where the value goes in gp_config */
} keyspec;

/* One key = value of the file (or of gp_scenario_set). */
typedef struct gp_entry {
    char *sec, *key, *val;       /* val resolved for K_PATH and K_SOURCE */
    int line;                    /* 0: set by gp_scenario_set */
} gp_entry;

/* The spec of [sec] key, or NULL; *sec_known says whether the section is. */
const keyspec *gp_key_find(const char *sec, const char *key, bool *sec_known);
/* NULL when v is a valid value of ks, else why not (static, or in buf). */
const char *gp_key_check(const keyspec *ks, const char *v, char *buf, size_t len);
/* Fills cfg from the entries (valid ones: checked by gp_key_check) and the
 * table's defaults; strings point into the entries. out_dir: the resolved
 * output folder. False when out of memory. */
bool gp_config_build(gp_config *cfg, const gp_entry *e, int n, const char *path, const char *out_dir);
/* Frees what gp_config_build allocated. */
void gp_config_clear(gp_config *cfg);

#endif
