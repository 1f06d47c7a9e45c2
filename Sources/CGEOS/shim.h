#ifndef GRIDPLAN_CGEOS_SHIM_H
#define GRIDPLAN_CGEOS_SHIM_H
// Only the reentrant (_r) API is used; GEOS_USE_ONLY_R_API hides the rest.
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
#endif
