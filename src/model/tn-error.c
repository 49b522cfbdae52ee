/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-error.h"

G_DEFINE_QUARK (tn-error-quark, tn_error)
