/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Parses RFC 8259 JSON strictly (I-JSON: no duplicate member names, no
 * \u0000, nothing after the value) and returns its root, or NULL with a
 * TN_ERROR_INVALID that says where the text is wrong.  Integers beyond
 * gint64 become doubles, as a JavaScript reader would see them.  Every
 * byte that comes from a peer, a file or the hub goes through this
 * parser, here or as a flat document (tn_json_doc_parse ()). */
JsonNode *tn_json_parse_strict (const char  *text,
                                gssize       length,
                                GError     **error);

G_END_DECLS
