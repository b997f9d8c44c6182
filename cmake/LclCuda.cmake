# CUDA detection for lcl4j.
#   LCL_CUDA=AUTO (default): build liblcl4j_cuda when nvcc is found.
#   LCL_CUDA=ON:  require nvcc (CI uses this so the .cu files always compile).
#   LCL_CUDA=OFF: CPU library only.
# LCL_CUDA_ARCHS: the real architectures to emit code for (default 80;90).
# LCL_CUDA_LAB=ON: also compile every kernel variant, selectable at run time
#   through the test-only lcl_cuda_diag_set_variant (the kernel lab,
#   native/gpu_check/lab.py); adds minutes of build per architecture
#   (native/gpu_check/README.md). Off: the production kernels only.
set(LCL_CUDA "AUTO" CACHE STRING "Build the CUDA kernels: AUTO, ON or OFF")
set(LCL_CUDA_ARCHS "80;90" CACHE STRING "CUDA architectures (sm_XX numbers)")
option(LCL_CUDA_LAB "Compile every CUDA kernel variant and their run-time switch (kernel lab)" OFF)

set(LCL_WITH_CUDA OFF)
if(NOT LCL_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER)
    find_program(_lcl_nvcc nvcc PATHS /usr/local/cuda/bin ENV CUDA_HOME PATH_SUFFIXES bin)
    if(_lcl_nvcc)
      set(CMAKE_CUDA_COMPILER "${_lcl_nvcc}")
    endif()
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(CMAKE_CUDA_ARCHITECTURES ${LCL_CUDA_ARCHS})
    enable_language(CUDA)
    set(LCL_WITH_CUDA ON)
  elseif(LCL_CUDA STREQUAL "ON")
    message(FATAL_ERROR "LCL_CUDA=ON but no CUDA compiler (nvcc) was found; "
                        "install the CUDA toolkit or pass -DLCL_CUDA=OFF")
  else()
    message(STATUS "lcl4j: nvcc not found, skipping the CUDA kernels")
  endif()
endif()
