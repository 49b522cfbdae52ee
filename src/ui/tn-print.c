/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "tn-error.h"
#include "tn-print.h"

typedef struct
{
  char        *markup;
  PangoLayout *layout;
  GArray      *page_starts;   /* int: first line of each page */
  int          lines_per_page;
} PrintJob;

static void
print_job_free (PrintJob *job)
{
  g_free (job->markup);
  g_clear_object (&job->layout);
  g_array_unref (job->page_starts);
  g_free (job);
}

static void
on_begin_print (GtkPrintOperation *operation,
                GtkPrintContext   *context,
                PrintJob          *job)
{
  PangoFontDescription *font = pango_font_description_from_string ("Monospace 10");
  double height = gtk_print_context_get_height (context);
  int n_lines, line_height = 0;
  PangoLayoutIter *iter;
  PangoRectangle logical;

  job->layout = gtk_print_context_create_pango_layout (context);
  pango_layout_set_font_description (job->layout, font);
  pango_font_description_free (font);
  pango_layout_set_width (job->layout,
                          (int) (gtk_print_context_get_width (context) * PANGO_SCALE));
  pango_layout_set_wrap (job->layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_markup (job->layout, job->markup, -1);

  n_lines = pango_layout_get_line_count (job->layout);
  iter = pango_layout_get_iter (job->layout);
  pango_layout_iter_get_line_extents (iter, NULL, &logical);
  line_height = MAX (logical.height / PANGO_SCALE, 1);
  pango_layout_iter_free (iter);

  job->lines_per_page = MAX ((int) (height / line_height), 1);
  g_array_set_size (job->page_starts, 0);
  for (int line = 0; line < n_lines; line += job->lines_per_page)
    g_array_append_val (job->page_starts, line);
  if (job->page_starts->len == 0)
    {
      int zero = 0;
      g_array_append_val (job->page_starts, zero);
    }
  gtk_print_operation_set_n_pages (operation, job->page_starts->len);
}

static void
on_draw_page (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page_nr,
              PrintJob          *job)
{
  cairo_t *cr = gtk_print_context_get_cairo_context (context);
  int first = g_array_index (job->page_starts, int, page_nr);
  int last = first + job->lines_per_page;
  int n_lines = pango_layout_get_line_count (job->layout);
  double y = 0, top = -1;
  PangoLayoutIter *iter = pango_layout_get_iter (job->layout);
  int line = 0;

  cairo_set_source_rgb (cr, 0, 0, 0);
  do
    {
      if (line >= first && line < last && line < n_lines)
        {
          PangoRectangle logical;
          int baseline = pango_layout_iter_get_baseline (iter);

          pango_layout_iter_get_line_extents (iter, NULL, &logical);
          if (top < 0)
            top = logical.y / (double) PANGO_SCALE;
          y = baseline / (double) PANGO_SCALE - top;
          cairo_move_to (cr, logical.x / (double) PANGO_SCALE, y);
          pango_cairo_show_layout_line (cr, pango_layout_iter_get_line_readonly (iter));
        }
      line++;
    }
  while (line < last && pango_layout_iter_next_line (iter));
  pango_layout_iter_free (iter);
}

gboolean
tn_print_text_document (GtkWindow   *parent,
                        const char  *title,
                        const char  *body_markup,
                        const char  *export_pdf_path,
                        GError     **error)
{
  g_autoptr(GtkPrintOperation) operation = NULL;
  GtkPrintOperationResult result;
  GError *local_error = NULL;
  PrintJob *job;

  g_return_val_if_fail (body_markup != NULL, FALSE);

  if (!pango_parse_markup (body_markup, -1, 0, NULL, NULL, NULL, &local_error))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("The document cannot be laid out: %s"),
                   local_error->message);
      g_error_free (local_error);
      return FALSE;
    }

  job = g_new0 (PrintJob, 1);
  job->markup = g_strdup (body_markup);
  job->page_starts = g_array_new (FALSE, FALSE, sizeof (int));

  operation = gtk_print_operation_new ();
  gtk_print_operation_set_job_name (operation, title != NULL ? title : "Tendero");
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_embed_page_setup (operation, TRUE);
  g_signal_connect (operation, "begin-print", G_CALLBACK (on_begin_print), job);
  g_signal_connect (operation, "draw-page", G_CALLBACK (on_draw_page), job);

  if (export_pdf_path != NULL)
    {
      gtk_print_operation_set_export_filename (operation, export_pdf_path);
      result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_EXPORT, parent,
                                        &local_error);
    }
  else
    result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG,
                                      parent, &local_error);
  print_job_free (job);

  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_FAILED, export_pdf_path != NULL
                   ? _("Could not save the PDF: %s") : _("Could not print: %s"),
                   local_error != NULL ? local_error->message : _("unknown error"));
      g_clear_error (&local_error);
      return FALSE;
    }
  return TRUE;
}
