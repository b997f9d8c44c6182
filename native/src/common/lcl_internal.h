// Internal helpers shared by liblcl4j_cpu and liblcl4j_cuda: the per-thread
// error message, the argument validators, and an exception guard. They live in
// liblcl4j_cpu (the CUDA library links it) so both families report errors
// through the one lcl_last_error().
#ifndef LCL_INTERNAL_H
#define LCL_INTERNAL_H

#include "lcl/kernels.h"

#include <cstdint>
#include <exception>
#include <new>

namespace lcl {

// Records a printf-style message for lcl_last_error() and returns `status`.
LCL_API int fail(int status, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
LCL_API void clear_error();

// Where the tensors of a call live. Host memory lets the validators also check
// values (valid_lens range, scale > 0); device memory is only checked by shape.
enum class Memory { Host, Device };

// Validate every argument of an attention call. `who` prefixes the message
// ("lcl_cpu_attention_forward"). `allow_half` admits bf16/fp16.
LCL_API int validate_attention(const lcl_attention_params* p, bool backward, bool allow_half,
                               Memory memory, const char* who);
LCL_API int validate_infonce(const lcl_infonce_params* p, bool backward, Memory memory,
                             const char* who);
// Validate an LM-head call; `allow_half` admits bf16/fp16 (CUDA). A forward with
// dhidden or dweight set is a forward with gradients and needs both.
LCL_API int validate_lm_head(const lcl_lm_head_params* p, bool backward, bool allow_half, Memory memory,
                             const char* who);

// Runs `body` (returning an lcl_status) and turns C++ exceptions into status
// codes: nothing may unwind through the C ABI into the JVM.
template <class F>
int guarded(const char* who, F&& body) {
    try {
        clear_error();
        return body();
    } catch (const std::bad_alloc&) {
        return fail(LCL_ERR_OUT_OF_MEMORY, "%s: out of memory", who);
    } catch (const std::exception& e) {
        return fail(LCL_ERR_INTERNAL, "%s: internal error: %s", who, e.what());
    } catch (...) {
        return fail(LCL_ERR_INTERNAL, "%s: internal error", who);
    }
}

}  // namespace lcl

#endif
