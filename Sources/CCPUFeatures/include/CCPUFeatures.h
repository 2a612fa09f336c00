/* CPU feature detection for CelestaXylo's choice of hot loops (internal; not part of the
 * C ABI, no exported symbols: the function is static inline). */
#ifndef CCPUFEATURES_H
#define CCPUFEATURES_H

/* 1 when the CPU and the operating system support the x86-64-v3 level (AVX, AVX2, BMI1/2,
 * F16C, FMA, LZCNT, MOVBE, and the saved AVX register state) that CelestaWideKernels is
 * compiled for; 0 otherwise and on other architectures. */
static inline int ccpu_x86_64_v3(void) {
#if defined(__x86_64__) && defined(__clang__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("x86-64-v3") ? 1 : 0;
#else
    return 0;
#endif
}

#endif
