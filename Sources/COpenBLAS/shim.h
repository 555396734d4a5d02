#pragma once
#include <cblas.h>
/* openblas_set_num_threads is declared in OpenBLAS's cblas.h on Debian. */
