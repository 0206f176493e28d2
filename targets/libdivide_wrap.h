/* libdivide is not -Wpedantic clean (it uses __int128): include it as a system header. */
#ifndef ORBIT_TARGETS_LIBDIVIDE_WRAP_H
#define ORBIT_TARGETS_LIBDIVIDE_WRAP_H
#pragma GCC system_header
#include <libdivide.h>
#endif
