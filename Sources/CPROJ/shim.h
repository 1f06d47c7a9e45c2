#ifndef GRIDPLAN_CPROJ_SHIM_H
#define GRIDPLAN_CPROJ_SHIM_H
#include <proj.h>
#endif
