/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A read-only JSON document in one flat array: every value of a
 * subtree follows its container, so a document is three allocations
 * however many values it holds, and freeing it is one free.  Events
 * keep their payload this way: a peer's batch of 512 sales is about
 * 50,000 values, and a json-glib tree (a node each, a hash table per
 * object) cost a receiving lane more than applying them. */

typedef enum
{
  TN_JSON_NULL,
  TN_JSON_BOOLEAN,
  TN_JSON_INT,
  TN_JSON_DOUBLE,    /* a fraction, an exponent, or an integer beyond gint64 */
  TN_JSON_STRING,
  TN_JSON_ARRAY,
  TN_JSON_OBJECT,
} TnJsonKind;

typedef struct _TnJsonValue TnJsonValue;
struct _TnJsonValue
{
  TnJsonKind  kind;
  guint32     size;      /* values in this subtree, itself included */
  guint32     length;    /* string: bytes; array and object: children */
  gboolean    canonical; /* array and object: parsed from RFC 8785 text */
  const char *name;      /* its member name inside an object, else NULL */
  guint64     name_key;  /* @name's first 8 bytes (tn-json-doc.c), 0 without */
  union
  {
    gboolean    boolean;
    gint64      integer;
    double      number;
    const char *string;  /* NUL-terminated, valid UTF-8, no U+0000 */
    struct
    {
      guint32   offset;  /* array and object: where its text was */
      guint32   length;
    } text;
  };
};

typedef struct _TnJsonDoc TnJsonDoc;

/* Strict parsing as tn_json_parse_strict () (tn-json-strict.h). */
TnJsonDoc         *tn_json_doc_parse          (const char         *text,
                                               gssize              length,
                                               GError            **error);
/* A copy of @node.  Fails (TN_ERROR_INVALID) on nesting deeper than the
 * parser allows or a string node without a string. */
TnJsonDoc         *tn_json_doc_new_from_node  (JsonNode           *node,
                                               GError            **error);
TnJsonDoc         *tn_json_doc_ref            (TnJsonDoc          *doc);
void               tn_json_doc_unref          (TnJsonDoc          *doc);
const TnJsonValue *tn_json_doc_get_root       (TnJsonDoc          *doc);

/* The text @value was parsed from, if that text already is its RFC 8785
 * canonical form (what tn_canonical_json_append_value () would write):
 * then a record a peer sent need not be written again to be hashed.
 * Only arrays and objects are tracked; NULL for other values, other
 * text, and documents not parsed from text. */
const char        *tn_json_doc_canonical_text (TnJsonDoc          *doc,
                                               const TnJsonValue  *value,
                                               gsize              *length);

/* A json-glib tree with the same content (transfer full). */
JsonNode          *tn_json_value_to_node      (const TnJsonValue  *value);

/* Children of an array or object in order: NULL when there are none or
 * @container is neither. */
const TnJsonValue *tn_json_value_first        (const TnJsonValue  *container);
const TnJsonValue *tn_json_value_next         (const TnJsonValue  *container,
                                               const TnJsonValue  *child);
/* The member @name of @object, or NULL (also when @object is NULL or
 * not an object). */
const TnJsonValue *tn_json_value_member       (const TnJsonValue  *object,
                                               const char         *name);
/* Typed members: NULL or @default_value when missing or of another kind. */
const char        *tn_json_value_get_string   (const TnJsonValue  *object,
                                               const char         *name);
gint64             tn_json_value_get_int      (const TnJsonValue  *object,
                                               const char         *name,
                                               gint64              default_value);
gboolean           tn_json_value_get_boolean  (const TnJsonValue  *object,
                                               const char         *name,
                                               gboolean            default_value);
const TnJsonValue *tn_json_value_get_object   (const TnJsonValue  *object,
                                               const char         *name);
const TnJsonValue *tn_json_value_get_array    (const TnJsonValue  *object,
                                               const char         *name);

/* Orders UTF-8 strings as their UTF-16 code units would be ordered,
 * without converting them.  UTF-8 bytes already sort by code point, and
 * UTF-16 agrees with code point order except that U+10000 and above
 * (surrogates 0xD800–0xDBFF first) come before U+E000–U+FFFF.  Where two
 * strings first differ, both sit at the same place in their UTF-8
 * sequences; if those are lead bytes 0xEE/0xEF (U+E000–U+FFFF) against
 * 0xF0–0xF4 (U+10000 and above), the order flips.  On invalid UTF-8 this
 * is still a total order. */
static inline int
tn_json_compare_names (const char *a,
                       const char *b)
{
  const guchar *s = (const guchar *) a;
  const guchar *t = (const guchar *) b;

  while (*s == *t && *s != '\0')
    {
      s++;
      t++;
    }

  if (*s >= 0xf0 && (*t == 0xee || *t == 0xef))
    return -1;
  if (*t >= 0xf0 && (*s == 0xee || *s == 0xef))
    return 1;
  return (int) *s - (int) *t;
}

#define tn_json_value_foreach(child, container) \
  for (const TnJsonValue *child = tn_json_value_first (container); child != NULL; \
       child = tn_json_value_next ((container), child))

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnJsonDoc, tn_json_doc_unref)

G_END_DECLS
