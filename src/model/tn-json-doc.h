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
  const char *name;      /* its member name inside an object, else NULL */
  union
  {
    gboolean    boolean;
    gint64      integer;
    double      number;
    const char *string;  /* NUL-terminated, valid UTF-8, no U+0000 */
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

#define tn_json_value_foreach(child, container) \
  for (const TnJsonValue *child = tn_json_value_first (container); child != NULL; \
       child = tn_json_value_next ((container), child))

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnJsonDoc, tn_json_doc_unref)

G_END_DECLS
