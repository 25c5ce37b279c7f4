/*
 * What the harnesses share: one quiet context for the whole process, and a
 * private folder for the input files.
 *
 * The inputs are written to real files rather than GDAL's /vsimem/ because
 * the library stats an [input] path before GDAL opens it (gp_src_open), as
 * it must to tell "no such file" from "not vector data"; a file on tmpfs
 * costs a few microseconds next to GDAL's open.
 */
#ifndef GP_FUZZ_COMMON_H
#define GP_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gridplan/gridplan.h"

/* The process's context: no log callback (the harnesses must not print),
 * GDAL's messages silenced, all drivers registered. Created on first use. */
gp_ctx *gp_fuzz_ctx(void);

/* The private folder (under /dev/shm when there is one, else TMPDIR or
 * /tmp), named after the process, created on first use and removed with
 * its files at exit; those left by processes that crashed are removed
 * then too. */
const char *gp_fuzz_dir(void);

/* dir/name into buf; false when it does not fit. */
bool gp_fuzz_path(char *buf, size_t len, const char *name);

/* Writes size bytes to path, replacing the file; false on failure. */
bool gp_fuzz_write(const char *path, const uint8_t *data, size_t size);

/* The bytes as a NUL-terminated string (malloc'd; NULL when out of memory). */
char *gp_fuzz_text(const uint8_t *data, size_t size);

#endif
