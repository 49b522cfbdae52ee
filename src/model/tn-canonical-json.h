/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tn-json-doc.h"

G_BEGIN_DECLS

/* RFC 8785 (JSON Canonicalization Scheme).  Failures are TN_ERROR_INVALID. */

/* Formats @value as ECMAScript's Number.prototype.toString() does (the
 * shortest string that round-trips, the closest such if several),
 * whatever the locale.  NaN and infinities are not JSON: returns FALSE
 * and sets @error. */
gboolean tn_canonical_json_format_number (double    value,
                                          GString  *out,
                                          GError  **error);

/* Appends the canonical form of @node to @out.  Object members are sorted
 * by their UTF-16 code units, strings escaped minimally, numbers as
 * above; 64-bit integers beyond 2^53 are formatted as the double they
 * round to, as a JavaScript parser would see them.  Fails on NaN,
 * infinities, strings that are not UTF-8 and nesting deeper than 512;
 * then @out is left as it was. */
gboolean tn_canonical_json_append (JsonNode  *node,
                                   GString   *out,
                                   GError   **error);

gboolean tn_canonical_json_append_value (const TnJsonValue  *value,
                                         GString            *out,
                                         GError            **error);
/* Appends @str as a canonical JSON string; FALSE if it is not UTF-8. */
gboolean tn_canonical_json_append_string (GString     *out,
                                          const char  *str,
                                          GError     **error);
/* Convenience: returns a newly allocated canonical string, or NULL. */
char *tn_canonical_json_to_string (JsonNode  *node,
                                   GError   **error);

/* Parses @text (@length bytes, or up to a NUL if negative) and returns its
 * canonical form, or NULL with @error set.  The text must be RFC 8259
 * JSON with I-JSON's limits: no duplicate member names, no unpaired
 * surrogates; \u0000 is refused too, since json-glib strings cannot hold
 * it.  Integers beyond gint64 are read as doubles. */
char *tn_canonical_json_from_text (const char  *text,
                                   gssize       length,
                                   GError     **error);

G_END_DECLS
