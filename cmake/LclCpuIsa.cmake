# The CPU kernels' ISA levels: native/src/cpu/kernels_isa.cpp is compiled once
# per level into an object library with the level's definitions, and the list
# of levels (widest first) reaches the run-time dispatch as LCL_CPU_ISA_LEVELS.
# Adding a level is one call here; nothing in the sources lists them.

set(LCL_CPU_ISA_OBJECTS "")
set(LCL_CPU_ISA_NAMESPACES "")

# lcl_add_cpu_isa_level(<namespace> <name> <simd width> <mr> <nv> [<gcc target>])
#   namespace: C++ namespace of this copy (isa_x86_64_v4)
#   name:      level name, also its __builtin_cpu_supports feature ("x86-64-v4")
#   width:     floats per wide vector (16 for AVX-512, else 8)
#   mr, nv:    the GEMM register block (src/cpu/gemm.h): mr rows x nv vectors,
#              sized to the level's vector registers
#   target:    the GCC target string ("arch=x86-64-v4"); omitted for the baseline
function(lcl_add_cpu_isa_level ns name width mr nv)
  set(lib lcl_cpu_${ns})
  add_library(${lib} OBJECT ${CMAKE_CURRENT_SOURCE_DIR}/src/cpu/kernels_isa.cpp)
  target_include_directories(${lib} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/include ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_compile_definitions(${lib} PRIVATE LCL_ISA_NS=${ns} "LCL_ISA_NAME=\"${name}\"" LCL_SIMD_WIDTH=${width}
                             LCL_GEMM_MR=${mr} LCL_GEMM_NV=${nv})
  if(ARGC GREATER 5)
    target_compile_definitions(${lib} PRIVATE "LCL_ISA_TARGET=\"${ARGV5}\"")
  endif()
  target_compile_options(${lib} PRIVATE -O3 -fno-math-errno)
  lcl_set_warnings(${lib})
  set(LCL_CPU_ISA_OBJECTS ${LCL_CPU_ISA_OBJECTS} $<TARGET_OBJECTS:${lib}> PARENT_SCOPE)
  set(LCL_CPU_ISA_NAMESPACES "${LCL_CPU_ISA_NAMESPACES}X(${ns})" PARENT_SCOPE)
endfunction()

# The levels this compiler can build, widest first. The x86-64 levels use GCC's
# target pragma; other compilers and architectures get the portable baseline.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  lcl_add_cpu_isa_level(isa_x86_64_v4 "x86-64-v4" 16 8 2 "arch=x86-64-v4")
  lcl_add_cpu_isa_level(isa_x86_64_v3 "x86-64-v3" 8 6 2 "arch=x86-64-v3")
endif()
lcl_add_cpu_isa_level(isa_baseline "baseline" 8 4 1)
