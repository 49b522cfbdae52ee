/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-application.h"

G_BEGIN_DECLS

/* A banner at the top of the window for fiscal (and other) alerts: red
 * for P0, amber for P1, with the alert ("Fiscal alert" label), what to
 * do and an Acknowledge button; also a warning when this lane's reserved
 * fiscal numbers run low. */

#define TN_TYPE_FISCAL_BANNER (tn_fiscal_banner_get_type ())
G_DECLARE_FINAL_TYPE (TnFiscalBanner, tn_fiscal_banner, TN, FISCAL_BANNER, GtkWidget)

GtkWidget *tn_fiscal_banner_new     (TnApplication  *app);
void       tn_fiscal_banner_refresh (TnFiscalBanner *self);

G_END_DECLS
