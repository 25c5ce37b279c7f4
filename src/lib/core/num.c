/* Numbers read and written the same whatever locale the host program set:
 * a host such as QGIS sets LC_NUMERIC, and "1,5" must never be read as
 * 1.5 nor 1.5 written as "1,5" in a scenario, a report or a CSV. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static locale_t c_locale;
static pthread_once_t c_once = PTHREAD_ONCE_INIT;

static void c_init(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

static locale_t c_loc(void)
{
    pthread_once(&c_once, c_init);
    return c_locale;
}

/* What gp_locale_enter changed: the thread's locale, and the process's
 * LC_NUMERIC as the host had it (GDAL's GeoPackage driver loads SpatiaLite,
 * which sets the process's LC_NUMERIC to "POSIX" whenever it starts). */
typedef struct saved_locale {
    locale_t thread;
    char global[128];
} saved_locale;

void *gp_locale_enter(void)
{
    locale_t c = c_loc();
    saved_locale *s = c ? calloc(1, sizeof *s) : NULL;
    if (!s)
        return NULL;
    const char *g = setlocale(LC_NUMERIC, NULL);
    snprintf(s->global, sizeof s->global, "%s", g ? g : "");
    s->thread = uselocale(c);
    return s;
}

void gp_locale_leave(void *saved)
{
    saved_locale *s = saved;
    if (!s)
        return;
    uselocale(s->thread);
    const char *g = setlocale(LC_NUMERIC, NULL);
    if (s->global[0] && (!g || strcmp(g, s->global) != 0))
        setlocale(LC_NUMERIC, s->global); /* give the host back its own */
    free(s);
}

static const char *skip_ws(const char *s)
{
    while (*s && strchr(" \t\n\r\f\v", *s))
        s++;
    return s;
}

static bool only_ws(const char *s) { return *skip_ws(s) == '\0'; }

/* The number s holds, as the whole string but for white space around it:
 * a finite double, or with integer a base-10 long. */
static bool parse(const char *s, bool integer, double *d, long *l)
{
    if (!s)
        return false;
    s = skip_ws(s);
    if (!*s)
        return false;
    char *end;
    errno = 0;
    locale_t c = c_loc();
    if (integer)
        *l = c ? strtol_l(s, &end, 10, c) : strtol(s, &end, 10);
    else
        *d = c ? strtod_l(s, &end, c) : strtod(s, &end);
    return end != s && errno != ERANGE && (integer || isfinite(*d)) && only_ws(end);
}

bool gp_parse_double(const char *s, double *out)
{
    double v;
    if (!parse(s, false, &v, NULL))
        return false;
    *out = v;
    return true;
}

bool gp_parse_int(const char *s, long *out)
{
    long v;
    if (!parse(s, true, NULL, &v))
        return false;
    *out = v;
    return true;
}

bool gp_parse_range(const char *s, double *lo, double *hi)
{
    const char *dots = strstr(s, "..");
    if (!dots)
        return false;
    char left[128], right[128];
    size_t ln = (size_t)(dots - s), rn = strlen(dots + 2);
    if (ln >= sizeof left || rn >= sizeof right)
        return false;
    memcpy(left, s, ln);
    left[ln] = '\0';
    memcpy(right, dots + 2, rn + 1);
    if (strstr(right, ".."))
        return false;
    *lo = -INFINITY;
    *hi = INFINITY;
    if (!only_ws(left) && !gp_parse_double(left, lo))
        return false;
    if (!only_ws(right) && !gp_parse_double(right, hi))
        return false;
    if (only_ws(left) && only_ws(right))
        return false;
    return *lo <= *hi;
}
