# Compiler warnings and flags shared by every lcl4j native target.
function(lcl_set_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall>)
endfunction()

# Optional sanitizers for the C++ tests: -DLCL_SANITIZE=address,undefined
set(LCL_SANITIZE "" CACHE STRING "Sanitizers for the native tests (e.g. address,undefined)")
function(lcl_apply_sanitizers target)
  if(LCL_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${LCL_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${LCL_SANITIZE})
  endif()
endfunction()
