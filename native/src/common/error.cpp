// The per-thread error message behind lcl_last_error(), and lcl_version().
#include "common/lcl_internal.h"

#include <cstdarg>
#include <cstdio>

#ifndef LCL_VERSION_STRING
#define LCL_VERSION_STRING "0.0.0"
#endif

namespace {
thread_local char g_last_error[512] = "";
}

namespace lcl {

int fail(int status, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(g_last_error, sizeof g_last_error, fmt, args);
    va_end(args);
    return status;
}

void clear_error() { g_last_error[0] = '\0'; }

}  // namespace lcl

extern "C" const char* lcl_last_error(void) { return g_last_error; }
extern "C" const char* lcl_version(void) { return LCL_VERSION_STRING; }
