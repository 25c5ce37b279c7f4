/* PostGIS output through GDAL's PG driver (in progress). */
#include "io/io.h"
