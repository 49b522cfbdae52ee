/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-catalog-import.h"

#include <glib/gi18n.h>

#include <string.h>

#include "tn-error.h"
#include "tn-money.h"
#include "tn-operations.h"
#include "tn-store-private.h"

#define MAX_FILE_SIZE (256 * 1024 * 1024)

typedef struct
{
  guint  line;
  char  *sku;
  char  *name;
  gint64 price;
  char  *barcode;
  gint   tax_bp;
} Row;

static void
row_clear (gpointer data)
{
  Row *row = data;
  g_free (row->sku);
  g_free (row->name);
  g_free (row->barcode);
}

/* RFC 4180: fields separated by commas, optionally in double quotes
 * with "" for a quote; quoted fields may span lines.  Returns the fields
 * of the record starting at *pos, advancing *pos and *line. */
static GPtrArray *
read_record (const char  *data,
             gsize        length,
             gsize       *pos,
             guint       *line,
             GError     **error)
{
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) field = g_string_new (NULL);
  guint start_line = *line;
  gsize i = *pos;

  for (;;)
    {
      gboolean quoted = FALSE;

      g_string_truncate (field, 0);
      if (i < length && data[i] == '"')
        {
          quoted = TRUE;
          i++;
          for (;;)
            {
              if (i >= length)
                {
                  g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                               _("Line %u: a quoted field is never closed"), start_line);
                  return NULL;
                }
              if (data[i] == '"')
                {
                  if (i + 1 < length && data[i + 1] == '"')
                    {
                      g_string_append_c (field, '"');
                      i += 2;
                      continue;
                    }
                  i++;
                  break;
                }
              if (data[i] == '\n')
                (*line)++;
              g_string_append_c (field, data[i++]);
            }
        }
      else
        {
          while (i < length && data[i] != ',' && data[i] != '\n' && data[i] != '\r')
            {
              if (data[i] == '"')
                {
                  g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                               _("Line %u: a quote inside an unquoted field; put the whole field "
                               "in quotes and double the quote (\"\")"), start_line);
                  return NULL;
                }
              g_string_append_c (field, data[i++]);
            }
        }
      g_ptr_array_add (fields, g_strndup (field->str, field->len));

      if (i < length && data[i] == ',')
        {
          i++;
          continue;
        }
      if (i < length && data[i] == '\r')
        i++;
      if (i < length && data[i] == '\n')
        {
          i++;
          (*line)++;
        }
      else if (i < length)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       quoted ? _("Line %u: unexpected text after a quoted field")
                              : _("Line %u: unexpected text after a field"), start_line);
          return NULL;
        }
      break;
    }
  *pos = i;
  return g_steal_pointer (&fields);
}

static gboolean
parse_row (GPtrArray  *fields,
           guint       line,
           guint       decimals,
           Row        *row,
           GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  const char *tax;

  row->line = line;
  if (fields->len != 5)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("Line %u has %u fields; each row needs 5: sku,name,price,barcode,tax"),
                   line, fields->len);
      return FALSE;
    }
  for (guint i = 0; i < fields->len; i++)
    if (!g_utf8_validate (fields->pdata[i], -1, NULL))
      {
        g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                     _("Line %u is not valid UTF-8 text; save the file as UTF-8"), line);
        return FALSE;
      }
  row->sku = g_strstrip (g_strdup (fields->pdata[0]));
  row->name = g_strstrip (g_strdup (fields->pdata[1]));
  row->barcode = g_strstrip (g_strdup (fields->pdata[3]));
  if (!tn_store_validate_sku (row->sku, &local_error))
    goto bad;
  if (*row->name == '\0' || g_utf8_strlen (row->name, -1) > 200)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("Line %u: product %s needs a name of 1–200 characters"), line, row->sku);
      return FALSE;
    }
  if (!tn_money_parse (g_strstrip (fields->pdata[2]), decimals, FALSE, &row->price, &local_error))
    goto bad;
  if (row->price > TN_AMOUNT_MAX)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                   _("Line %u: “%s” is too large for a price"), line, (char *) fields->pdata[2]);
      return FALSE;
    }
  tax = g_strstrip (fields->pdata[4]);
  if (*tax == '\0')
    row->tax_bp = 0;
  else if (!tn_tax_parse (tax, &row->tax_bp, &local_error))
    goto bad;
  if (strlen (row->barcode) > 64)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("Line %u: the barcode is longer than 64 characters"), line);
      return FALSE;
    }
  return TRUE;

bad:
  g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("Line %u: %s"), line, local_error->message);
  return FALSE;
}

static gboolean
parse_all (const char  *data,
           gsize        length,
           guint        decimals,
           GArray      *rows,
           GError     **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) header = NULL;
  static const char *expected[] = { "sku", "name", "price", "barcode", "tax" };
  gsize pos = 0;
  guint line = 1;

  if (data == NULL || length == 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The file is empty; line 1 must be the header “sku,name,price,barcode,tax”"));
      return FALSE;
    }
  /* A UTF-8 byte-order mark, as spreadsheets like to write. */
  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    pos = 3;
  if (memchr (data, '\0', length) != NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The file contains NUL bytes: it is not a CSV text file"));
      return FALSE;
    }

  header = read_record (data, length, &pos, &line, error);
  if (header == NULL)
    return FALSE;
  if (header->len != G_N_ELEMENTS (expected))
    goto bad_header;
  for (guint i = 0; i < header->len; i++)
    if (g_ascii_strcasecmp (g_strstrip ((char *) header->pdata[i]), expected[i]) != 0)
      goto bad_header;

  while (pos < length)
    {
      guint record_line = line;
      g_autoptr(GPtrArray) fields = read_record (data, length, &pos, &line, error);
      Row row = { 0, };
      guint first;

      if (fields == NULL)
        return FALSE;
      if (fields->len == 1 && *(char *) fields->pdata[0] == '\0')
        continue;   /* a blank line */
      if (!parse_row (fields, record_line, decimals, &row, error))
        {
          row_clear (&row);
          return FALSE;
        }
      first = GPOINTER_TO_UINT (g_hash_table_lookup (seen, row.sku));
      if (first != 0)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("Line %u: SKU %s appears again (first on line %u); list each SKU once"),
                       record_line, row.sku, first);
          row_clear (&row);
          return FALSE;
        }
      g_hash_table_insert (seen, g_strdup (row.sku), GUINT_TO_POINTER (record_line));
      g_array_append_val (rows, row);
    }
  return TRUE;

