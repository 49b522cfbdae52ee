/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-version-vector.h"

#include <glib/gi18n.h>

#include <string.h>

#include "tn-canonical-json.h"
#include "tn-error.h"

struct _TnVersionVector
{
  GHashTable *seqs;   /* origin (owned) → gint64 packed in a pointer-sized slot */
};

/* gint64 does not fit a pointer on every platform we might meet, so
 * values live in a small boxed slot. */
static gint64 *
slot_new (gint64 seq)
{
  gint64 *slot = g_new (gint64, 1);
  *slot = seq;
  return slot;
}

TnVersionVector *
tn_version_vector_new (void)
{
  TnVersionVector *vv = g_new0 (TnVersionVector, 1);
  vv->seqs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return vv;
}

TnVersionVector *
tn_version_vector_copy (const TnVersionVector *vv)
{
  TnVersionVector *copy = tn_version_vector_new ();
  tn_version_vector_merge (copy, vv);
  return copy;
}

void
tn_version_vector_free (TnVersionVector *vv)
{
  if (vv == NULL)
    return;
  g_hash_table_unref (vv->seqs);
  g_free (vv);
}

gint64
tn_version_vector_get (const TnVersionVector *vv,
                       const char            *origin)
{
  gint64 *slot = g_hash_table_lookup (vv->seqs, origin);
  return slot ? *slot : 0;
}

void
tn_version_vector_set (TnVersionVector *vv,
                       const char      *origin,
                       gint64           seq)
{
  gint64 *slot;

  if (seq <= 0)
    {
      g_hash_table_remove (vv->seqs, origin);
      return;
    }
  slot = g_hash_table_lookup (vv->seqs, origin);
  if (slot != NULL)
    *slot = seq;
  else
    g_hash_table_insert (vv->seqs, g_strdup (origin), slot_new (seq));
}

void
tn_version_vector_merge_one (TnVersionVector *vv,
                             const char      *origin,
                             gint64           seq)
{
  if (seq > tn_version_vector_get (vv, origin))
    tn_version_vector_set (vv, origin, seq);
}

void
tn_version_vector_merge (TnVersionVector       *vv,
                         const TnVersionVector *other)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, other->seqs);
  while (g_hash_table_iter_next (&iter, &key, &value))
    tn_version_vector_merge_one (vv, key, *(gint64 *) value);
}

gboolean
tn_version_vector_contains (const TnVersionVector *vv,
                            const char            *origin,
                            gint64                 seq)
{
  return seq <= tn_version_vector_get (vv, origin);
}

gboolean
tn_version_vector_covers (const TnVersionVector *vv,
                          const TnVersionVector *other)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, other->seqs);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (tn_version_vector_get (vv, key) < *(gint64 *) value)
      return FALSE;
  return TRUE;
}

gboolean
tn_version_vector_equal (const TnVersionVector *a,
                         const TnVersionVector *b)
{
  return tn_version_vector_covers (a, b) && tn_version_vector_covers (b, a);
}

guint
tn_version_vector_size (const TnVersionVector *vv)
{
  return g_hash_table_size (vv->seqs);
}

gint64
tn_version_vector_total (const TnVersionVector *vv)
{
  GHashTableIter iter;
  gpointer value;
  gint64 total = 0;

  g_hash_table_iter_init (&iter, vv->seqs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    total += *(gint64 *) value;
  return total;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

GPtrArray *
tn_version_vector_origins (const TnVersionVector *vv)
{
  GPtrArray *origins = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, vv->seqs);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (origins, key);
  g_ptr_array_sort (origins, compare_strings);
  return origins;
}

JsonNode *
tn_version_vector_to_json (const TnVersionVector *vv)
{
  g_autoptr(GPtrArray) origins = tn_version_vector_origins (vv);
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  for (guint i = 0; i < origins->len; i++)
    json_object_set_int_member (object, origins->pdata[i],
                                tn_version_vector_get (vv, origins->pdata[i]));
  json_node_take_object (node, object);
  return node;
}

char *
tn_uuid_new (void)
{
  guint64 ms = (guint64) (g_get_real_time () / 1000);
  guint8 bytes[16];

  for (guint i = 0; i < 6; i++)
    bytes[i] = (guint8) (ms >> (40 - 8 * i));
  for (guint i = 6; i < 16; i += 2)
    {
      guint32 r = g_random_int ();

      bytes[i] = (guint8) r;
      bytes[i + 1] = (guint8) (r >> 8);
    }
  bytes[6] = (bytes[6] & 0x0f) | 0x70;   /* version 7 */
  bytes[8] = (bytes[8] & 0x3f) | 0x80;   /* RFC 9562 variant */
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                          "%02x%02x%02x%02x%02x%02x",
                          bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5],
                          bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
                          bytes[12], bytes[13], bytes[14], bytes[15]);
}

gboolean
tn_is_uuid (const char *text)
{
  static const int dashes[] = { 8, 13, 18, 23 };

  if (text == NULL || strlen (text) != 36)
    return FALSE;
  for (guint i = 0, d = 0; i < 36; i++)
    {
      if (d < G_N_ELEMENTS (dashes) && (int) i == dashes[d])
        {
          if (text[i] != '-')
            return FALSE;
          d++;
        }
      else if (!g_ascii_isxdigit (text[i]) || g_ascii_isupper (text[i]))
        return FALSE;
    }
  return TRUE;
}

TnVersionVector *
tn_version_vector_from_value (const TnJsonValue  *value,
                              GError            **error)
{
  g_autoptr(TnVersionVector) vv = tn_version_vector_new ();

  if (value == NULL || value->kind != TN_JSON_OBJECT)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("A version vector must be a JSON object of replica id → seq"));
      return NULL;
    }
  tn_json_value_foreach (entry, value)
    {
      const char *origin = entry->name;

      if (!tn_is_uuid (origin))
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("Version vector key “%s” is not a replica id (lowercase UUID)"), origin);
          return NULL;
        }
      if (entry->kind != TN_JSON_INT)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_NOT_INTEGER,
                       _("Version vector entry for %s must be an integer"), origin);
          return NULL;
        }
      if (entry->integer < 0 || entry->integer > G_GINT64_CONSTANT (9007199254740991))
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("Version vector entry for %s is out of range (0 to 2^53 − 1)"), origin);
          return NULL;
        }
      tn_version_vector_set (vv, origin, entry->integer);
    }
  return g_steal_pointer (&vv);
}

TnVersionVector *
tn_version_vector_from_json (JsonNode  *node,
                             GError   **error)
{
  g_autoptr(TnJsonDoc) doc = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return tn_version_vector_from_value (NULL, error);
  doc = tn_json_doc_new_from_node (node, error);
  if (doc == NULL)
    return NULL;
  return tn_version_vector_from_value (tn_json_doc_get_root (doc), error);
}

void
tn_version_vector_append_canonical (const TnVersionVector *vv,
                                    GString               *out)
{
  /* Replica ids are ASCII, so their byte order is RFC 8785's order. */
  g_autoptr(GPtrArray) origins = tn_version_vector_origins (vv);

  g_string_append_c (out, '{');
  for (guint i = 0; i < origins->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      tn_canonical_json_append_string (out, origins->pdata[i], NULL);
      g_string_append_printf (out, ":%" G_GINT64_FORMAT,
                              tn_version_vector_get (vv, origins->pdata[i]));
    }
  g_string_append_c (out, '}');
}

char *
tn_version_vector_to_string (const TnVersionVector *vv)
{
  GString *out = g_string_sized_new (64);

  tn_version_vector_append_canonical (vv, out);
  return g_string_free (out, FALSE);
}
