// The fixed thread pool behind every CPU kernel. Created on first use with
// lcl_cpu_get_num_threads() threads (the caller counts as one), kept for the
// life of the process and rebuilt only when lcl_cpu_set_num_threads changes the
// count. Tasks are handed out dynamically, so kernels must make each task's
// result independent of which thread runs it (per-thread scratch only, outputs
// owned by one task): that is what makes results bitwise reproducible.
#ifndef LCL_CPU_THREAD_POOL_H
#define LCL_CPU_THREAD_POOL_H

#include <cstdint>
#include <functional>

namespace lcl::cpu {

// Runs body(task) for every task in [0, n_tasks) and returns when all are done.
// Concurrent callers are serialised. The first exception a task throws is
// rethrown here after the others finish.
void parallel_for(int64_t n_tasks, const std::function<void(int64_t)>& body);

// Threads a parallel_for uses now (>= 1).
int pool_threads();
void set_pool_threads(int n);  // 0 (or < 0) = hardware concurrency

}  // namespace lcl::cpu

#endif