bad_header:
  g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
               _("Line 1 must be the header “sku,name,price,barcode,tax”"));
  return FALSE;
}

typedef struct
{
  char  *name;
  gint64 price;
  char  *barcode;
  gint   tax_bp;
} Existing;

static void
existing_free (Existing *e)
{
  g_free (e->name);
  g_free (e->barcode);
  g_free (e);
}

static GHashTable *
load_existing (TnStore  *store,
               GError  **error)
{
  g_autoptr(GHashTable) existing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                          (GDestroyNotify) existing_free);
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "SELECT sku, name, price, barcode, tax_bp FROM products", error);

  if (stmt == NULL)
    return NULL;
  while (tn_store_step_row (store, stmt, &local_error))
    {
      Existing *e = g_new0 (Existing, 1);

      e->name = g_strdup (tn_column_text (stmt, 1));
      e->price = sqlite3_column_type (stmt, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64 (stmt, 2);
      e->barcode = g_strdup (tn_column_text (stmt, 3));
      e->tax_bp = sqlite3_column_int (stmt, 4);
      g_hash_table_insert (existing, g_strdup (tn_column_text (stmt, 0)), e);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&existing);
}

/* Appends a ProductUpdated with just the fields that changed. */
static gboolean
append_changes (TnStore         *store,
                const Row       *row,
                const Existing  *e,
                gboolean        *changed,
                GError         **error)
{
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autoptr(TnEvent) event = NULL;
  JsonNode *node;

  json_object_set_string_member (payload, "sku", row->sku);
  if (g_strcmp0 (row->name, e->name) != 0)
    json_object_set_string_member (payload, "name", row->name);
  if (row->price != e->price)
    json_object_set_int_member (payload, "price", row->price);
  if (g_strcmp0 (*row->barcode ? row->barcode : NULL, e->barcode) != 0)
    json_object_set_string_member (payload, "barcode", row->barcode);
  if (row->tax_bp != e->tax_bp)
    json_object_set_int_member (payload, "tax_bp", row->tax_bp);
  *changed = json_object_get_size (payload) > 1;
  if (!*changed)
    return TRUE;
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, payload);
  event = tn_store_append (store, TN_EVENT_PRODUCT_UPDATED, node, error);
  return event != NULL;
}

static gboolean
import_rows (TnStore         *store,
             GArray          *rows,
             TnImportResult  *result,
             GError         **error)
{
  g_autoptr(GHashTable) existing = load_existing (store, error);

  if (existing == NULL)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = &g_array_index (rows, Row, i);
      const Existing *e = g_hash_table_lookup (existing, row->sku);
      g_autoptr(GError) local_error = NULL;

      if (e == NULL)
        {
          TnProductSpec spec = { row->sku, row->name, row->price, row->tax_bp,
                                 *row->barcode ? row->barcode : NULL };
          if (!tn_store_append_product (store, &spec, &local_error))
            goto failed;
          result->created++;
        }
      else
        {
          gboolean changed;

          if (!append_changes (store, row, e, &changed, &local_error))
            goto failed;
          if (changed)
            result->updated++;
          else
            result->unchanged++;
        }
      continue;

    failed:
      g_set_error (error, local_error->domain, local_error->code, _("Line %u: %s"),
                   row->line, local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
tn_catalog_import_data (TnStore         *store,
                        const char      *data,
                        gsize            length,
                        TnImportResult  *result,
                        GError         **error)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (Row));
  TnImportResult local = { 0, };

  g_array_set_clear_func (rows, row_clear);
  if (!parse_all (data, length, tn_store_get_decimals (store), rows, error))
    {
      g_prefix_error (error, _("Nothing was imported. "));
      return FALSE;
    }
  if (!tn_store_begin (store, error))
    return FALSE;
  if (!import_rows (store, rows, &local, error))
    {
      tn_store_rollback (store);
      g_prefix_error (error, _("Nothing was imported. "));
      return FALSE;
    }
  if (!tn_store_commit (store, error))
    return FALSE;
  if (result != NULL)
    *result = local;
  return TRUE;
}

gboolean
tn_catalog_import_file (TnStore         *store,
                        const char      *path,
                        TnImportResult  *result,
                        GError         **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) local_error = NULL;

  file = g_mapped_file_new (path, FALSE, &local_error);
  if (file == NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("Cannot read the catalogue %s: %s"),
                   path, local_error->message);
      return FALSE;
    }
  if (g_mapped_file_get_length (file) > MAX_FILE_SIZE)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                   _("The catalogue %s is larger than 256 MiB; split it into several files"), path);
      return FALSE;
    }
  return tn_catalog_import_data (store, g_mapped_file_get_contents (file),
                                 g_mapped_file_get_length (file), result, error);
}
