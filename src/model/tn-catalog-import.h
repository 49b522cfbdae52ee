/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-store.h"

G_BEGIN_DECLS

/* Imports a CSV catalogue with the header "sku,name,price,barcode,tax"
 * (price in the base currency, "1.50"; tax in percent, "16").  RFC 4180
 * quoting is understood.  Every row is checked first; a bad one is named
 * with its line number and nothing is imported.  Existing SKUs get
 * their changed fields updated; new ones are created.  All in one
 * transaction. */
typedef struct
{
  guint created;
  guint updated;
  guint unchanged;
} TnImportResult;

gboolean tn_catalog_import_file (TnStore         *store,
                                 const char      *path,
                                 TnImportResult  *result,
                                 GError         **error);
gboolean tn_catalog_import_data (TnStore         *store,
                                 const char      *data,
                                 gsize            length,
                                 TnImportResult  *result,
                                 GError         **error);

G_END_DECLS
