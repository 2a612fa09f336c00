/* CCPUFeatures is header-only (see include/CCPUFeatures.h); SwiftPM wants one source file. */
#include "CCPUFeatures.h"
typedef int ccpu_translation_unit_is_not_empty;
