/* rvi-error.c: the RVI_ERROR domain. */
#include "rvi-error.h"

G_DEFINE_QUARK (rvi-error-quark, rvi_error)
