/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Prints a text document (a receipt, a Z report) with GtkPrintOperation
 * and Pango in a monospace font, paginated.  @body_markup is Pango
 * markup.  With @export_pdf_path NULL the print dialog opens; otherwise
 * the document is written there as PDF without a dialog. */
gboolean tn_print_text_document (GtkWindow   *parent,
                                 const char  *title,
                                 const char  *body_markup,
                                 const char  *export_pdf_path,
                                 GError     **error);

G_END_DECLS
