// C ABI for the CPU kernels' thread count.
#include "cpu/thread_pool.h"
#include "lcl/kernels.h"

extern "C" void lcl_cpu_set_num_threads(int n) { lcl::cpu::set_pool_threads(n); }
extern "C" int lcl_cpu_get_num_threads(void) { return lcl::cpu::pool_threads(); }
