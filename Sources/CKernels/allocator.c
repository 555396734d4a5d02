/* Process-wide allocator tuning for large activation buffers. */
#include "CKernels.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void hs_keep_large_allocations_on_heap(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 512 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}
