/* The version string; HV_VERSION comes from `git describe` at build time. */
#include "kernel/kernel.h"

#ifndef HV_VERSION
#define HV_VERSION "unknown"
#endif

const char hv_version[] = HV_VERSION;
